"""Relayed messages: the member's message with a header for the associate, the associate's
reply under their persona for the member, and the /history listing. Whatever people
wrote is user text: escaped here, always."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.interface.i18n import Catalog
from bot.interface.render.base import TEXT_LIMIT, Outgoing, fit, plain
from bot.interface.render.workspace import member_buttons, relay_header
from commerce import lengths
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.lengths import shorten, units
from commerce.messages import Content
from commerce.people import Associate, Brand, Member, Store

__all__ = ["CAPTION_LIMIT", "CAPTIONED", "Content", "RelayRenderer", "compose", "full_name", "plain"]

CAPTION_LIMIT = lengths.CAPTION  # UTF-16 units of the caption as shown
HISTORY_QUOTE = 300  # units of each message in a /history listing


# Media sent with a caption, by the Bot API method that sends each.
CAPTIONED = {MessageKind.PHOTO: "sendPhoto", MessageKind.VOICE: "sendVoice", MessageKind.VIDEO: "sendVideo",
             MessageKind.DOCUMENT: "sendDocument"}


def full_name(member: Member) -> str:
    return " ".join(filter(None, [member.first_name, member.last_name]))


@dataclass(frozen=True, slots=True)
class RelayRenderer:
    catalog: Catalog
    brand: Brand

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, key, **params)

    def to_associate(self, member: Member, associate: Associate, store: Store, content: Content,
                     tags: Sequence[str] = ()) -> list[Outgoing]:
        """The relayed message, first the one with the header (the one a reply answers) and
        the member's buttons; a contact card cannot carry a header, so it follows as a reply."""
        out = self._message(associate.locale, self.header(member, associate, store, tags), content, from_bot="consumer")
        if member.id is not None:
            first = out[0]
            out[0] = Outgoing(first.method, {**first.params, "reply_markup": self.member_keyboard(associate.locale, member.id)})
        return out

    def member_keyboard(self, locale: str, member_id: int) -> dict[str, Any]:
        """The inline keyboard under a member's relayed message: Profile, Tags & notes. A
        media group cannot carry one: an album sends it in a message of its own."""
        return member_buttons(self.catalog, locale, member_id)

    def to_member(self, locale: str, associate: Associate, store: Store, content: Content) -> list[Outgoing]:
        return self._message(locale, self.persona(locale, associate, store), content, from_bot="associate")

    def edit_for_associate(self, member: Member, associate: Associate, store: Store, kind: MessageKind,
                           new_text: str | None, relayed_outbox_id: int, tags: Sequence[str] = ()) -> Outgoing:
        return _edit(self.header(member, associate, store, tags), kind, new_text, relayed_outbox_id)

    def edit_for_member(self, locale: str, associate: Associate, store: Store, kind: MessageKind,
                        new_text: str | None, relayed_outbox_id: int) -> Outgoing:
        return _edit(self.persona(locale, associate, store), kind, new_text, relayed_outbox_id)

    def header(self, member: Member, associate: Associate, store: Store, tags: Sequence[str] = ()) -> str:
        """"💬 Alice Chen · Gold · Xintiandi · #vip #bags": tier and tags as they are now."""
        return relay_header(self.catalog, associate.locale, member, store, tags)

    def persona(self, locale: str, associate: Associate, store: Store) -> str:
        """"Bob · Xintiandi" in bold: the line an associate's message reaches the member under."""
        return self.t(locale, "relay.persona", associate=associate.display_name, store=store.name)

    def _message(self, locale: str, head: str, content: Content, *, from_bot: str) -> list[Outgoing]:
        card = content.card or {}
        if content.kind is MessageKind.STICKER:  # another bot cannot send our sticker's file_id: say what it was
            return [_text(f"{head}\n{self.t(locale, 'relay.sticker_line', emoji=content.text or '')}")]
        if content.kind is MessageKind.LOCATION:  # one message with the header keeps the reply thread simple
            lat, lon = f"{float(card['latitude']):.6f}", f"{float(card['longitude']):.6f}"
            url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
            return [_text(f"{head}\n{self.t(locale, 'relay.location_line', url=url, latitude=lat, longitude=lon)}")]
        if content.kind is MessageKind.CONTACT:
            contact = {k: card[k] for k in ("phone_number", "first_name", "last_name") if card.get(k)}
            return [_text(f"{head}\n{self.t(locale, 'relay.contact_line')}"), Outgoing("sendContact", contact)]
        return [_message(head, content, from_bot=from_bot)]

    def history(self, locale: str, member: Member, messages: Sequence[ConversationMessage], names: dict[int, str]) -> Outgoing:
        zone = ZoneInfo(self.brand.timezone)
        lines = [self.t(locale, "relay.history_title", member=full_name(member), count=len(messages))]
        for m in messages:
            at = m.created_at.astimezone(zone).strftime("%m-%d %H:%M")
            body = shorten(m.text or "", HISTORY_QUOTE)
            if m.kind is not MessageKind.TEXT:  # the label is plain text too: escaping it is harmless
                body = f"{self.t(locale, 'relay.' + m.kind.value)} {body}".strip()
            if m.direction is Direction.IN:
                lines.append(self.t(locale, "relay.history_in", at=at, text=body))
            else:
                lines.append(self.t(locale, "relay.history_out", at=at, associate=names.get(m.associate_id, "?"), text=body))
        if not messages:
            lines.append(self.t(locale, "relay.history_empty"))
        out = "\n".join(lines)
        while units(plain(out)) > TEXT_LIMIT and len(lines) > 2:  # drop the oldest lines first
            del lines[1]
            out = "\n".join(lines)
        return Outgoing("sendMessage", {"text": fit(out, TEXT_LIMIT), "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}})


def _message(head: str, content: Content, *, from_bot: str) -> Outgoing:
    method = CAPTIONED.get(content.kind)
    if method is not None:
        field = content.kind.value
        ref = {"from_bot": from_bot, "file_id": content.file_id}
        ref |= {k: v for k, v in (("file_name", content.file_name), ("mime_type", content.mime_type)) if v}
        caption = compose(head, content.text, CAPTION_LIMIT)
        return Outgoing(method, {field: ref, "caption": caption, "parse_mode": "HTML"})
    return _text(compose(head, content.text, TEXT_LIMIT))


def _text(body: str) -> Outgoing:
    return Outgoing("sendMessage", {"text": fit(body, TEXT_LIMIT), "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}})


def _edit(head: str, kind: MessageKind, new_text: str | None, relayed_outbox_id: int) -> Outgoing:
    """The relayed copy, edited in place with its header kept. It is named by its outbox
    row: the sender finds the Telegram message id it was delivered as."""
    target = {"message_id": {"outbox_id": relayed_outbox_id}, "parse_mode": "HTML"}
    if kind in CAPTIONED:
        return Outgoing("editMessageCaption", {**target, "caption": compose(head, new_text, CAPTION_LIMIT)})
    return Outgoing("editMessageText", {**target, "text": compose(head, new_text, TEXT_LIMIT),
                                        "link_preview_options": {"is_disabled": True}})


def compose(head: str, body: str | None, limit: int) -> str:
    """The header line, then the person's words, escaped, within `limit` as Telegram counts
    it: UTF-16 units of the text as shown, so the header counts by its plain text. Words
    that do not fit are shortened with a visible "…"; the full text stays in the history.
    The header carries people's text too (names, tags, the store's name): it may take the
    room the words leave, but never more than half when the words need it."""
    if not body:
        return fit(head, limit)
    head = fit(head, limit - 1 - min(units(body), limit // 2))
    room = limit - units(plain(head)) - 1
    return f"{head}\n{html.escape(shorten(body, room), quote=False)}"
