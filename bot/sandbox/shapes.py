"""The JSON shapes the sandbox hands out: Bot API objects and transcript entries.

Bot API objects follow Telegram field for field (PTB parses them); transcript entries
are the person's view of a chat, with what the Bot API does not show (edit history,
deletions, reply keyboards).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.files import StoredFile
from bot.sandbox.state import Chat, StoredMessage, World


def message_json(world: World, chat: Chat, message: StoredMessage, *, with_reply: bool = True) -> dict[str, Any]:
    """A Message as the chat's bot receives it."""
    out: dict[str, Any] = {
        "message_id": message.message_id,
        "from": chat.bot.as_user() if message.from_bot else chat.person.as_user(),
        "chat": chat.person.as_chat(),
        "date": message.date,
    }
    if message.forward_origin:
        out["forward_origin"] = message.forward_origin
    replied = chat.find(message.reply_to) if with_reply else None
    if replied:
        # Telegram nests only one level of reply_to_message.
        out["reply_to_message"] = message_json(world, chat, replied, with_reply=False)
    if message.edit_date:
        out["edit_date"] = message.edit_date
    if message.media_group_id:
        out["media_group_id"] = message.media_group_id
    if message.text is not None:
        out["text"] = message.text
        if message.entities:
            out["entities"] = message.entities
    if message.file:
        out.update(media_json(world, chat.bot.id, message.kind, message.file))
    if message.caption:
        out["caption"] = message.caption
        if message.caption_entities:
            out["caption_entities"] = message.caption_entities
    if message.contact:
        out["contact"] = message.contact
    if message.location:
        out["location"] = message.location
    if message.invoice:
        out["invoice"] = message.invoice.as_json()
    if message.payment:
        out[message.kind] = message.payment  # successful_payment or refunded_payment
    markup = message.reply_markup
    if markup and "inline_keyboard" in markup:
        # Only inline keyboards belong to the message; reply keyboards belong to the chat.
        out["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
    return out


def media_json(world: World, bot_id: int, kind: str, file: StoredFile) -> dict[str, Any]:
    base = {
        "file_id": world.files.file_id_for(bot_id, file),
        "file_unique_id": file.unique_id,
        "file_size": file.size,
    }
    named = {**base, "mime_type": file.mime_type}
    if file.file_name:
        named["file_name"] = file.file_name
    moving = {"width": file.width, "height": file.height, "duration": file.duration}
    if kind == "photo":
        return {"photo": [{**base, "width": file.width, "height": file.height}]}
    if kind == "voice":
        return {"voice": {**base, "duration": file.duration, "mime_type": file.mime_type}}
    if kind == "audio":
        return {"audio": {**named, "duration": file.duration}}
    if kind == "video":
        return {"video": {**named, **moving}}
    if kind == "animation":
        # Telegram sends animations with a document field too, for older clients.
        return {"animation": {**named, **moving}, "document": named}
    return {"document": named}


def transcript_entry(world: World, chat: Chat, message: StoredMessage) -> dict[str, Any]:
    """One message as the person sees it, with its history."""
    return {
        "message_id": message.message_id,
        "from": chat.bot.as_user() if message.from_bot else chat.person.as_user(),
        "sender": "bot" if message.from_bot else "user",
        "date": message.date,
        "created_at": message.created_at,
        "kind": message.kind,
        "text": message.text,
        "entities": message.entities,
        "caption": message.caption,
        "caption_entities": message.caption_entities,
        "reply_markup": message.reply_markup,
        "reply_to_message_id": message.reply_to,
        "edit_date": message.edit_date,
        "edits": message.edits,
        "deleted": message.deleted,
        "file": file_info(world, chat, message.file) if message.file else None,
        "contact": message.contact,
        "location": message.location,
        # The person's view of an invoice: what it asks, and whether it is paid.
        "invoice": {**message.invoice.as_json(), "paid": message.invoice.charge_id is not None}
        if message.invoice
        else None,
        "payment": message.payment,
        "media_group_id": message.media_group_id,
        "forward_origin": message.forward_origin,
    }


def file_info(world: World, chat: Chat, file: StoredFile) -> dict[str, Any]:
    return {
        "file_id": world.files.file_id_for(chat.bot.id, file),
        "file_unique_id": file.unique_id,
        "file_name": file.file_name,
        "mime_type": file.mime_type,
        "file_size": file.size,
        "width": file.width,
        "height": file.height,
        "duration": file.duration,
        "url": f"/sandbox/files/{file.unique_id}",
    }


def callback_query_json(world: World, chat: Chat, message: StoredMessage, query_id: str, data: str) -> dict:
    return {
        "id": query_id,
        "from": chat.person.as_user(),
        "message": message_json(world, chat, message),
        "chat_instance": chat.instance,
        "data": data,
    }


def my_chat_member_json(chat: Chat, date: int, old_status: str, new_status: str) -> dict[str, Any]:
    """What a bot hears when a person blocks ("kicked") or unblocks ("member") it."""

    def member(status: str) -> dict[str, Any]:
        state: dict[str, Any] = {"user": chat.bot.as_user(), "status": status}
        if status == "kicked":
            state["until_date"] = 0
        return state

    return {
        "chat": chat.person.as_chat(),
        "from": chat.person.as_user(),
        "date": date,
        "old_chat_member": member(old_status),
        "new_chat_member": member(new_status),
    }
