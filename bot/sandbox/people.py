"""What simulated people do in their chats, each action turned into the update Telegram sends.

A person's first message to a bot starts the chat (on Telegram that is always /start,
here any message does); until then the bot gets "chat not found". Blocking a bot makes
its sends fail with 403 and tells the bot through a my_chat_member update.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

from bot.sandbox.errors import ApiError
from bot.sandbox.formatting import CAPTION_LIMIT, TEXT_LIMIT, detect_entities
from bot.sandbox.markup import utf16_len
from bot.sandbox.shapes import callback_query_json, message_json, my_chat_member_json, transcript_entry
from bot.sandbox.state import BotAccount, Chat, Person, World

_album_ids = itertools.count(14_000_000_000_000_001)  # a person's albums; bots' albums count elsewhere


class People:
    def __init__(self, world: World) -> None:
        self.world = world

    def create(
        self,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str = "en",
        phone_number: str | None = None,
    ) -> Person:
        if not first_name:
            raise ApiError(400, "first_name is required")
        return self.world.create_person(
            first_name, username=username, last_name=last_name, language_code=language_code, phone_number=phone_number
        )

    def chat(self, user_id: int, bot_name: str) -> Chat:
        bot = self.world.bot_named(bot_name)
        if bot is None:
            raise ApiError(404, f"there is no bot {bot_name!r}")
        person = self.world.people.get(user_id)
        if person is None:
            raise ApiError(404, f"there is no user {user_id!r}")
        return self.world.open_chat(bot, person)

    def send_text(self, user_id: int, bot: str, text: str, *, reply_to_message_id: int | None = None) -> dict:
        if not text or not text.strip():
            raise ApiError(400, "message text is empty")
        if utf16_len(text) > TEXT_LIMIT:
            raise ApiError(400, "message is too long")
        chat = self._writable(user_id, bot)
        reply_to = self._reply_target(chat, reply_to_message_id)
        return self._post(chat, kind="text", text=text, entities=detect_entities(text), reply_to=reply_to)

    def send_media(
        self,
        user_id: int,
        bot: str,
        kind: str,
        data: bytes,
        *,
        caption: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        duration: int = 0,
        reply_to_message_id: int | None = None,
    ) -> dict:
        if not data:
            raise ApiError(400, "file must be non-empty")
        if caption and utf16_len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "message caption is too long")
        chat = self._writable(user_id, bot)
        reply_to = self._reply_target(chat, reply_to_message_id)
        file = self.world.files.add(data, kind, file_name=file_name, mime_type=mime_type, duration=duration)
        entities = detect_entities(caption) if caption else []
        return self._post(chat, kind=kind, file=file, caption=caption or None, caption_entities=entities, reply_to=reply_to)

    def send_album(self, user_id: int, bot: str, items: list[dict[str, Any]], *, reply_to_message_id: int | None = None) -> list[dict]:
        """Photos and videos (or documents) sent at once: Telegram delivers one message per
        item, all sharing a media_group_id, each in its own update. Sent as a reply, every
        item replies to the same message."""
        if not 2 <= len(items) <= 10:
            raise ApiError(400, "an album has 2-10 items")
        kinds = {item.get("kind") for item in items}
        if not (kinds <= {"photo", "video"} or kinds == {"document"}):
            raise ApiError(400, "an album holds photos and videos, or documents only")
        chat = self._writable(user_id, bot)
        reply_to = self._reply_target(chat, reply_to_message_id)
        group_id = str(next(_album_ids))
        sent = []
        for item in items:
            caption, data = item.get("caption"), item.get("data") or b""
            if not data:
                raise ApiError(400, "file must be non-empty")
            if caption and utf16_len(caption) > CAPTION_LIMIT:
                raise ApiError(400, "message caption is too long")
            file = self.world.files.add(data, item["kind"], file_name=item.get("file_name"), mime_type=item.get("mime_type"))
            entities = detect_entities(caption) if caption else []
            sent.append(self._post(chat, kind=item["kind"], file=file, caption=caption or None, caption_entities=entities,
                                   media_group_id=group_id, reply_to=reply_to))
        return sent

    def edit_caption(self, user_id: int, bot: str, message_id: int, caption: str) -> dict:
        chat = self._writable(user_id, bot)
        message = chat.find(message_id)
        if message is None or message.from_bot or message.file is None:
            raise ApiError(400, f"there is no media message {message_id} of this user to edit")
        if utf16_len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "message caption is too long")
        message.remember_version()
        message.caption, message.caption_entities = caption or None, detect_entities(caption) if caption else []
        message.edit_date = self.world.now()
        chat.touch()
        chat.bot.updates.push("edited_message", message_json(self.world, chat, message))
        return transcript_entry(self.world, chat, message)

    def send_contact(
        self, user_id: int, bot: str, phone_number: str, first_name: str, *, last_name: str | None = None
    ) -> dict:
        chat = self._writable(user_id, bot)
        # Sharing through a request_contact button sends the person's own card, with user_id.
        contact = {"phone_number": phone_number, "first_name": first_name, "user_id": chat.person.id}
        if last_name:
            contact["last_name"] = last_name
        return self._post(chat, kind="contact", contact=contact)

    def send_location(self, user_id: int, bot: str, latitude: float, longitude: float) -> dict:
        chat = self._writable(user_id, bot)
        return self._post(chat, kind="location", location=_location(latitude, longitude))

    def press_keyboard_button(
        self, user_id: int, bot: str, text: str, *, latitude: float | None = None, longitude: float | None = None
    ) -> dict:
        """Tap a button of the chat's reply keyboard, as a client sends it: a plain button
        sends its text, request_contact the person's own card, request_location the place
        given. A button the keyboard does not show cannot be tapped."""
        chat = self._writable(user_id, bot)
        button = _keyboard_button(chat.keyboard, text)
        asks = set() if isinstance(button, str) else {key for key, value in button.items() if key != "text" and value}
        if not asks:
            return self.send_text(user_id, bot, text)
        if asks == {"request_contact"}:
            person = chat.person
            return self.send_contact(user_id, bot, person.phone_number, person.first_name, last_name=person.last_name)
        if asks == {"request_location"}:
            if latitude is None or longitude is None:
                raise ApiError(400, f"the button {text!r} shares a location: give latitude and longitude")
            return self.send_location(user_id, bot, latitude, longitude)
        kinds = ", ".join(sorted(asks))
        raise ApiError(400, f"the sandbox does not simulate {kinds} buttons")

    def edit_text(self, user_id: int, bot: str, message_id: int, text: str) -> dict:
        chat = self._writable(user_id, bot)
        message = chat.find(message_id)
        if message is None or message.from_bot or message.text is None:
            raise ApiError(400, f"there is no text message {message_id} of this user to edit")
        if not text or not text.strip():
            raise ApiError(400, "message text is empty")
        message.remember_version()
        message.text, message.entities = text, detect_entities(text)
        message.edit_date = self.world.now()
        chat.touch()
        chat.bot.updates.push("edited_message", message_json(self.world, chat, message))
        return transcript_entry(self.world, chat, message)

    async def press_button(
        self, user_id: int, bot: str, message_id: int, callback_data: str, *, timeout: float = 2.0
    ) -> dict[str, Any]:
        """Press an inline button; returns the bot's answer, or answered=False after timeout."""
        chat = self._writable(user_id, bot)
        message = chat.find(message_id)
        if message is None or not message.from_bot:
            raise ApiError(400, f"there is no bot message {message_id} in this chat")
        if not _has_button(message.reply_markup, callback_data):
            raise ApiError(400, f"message {message_id} has no button with callback_data {callback_data!r}")
        query = self.world.new_callback_query(chat.bot)
        payload = callback_query_json(self.world, chat, message, query.id, callback_data)
        chat.bot.updates.push("callback_query", payload)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await query.answered.wait()
        return {"callback_query_id": query.id, "answered": query.answer is not None, **(query.answer or {})}

    def block(self, user_id: int, bot: str) -> None:
        self._set_blocked(self.chat(user_id, bot), True)

    def unblock(self, user_id: int, bot: str) -> None:
        self._set_blocked(self.chat(user_id, bot), False)

    def _set_blocked(self, chat: Chat, blocked: bool) -> None:
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        if chat.started:
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            chat.bot.updates.push("my_chat_member", my_chat_member_json(chat, self.world.now(), old, new))
        chat.touch()

    def writable(self, user_id: int, bot: str) -> Chat:
        """The chat a person acts in (which starts it); refused while they block the bot."""
        return self._writable(user_id, bot)

    def _writable(self, user_id: int, bot: str) -> Chat:
        chat = self.chat(user_id, bot)
        if chat.blocked:
            raise ApiError(400, "this user blocked the bot; unblock it first")
        chat.started = True
        return chat

    @staticmethod
    def _reply_target(chat: Chat, message_id: int | None) -> int | None:
        if message_id is not None and chat.find(message_id) is None:
            raise ApiError(400, "message to be replied not found")
        return message_id

    def _post(self, chat: Chat, *, kind: str, **content: Any) -> dict:
        message = chat.post(from_bot=False, kind=kind, date=self.world.now(), **content)
        chat.bot.updates.push("message", message_json(self.world, chat, message))
        return transcript_entry(self.world, chat, message)


def _keyboard_button(keyboard: dict | None, text: str) -> dict[str, Any] | str:
    if keyboard is None:
        raise ApiError(400, "the chat has no reply keyboard")
    for row in keyboard.get("keyboard") or []:
        for button in row:
            label = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
            if label == text:
                return button
    raise ApiError(400, f"the chat's reply keyboard has no button {text!r}")


def _location(latitude: float, longitude: float) -> dict[str, float]:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ApiError(400, "latitude must be -90..90 and longitude -180..180")
    return {"latitude": latitude, "longitude": longitude}


def _has_button(markup: dict | None, callback_data: str) -> bool:
    rows = (markup or {}).get("inline_keyboard") or []
    return any(isinstance(b, dict) and b.get("callback_data") == callback_data for row in rows for b in row)


def bot_summary(bot: BotAccount) -> dict[str, Any]:
    return {"id": bot.id, "username": bot.username, "first_name": bot.first_name, "token": bot.token}
