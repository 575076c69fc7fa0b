"""Commands as registered: each carries the roles it is for and the catalog key of its
one-line description, so /help and the bots' command menus are generated from the same
list that registers the handlers (bot/interface/applications.py), and cannot drift from it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from telegram.ext import CommandHandler, filters

from bot.interface.i18n import Catalog
from commerce.bots import Role

PRIVATE = filters.ChatType.PRIVATE
_TAGS = re.compile(r"<[^>]+>")
# Telegram's language codes are ISO 639-1: the zh-Hans catalog serves "zh".
MENU_LANGUAGES = {"en": "en", "zh-Hans": "zh"}


class Command(CommandHandler):  # type: ignore[type-arg]
    """A private-chat command with its audience: role -> catalog key of the line that
    describes it to that role (the same command can read differently for HQ)."""

    def __init__(self, name: str, callback: Any, about: Mapping[Role, str]) -> None:
        super().__init__(name, callback, filters=PRIVATE)
        self.name = name
        self.about = dict(about)


def about(key: str, *roles: Role) -> dict[Role, str]:
    """One description for several roles."""
    return dict.fromkeys(roles, key)


def commands_of(handlers: Iterable[object]) -> list[Command]:
    return [handler for handler in handlers if isinstance(handler, Command)]


def help_lines(catalog: Catalog, locale: str, commands: Iterable[Command], role: Role) -> list[tuple[str, str]]:
    """(command, description as HTML) for what `role` may use, in registration order."""
    return [(c.name, catalog.text(locale, c.about[role])) for c in commands if role in c.about]


def help_body(catalog: Catalog, locale: str, commands: Iterable[Command], role: Role) -> str:
    return "\n".join(f"/{name} — {description}" for name, description in help_lines(catalog, locale, commands, role))


def menu(catalog: Catalog, locale: str, commands: Iterable[Command], role: Role) -> list[dict[str, str]]:
    """The command menu (setMyCommands) for `role`: the help's lines as plain text."""
    return [{"command": name, "description": plain(description)}
            for name, description in help_lines(catalog, locale, commands, role)]


def plain(fragment: str) -> str:
    """A catalog line without its markup, as a Telegram client shows it."""
    return html.unescape(_TAGS.sub("", fragment))
