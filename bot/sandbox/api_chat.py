"""Callback answers, getChat, the command menu and the bot's profile settings."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.errors import CHAT_NOT_FOUND, QUERY_GONE, bad_request
from bot.sandbox.markup import utf16_len
from bot.sandbox.methods import Call, Method

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_ANSWER_TEXT_LIMIT = 200  # UTF-16 code units, as Telegram counts every text
_DESCRIPTION_LIMIT = 256


async def answer_callback_query(call: Call) -> bool:
    p = call.params
    query = call.world.callbacks.get(p.string("callback_query_id") or "")
    if query is None or query.bot_id != call.bot.id or query.answer is not None:
        raise bad_request(QUERY_GONE)
    text = p.string("text") or None
    if text and utf16_len(text) > _ANSWER_TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {
        "text": text,
        "show_alert": p.flag("show_alert"),
        "url": p.string("url"),
        "cache_time": p.integer("cache_time") or 0,
    }
    query.answered.set()
    return True


async def get_chat(call: Call) -> dict[str, Any]:
    chat = call.world.chats.get((call.bot.id, call.params.integer("chat_id", required="chat_id is empty")))
    if chat is None or not chat.started:
        raise bad_request(CHAT_NOT_FOUND)
    gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels")
    return {
        **chat.person.as_chat(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gifts, True),
    }


_SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators",
           "chat", "chat_administrators", "chat_member"}


def _scope_key(call: Call) -> tuple[str, str]:
    """Menus are kept per scope and language, as Telegram does; a scope that names a chat
    needs a chat the bot has (a person who never started it has none)."""
    scope = call.params.decoded("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    if scope["type"].startswith("chat"):
        chat = call.world.chats.get((call.bot.id, scope.get("chat_id")))  # type: ignore[arg-type]
        if chat is None or not chat.started:
            raise bad_request(CHAT_NOT_FOUND)
    return json.dumps(scope, sort_keys=True), call.params.string("language_code") or ""


async def set_my_commands(call: Call) -> bool:
    commands = call.params.decoded("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= utf16_len(str(command.get("description", ""))) <= _DESCRIPTION_LIMIT:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    call.bot.commands[_scope_key(call)] = [{"command": c["command"], "description": c["description"]} for c in commands]
    return True


async def get_my_commands(call: Call) -> list[dict[str, str]]:
    return call.bot.commands.get(_scope_key(call), [])


async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_scope_key(call), None)
    return True


def _remembered(field: str) -> tuple[Method, Method]:
    """A profile setting kept as given (setMyDescription and friends) and its getter."""

    async def setter(call: Call) -> bool:
        call.bot.settings[field] = call.params.string(field) or ""
        return True

    async def getter(call: Call) -> dict[str, str]:
        return {field: call.bot.settings.get(field, "")}

    return setter, getter


async def set_chat_menu_button(call: Call) -> bool:
    call.bot.settings["menu_button"] = call.params.decoded("menu_button") or {"type": "default"}
    return True


async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    return call.bot.settings.get("menu_button", {"type": "commands"})


_set_description, _get_description = _remembered("description")
_set_short_description, _get_short_description = _remembered("short_description")
_set_name, _get_name = _remembered("name")

METHODS: dict[str, Method] = {
    "answerCallbackQuery": answer_callback_query,
    "getChat": get_chat,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": _set_description,
    "getMyDescription": _get_description,
    "setMyShortDescription": _set_short_description,
    "getMyShortDescription": _get_short_description,
    "setMyName": _set_name,
    "getMyName": _get_name,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
}
