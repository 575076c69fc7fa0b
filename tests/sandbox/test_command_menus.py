"""setMyCommands / getMyCommands / deleteMyCommands as a PTB bot meets them: one menu per
scope and language, kept apart, and Telegram's refusals."""

from __future__ import annotations

import pytest
import telegram
from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, BotCommandScopeDefault

from bot.sandbox import SandboxClient

HELP = BotCommand("help", "what you can do")
ME = BotCommand("me", "your membership")


async def test_a_menu_is_kept_per_scope_and_language(brand: telegram.Bot, ada) -> None:
    await brand.set_my_commands([HELP, ME])
    await brand.set_my_commands([BotCommand("help", "查看可用功能")], language_code="zh")
    await brand.set_my_commands([ME], scope=BotCommandScopeChat(ada["id"]))

    assert await brand.get_my_commands() == (HELP, ME)
    assert await brand.get_my_commands(scope=BotCommandScopeDefault()) == (HELP, ME)
    assert [c.description for c in await brand.get_my_commands(language_code="zh")] == ["查看可用功能"]
    assert await brand.get_my_commands(scope=BotCommandScopeChat(ada["id"])) == (ME,)
    assert await brand.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()


async def test_deleting_a_menu_leaves_the_others(brand: telegram.Bot, ada) -> None:
    await brand.set_my_commands([HELP])
    await brand.set_my_commands([ME], language_code="en")

    await brand.delete_my_commands(language_code="en")

    assert await brand.get_my_commands(language_code="en") == ()
    assert await brand.get_my_commands() == (HELP,)


async def test_a_chat_menu_needs_a_chat_the_bot_has(brand: telegram.Bot, people: SandboxClient) -> None:
    stranger = await people.create_user("Zed")  # never started the bot

    with pytest.raises(telegram.error.BadRequest, match="Chat not found"):
        await brand.set_my_commands([HELP], scope=BotCommandScopeChat(stranger["id"]))


async def test_bad_commands_are_refused_like_telegram(brand: telegram.Bot) -> None:
    with pytest.raises(telegram.error.BadRequest, match="(?i)bot_command_invalid"):
        await brand.set_my_commands([BotCommand("Help-Me", "x")])
    with pytest.raises(telegram.error.BadRequest, match="(?i)bot_command_description_invalid"):
        await brand.set_my_commands([BotCommand("help", "x" * 257)])
    with pytest.raises(telegram.error.BadRequest, match="(?i)botcommandscope"):
        await brand.do_api_request("setMyCommands", api_kwargs={"commands": [], "scope": {"type": "everyone"}})
