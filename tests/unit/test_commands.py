"""/help and the command menus come from the handler registration: a command cannot be
registered without a line in someone's help, and each role's help lists its commands."""

from __future__ import annotations

import re

import pytest
from telegram.ext import CommandHandler

from bot.interface.applications import HANDLERS
from bot.interface.commands import Command, commands_of, menu, plain
from bot.interface.i18n import Catalog
from bot.interface.render.base import ROLES, Renderer
from commerce.bots import BotKind, Role

CATALOG = Catalog.load()
RENDER = Renderer(CATALOG, "Maison")
LOCALES = ["en", "zh-Hans"]


def help_text(bot: BotKind, role: Role, locale: str) -> str:
    return plain(RENDER.help(bot, role, locale, commands_of(HANDLERS[bot])).params["text"])


@pytest.mark.parametrize("bot", list(BotKind))
def test_every_registered_command_is_in_the_help_of_some_role(bot: BotKind) -> None:
    registered = [h for h in HANDLERS[bot] if isinstance(h, CommandHandler)]
    assert registered
    for handler in registered:
        assert isinstance(handler, Command), f"{sorted(handler.commands)} is registered without roles and help"
        for locale in LOCALES:
            helps = [help_text(bot, role, locale) for role in ROLES[bot]]
            for name in handler.commands:
                assert any(re.search(rf"^/{name} — ", h, re.M) for h in helps), f"/{name} is in nobody's {locale} help"


@pytest.mark.parametrize(("bot", "role", "expected"), [
    (BotKind.CONSUMER, Role.MEMBER, ["start", "me", "switch", "stopchat", "stop", "catalog", "new", "orders", "points",
                                     "cancel", "help"]),
    (BotKind.CONSUMER, Role.GUEST, ["start", "help"]),
    (BotKind.ASSOCIATE, Role.ASSOCIATE, ["start", "qr", "welcome", "leaderboard", "chats", "history", "members", "tag",
                                         "untag", "note", "done", "catalog", "hours", "away", "back", "escalations", "orders",
                                         "order", "help"]),
    (BotKind.ASSOCIATE, Role.HQ, ["start", "leaderboard", "help"]),
    (BotKind.ASSOCIATE, Role.GUEST, ["start", "help"]),
])
@pytest.mark.parametrize("locale", LOCALES)
def test_each_roles_help_lists_exactly_its_commands(bot: BotKind, role: Role, expected: list[str], locale: str) -> None:
    listed = re.findall(r"^/(\w+) — ", help_text(bot, role, locale), re.M)
    assert listed == expected


@pytest.mark.parametrize("bot", list(BotKind))
@pytest.mark.parametrize("locale", LOCALES)
def test_a_menu_is_the_help_as_telegram_accepts_it(bot: BotKind, locale: str) -> None:
    for role in ROLES[bot]:
        lines = menu(CATALOG, locale, commands_of(HANDLERS[bot]), role)
        shown = help_text(bot, role, locale)
        for line in lines:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", line["command"])
            assert 1 <= len(line["description"]) <= 256 and "<" not in line["description"]
            assert f"/{line['command']} — {line['description']}" in shown.splitlines()
