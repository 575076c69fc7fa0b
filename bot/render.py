"""Message rendering: texts from the catalogs, as Bot API call parameters."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import Catalog
from commerce import lengths
from commerce.identity import Identity
from commerce.model import Role

TEXT_LIMIT = lengths.TEXT  # UTF-16 units of the text as shown (commerce.lengths)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API call, JSON-serialisable so it can wait in the outbox."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)


def plain(markup: str) -> str:
    """HTML we rendered, as Telegram shows it: what its length limits count, and what a
    button's answer (which has no formatting) must carry."""
    return html.unescape(_TAG.sub("", markup))


def fit(markup: str, limit: int) -> str:
    """`markup` when its shown text fits `limit` UTF-16 units. Otherwise the shown text,
    shortened and escaped: the formatting is lost, never the message (a cut through the
    markup could leave a tag open, which Telegram refuses)."""
    shown = plain(markup)
    if lengths.units(shown) <= limit:
        return markup
    return html.escape(lengths.shorten(shown, limit), quote=False)


def text(body: str, *, buttons: list[list[dict[str, str]]] | None = None) -> Outgoing:
    """A message of ours: any text of ours is deliverable, whatever people's names or words
    it carries (rendering that knows better shortens the words itself, keeping the markup)."""
    params: dict[str, Any] = {"text": fit(body, TEXT_LIMIT), "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
    if buttons:
        params["reply_markup"] = {"inline_keyboard": buttons}
    return Outgoing("sendMessage", params)


@dataclass(frozen=True, slots=True)
class Renderer:
    catalog: Catalog
    brand_name: str

    def error(self, locale: str) -> Outgoing:
        return text(self.catalog.text(locale, "common.error"))

    def consumer_start(self, who: Identity, locale: str) -> Outgoing:
        t = self.catalog.text
        if who.role is Role.MEMBER and who.member is not None:
            if who.associate is not None:
                return text(t(locale, "consumer.start_member", brand=self.brand_name, name=who.member.first_name, associate=who.associate.display_name))
            return text(t(locale, "consumer.start_member_unlinked", brand=self.brand_name, name=who.member.first_name))
        return text(t(locale, "consumer.start_guest", brand=self.brand_name))

    def consumer_help(self, locale: str) -> Outgoing:
        return text(self.catalog.text(locale, "consumer.help", brand=self.brand_name))

    def associate_start(self, who: Identity, locale: str) -> Outgoing:
        t = self.catalog.text
        if who.role is Role.HQ and who.hq is not None:
            return text(t(locale, "associate.start_hq", brand=self.brand_name, name=who.hq.name))
        if who.role is Role.ASSOCIATE and who.associate is not None:
            store = who.store.name if who.store else ""
            return text(t(locale, "associate.start_associate", name=who.associate.display_name, store=store))
        return text(t(locale, "associate.start_guest", brand=self.brand_name))

    def associate_help(self, who: Identity, locale: str) -> Outgoing:
        key = {Role.HQ: "associate.help_hq", Role.ASSOCIATE: "associate.help_associate"}.get(who.role, "associate.help_guest")
        return text(self.catalog.text(locale, key, brand=self.brand_name))
