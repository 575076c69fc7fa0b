"""Text, location and contact messages, and editing, deleting, copying, forwarding.

Edits follow Telegram's habits that bots rely on: an edit without reply_markup removes
the inline keyboard, and an edit that changes nothing is refused as "message is not
modified" (bots usually ignore exactly that error).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.formatting import check_text, parse
from bot.sandbox.methods import Call, Method
from bot.sandbox.state import Chat, StoredMessage

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


async def send_message(call: Call) -> dict[str, Any]:
    p = call.params
    text = parse(p.string("text"), p.string("parse_mode"), p.decoded("entities"))
    check_text(text)
    chat = call.chat()
    message = call.post(chat, kind="text", text=text.text, entities=text.entities)
    return call.message(chat, message)


async def send_location(call: Call) -> dict[str, Any]:
    p = call.params
    latitude = p.number("latitude", required="latitude is empty")
    longitude = p.number("longitude", required="longitude is empty")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location specified")
    chat = call.chat()
    message = call.post(chat, kind="location", location={"latitude": latitude, "longitude": longitude})
    return call.message(chat, message)


async def send_contact(call: Call) -> dict[str, Any]:
    p = call.params
    contact = {
        "phone_number": p.string("phone_number", required="phone number is empty"),
        "first_name": p.string("first_name", required="first name is empty"),
    }
    if p.string("last_name"):
        contact["last_name"] = p.string("last_name")
    chat = call.chat()
    message = call.post(chat, kind="contact", contact=contact)
    return call.message(chat, message)


def _own_message(call: Call, verb: str) -> tuple[Chat, StoredMessage]:
    if "inline_message_id" in call.params:
        raise bad_request("MESSAGE_ID_INVALID")
    chat = call.chat()
    message = chat.find(call.params.integer("message_id", required="message identifier is not specified"))
    if message is None:
        raise bad_request(f"message to {verb} not found")
    if verb == "edit" and not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _edited_markup(call: Call, message: StoredMessage) -> dict[str, Any] | None:
    markup = call.reply_markup()
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("reply markup must be an inline keyboard")
    current = message.reply_markup
    if markup is None and current and "inline_keyboard" not in current:
        return current  # a reply keyboard is the chat's, edits do not touch it
    return markup


def _apply_edit(call: Call, chat: Chat, message: StoredMessage, **changes: Any) -> dict[str, Any]:
    if all(getattr(message, name) == value for name, value in changes.items()):
        raise bad_request(_NOT_MODIFIED)
    message.remember_version()
    for name, value in changes.items():
        setattr(message, name, value)
    message.edit_date = call.world.now()
    chat.touch()
    return call.message(chat, message)


async def edit_message_text(call: Call) -> dict[str, Any]:
    p = call.params
    text = parse(p.string("text"), p.string("parse_mode"), p.decoded("entities"))
    check_text(text)
    chat, message = _own_message(call, "edit")
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    markup = _edited_markup(call, message)
    return _apply_edit(call, chat, message, text=text.text, entities=text.entities, reply_markup=markup)


async def edit_message_caption(call: Call) -> dict[str, Any]:
    caption = call.caption()
    chat, message = _own_message(call, "edit")
    if message.file is None:
        raise bad_request("there is no caption in the message to edit")
    markup = _edited_markup(call, message)
    return _apply_edit(
        call, chat, message, caption=caption.text or None, caption_entities=caption.entities, reply_markup=markup
    )


async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    chat, message = _own_message(call, "edit")
    return _apply_edit(call, chat, message, reply_markup=_edited_markup(call, message))


async def delete_message(call: Call) -> bool:
    chat, message = _own_message(call, "delete")
    message.deleted = True
    chat.touch()
    return True


def _content(message: StoredMessage) -> dict[str, Any]:
    """What a copy or forward carries over from the original message."""
    return {
        "text": message.text,
        "entities": message.entities,
        "caption": message.caption,
        "caption_entities": message.caption_entities,
        "file": message.file,
        "contact": message.contact,
        "location": message.location,
    }


def _source(call: Call, verb: str) -> tuple[Chat, StoredMessage]:
    """The original of a copy or forward, which must be in one of this bot's own chats."""
    source = call.chat("from_chat_id")
    original = source.find(call.params.integer("message_id", required="message identifier is not specified"))
    if original is None:
        raise bad_request(f"message to {verb} not found")
    return source, original


# Telegram copies no invoice and no payment notice (service messages).
_NOT_COPIED = frozenset({"invoice", "successful_payment", "refunded_payment"})


async def copy_message(call: Call) -> dict[str, int]:
    _, original = _source(call, "copy")
    if original.kind in _NOT_COPIED:
        raise bad_request("message can't be copied")
    content = _content(original)
    if "caption" in call.params.values:
        if original.file is None:
            raise bad_request("there is no caption in the message to copy")
        caption = call.caption()
        content.update(caption=caption.text or None, caption_entities=caption.entities)
    chat = call.chat()
    copy = call.post(chat, kind=original.kind, **content)
    return {"message_id": copy.message_id}


async def forward_message(call: Call) -> dict[str, Any]:
    source, original = _source(call, "forward")
    chat = call.chat()
    origin = original.forward_origin or {
        "type": "user",
        "sender_user": source.bot.as_user() if original.from_bot else source.person.as_user(),
        "date": original.date,
    }
    forwarded = call.post(chat, kind=original.kind, forward_origin=origin, **_content(original))
    return call.message(chat, forwarded)


async def send_chat_action(call: Call) -> bool:
    action = call.params.string("action", required="action is empty")
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    call.chat()
    return True


METHODS: dict[str, Method] = {
    "sendMessage": send_message,
    "sendLocation": send_location,
    "sendContact": send_contact,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
    "sendChatAction": send_chat_action,
}
