"""Message rendering: texts from the catalogs, as Bot API call parameters."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.interface.commands import Command, help_body
from bot.interface.i18n import Catalog
from commerce import lengths
from commerce.bots import BotKind, Role
from commerce.identity import Identity

TEXT_LIMIT = lengths.TEXT  # UTF-16 units of the text as shown (commerce.lengths)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API call, JSON-serialisable so it can wait in the outbox."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)


def button(label: str, data: Any) -> dict[str, str]:
    """An inline button: its label held to what a button shows, its data packed (64 bytes)."""
    return {"text": lengths.shorten(label, lengths.BUTTON_TEXT), "callback_data": data.pack()}


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

    def associate_start(self, who: Identity, locale: str) -> Outgoing:
        t = self.catalog.text
        if who.role is Role.HQ and who.hq is not None:
            return text(t(locale, "associate.start_hq", brand=self.brand_name, name=who.hq.name))
        if who.role is Role.ASSOCIATE and who.associate is not None:
            store = who.store.name if who.store else ""
            return text(t(locale, "associate.start_associate", name=who.associate.display_name, store=store))
        return text(t(locale, "associate.start_guest", brand=self.brand_name))

    def help(self, bot: BotKind, role: Role, locale: str, commands: Sequence[Command], lead: str | None = None) -> Outgoing:
        """/help for `role`: the commands registered for it, framed for its bot. `lead` (HTML)
        goes first: why the person is reading their help (an unknown or refused command)."""
        title, footer = _HELP_FRAME[bot, role]
        parts = [lead, self.catalog.text(locale, title, brand=self.brand_name), help_body(self.catalog, locale, commands, role),
                 self.catalog.text(locale, footer) if footer else None]
        return text("\n".join(part for part in parts if part))

    def unknown_command(self, bot: BotKind, role: Role, locale: str, commands: Sequence[Command], command: str) -> Outgoing:
        lead = self.catalog.text(locale, "help.unknown", command=command) + "\n"
        return self.help(bot, role, locale, commands, lead)

    def not_theirs(self, bot: BotKind, role: Role, locale: str, commands: Sequence[Command], command: str) -> Outgoing:
        """A command `role` may not use, in either bot: whom it is for (the roles it is
        registered for), then the sender's own help. Every refused command says it so."""
        name = command.removeprefix("/")
        roles = next((c.about.keys() for c in commands if c.name == name), ())
        audience = "_".join(r.value for r in (Role.MEMBER, Role.ASSOCIATE, Role.HQ) if r in roles) or "associate"
        lead = self.catalog.text(locale, "help.not_theirs", command=command,
                                 audience=self.catalog.text(locale, f"help.for_{audience}")) + "\n"
        return self.help(bot, role, locale, commands, lead)


# (bot, role) -> the catalog keys of the help's title and of its closing line (or None).
_HELP_FRAME: dict[tuple[BotKind, Role], tuple[str, str | None]] = {
    (BotKind.CONSUMER, Role.MEMBER): ("help.consumer_title", "help.consumer_member_footer"),
    (BotKind.CONSUMER, Role.GUEST): ("help.consumer_title", "help.consumer_guest_footer"),
    (BotKind.ASSOCIATE, Role.ASSOCIATE): ("help.staff_associate_title", "help.staff_associate_footer"),
    (BotKind.ASSOCIATE, Role.HQ): ("help.staff_hq_title", None),
    (BotKind.ASSOCIATE, Role.GUEST): ("help.staff_guest_title", "help.staff_guest_footer"),
}
ROLES = {bot: tuple(role for kind, role in _HELP_FRAME if kind is bot) for bot in BotKind}  # each bot's audiences
