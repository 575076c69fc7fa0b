"""The bots' command menus (setMyCommands), made from the same registration as /help, in
each language we ship (and the brand's default language for clients in any other).

Consumer bot: one menu for all its chats (scope default), the member's commands. A menu
per shopper would cost a call per person; a guest who taps a member's command is told how
to join.

Staff bot: scope default is the associate's menu. Associates are nearly everyone who opens
that bot, so the many cost no call each and an associate who binds through an invite needs
nothing; a stranger who taps one of their commands is told whom it is for. HQ operators,
whose commands differ, get their own menu in their own chat (scope chat): at start-up for
those with a Telegram account, and again when one opens the bot (/start), which covers an
operator added while the bot runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.interface.commands import MENU_LANGUAGES, Command, menu
from bot.interface.i18n import Catalog
from commerce.bots import BotKind, Role
from commerce.ports.uow import UnitOfWorkFactory

log = logging.getLogger("storelink.menus")
DEFAULT_MENU = {BotKind.CONSUMER: Role.MEMBER, BotKind.ASSOCIATE: Role.ASSOCIATE}


async def publish_menus(bots: Mapping[BotKind, Bot], commands: Mapping[BotKind, Sequence[Command]], catalog: Catalog,
                        default_locale: str, uow: UnitOfWorkFactory, brand_id: int) -> None:
    """Every menu of both bots. A refusal is logged and the rest still set: a missing menu
    is a nuisance, never a reason not to start."""
    for kind, role in DEFAULT_MENU.items():
        await set_menu(bots[kind], catalog, commands[kind], role, default_locale)
    async with uow() as work:
        operators = await work.hq.list(brand_id)
    for operator in operators:
        if operator.telegram_user_id is not None:
            await set_menu(bots[BotKind.ASSOCIATE], catalog, commands[BotKind.ASSOCIATE], Role.HQ, default_locale,
                           chat_id=operator.telegram_user_id)


async def set_menu(bot: Bot, catalog: Catalog, commands: Sequence[Command], role: Role, default_locale: str,
                   chat_id: int | None = None) -> bool:
    """`role`'s menu for the whole bot, or for one chat: one per language, plus the brand's
    default language for clients in a language we do not ship."""
    scope = BotCommandScopeChat(chat_id) if chat_id is not None else BotCommandScopeDefault()
    languages = [(locale, code) for locale, code in MENU_LANGUAGES.items() if locale in catalog.messages]
    try:
        for locale, code in [(default_locale, None), *languages]:
            lines = [BotCommand(line["command"], line["description"]) for line in menu(catalog, locale, commands, role)]
            await bot.set_my_commands(lines, scope=scope, language_code=code)
    except TelegramError as exc:  # e.g. an operator who never opened the bot: their chat does not exist yet
        log.warning("could not set the %s menu (%s): %s", role, scope.type, exc)
        return False
    return True
