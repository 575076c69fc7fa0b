"""Relayed messages: the member's message with a header for the associate, the associate's
reply under their persona for the member, and the /history listing. Whatever people
wrote is user text: escaped here, always."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Catalog
from bot.render import TEXT_LIMIT, Outgoing
from commerce.model import Associate, Brand, ConversationMessage, Direction, Member, MessageKind, Store

CAPTION_LIMIT = 1024  # Telegram's limit for a caption, after entity parsing
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Content:
    """What a person wrote: text, or a photo (the writer's bot's file_id) with a caption."""

    kind: MessageKind
    text: str | None
    file_id: str | None = None


def full_name(member: Member) -> str:
    return " ".join(filter(None, [member.first_name, member.last_name]))


@dataclass(frozen=True, slots=True)
class RelayRenderer:
    catalog: Catalog
    brand: Brand

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, key, **params)

    def to_associate(self, member: Member, associate: Associate, store: Store, content: Content) -> Outgoing:
        head = self.t(associate.locale, "relay.header", member=full_name(member), store=store.name)
        return _message(head, content, from_bot="consumer")

    def to_member(self, locale: str, associate: Associate, store: Store, content: Content) -> Outgoing:
        head = self.t(locale, "relay.persona", associate=associate.display_name, store=store.name)
        return _message(head, content, from_bot="associate")

    def history(self, locale: str, member: Member, messages: Sequence[ConversationMessage], names: dict[int, str]) -> Outgoing:
        zone = ZoneInfo(self.brand.timezone)
        lines = [self.t(locale, "relay.history_title", member=full_name(member), count=len(messages))]
        for m in messages:
            at = m.created_at.astimezone(zone).strftime("%m-%d %H:%M")
            body = _shorten(m.text or "", 300)
            if m.kind is MessageKind.PHOTO:  # the label is plain text too: escaping it is harmless
                body = f"{self.t(locale, 'relay.photo')} {body}".strip()
            if m.direction is Direction.IN:
                lines.append(self.t(locale, "relay.history_in", at=at, text=body))
            else:
                lines.append(self.t(locale, "relay.history_out", at=at, associate=names.get(m.associate_id, "?"), text=body))
        if not messages:
            lines.append(self.t(locale, "relay.history_empty"))
        out = "\n".join(lines)
        while len(out) > TEXT_LIMIT and len(lines) > 2:  # drop the oldest lines first
            del lines[1]
            out = "\n".join(lines)
        return Outgoing("sendMessage", {"text": out, "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}})


def _message(head: str, content: Content, *, from_bot: str) -> Outgoing:
    if content.kind is MessageKind.PHOTO:
        caption = _compose(head, content.text, CAPTION_LIMIT)
        return Outgoing("sendPhoto", {"photo": {"from_bot": from_bot, "file_id": content.file_id}, "caption": caption, "parse_mode": "HTML"})
    return Outgoing("sendMessage", {"text": _compose(head, content.text, TEXT_LIMIT), "parse_mode": "HTML",
                                    "link_preview_options": {"is_disabled": True}})


def _compose(head: str, body: str | None, limit: int) -> str:
    """The header line, then the person's words, escaped. Telegram counts the limit after
    parsing the HTML, so the room left is measured on the header's plain text; the full
    text stays in the history even when the relayed copy has to be shortened."""
    if not body:
        return head
    room = limit - len(html.unescape(_TAG.sub("", head))) - 1
    return f"{head}\n{html.escape(_shorten(body, room), quote=False)}"


def _shorten(body: str, room: int) -> str:
    return body if len(body) <= room else body[: max(room - 1, 0)] + "…"
