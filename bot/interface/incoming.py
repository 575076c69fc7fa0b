"""A Telegram message as a use case takes it (commerce.messages.Incoming): what was written,
where, and what it replies to."""

from __future__ import annotations

from telegram import Message

from commerce.conversations import MessageKind
from commerce.messages import Content, Incoming


def content_of(message: Message) -> Content:
    if message.photo:  # sizes, smallest first: relay the largest
        return Content(MessageKind.PHOTO, message.caption, message.photo[-1].file_id)
    if message.voice:
        return Content(MessageKind.VOICE, message.caption, message.voice.file_id, mime_type=message.voice.mime_type)
    if message.video:
        video = message.video
        return Content(MessageKind.VIDEO, message.caption, video.file_id, video.file_name, video.mime_type)
    if message.document:
        document = message.document
        return Content(MessageKind.DOCUMENT, message.caption, document.file_id, document.file_name, document.mime_type)
    if message.sticker:
        return Content(MessageKind.STICKER, message.sticker.emoji)
    if message.location:
        where = message.location
        return Content(MessageKind.LOCATION, f"{where.latitude:.6f},{where.longitude:.6f}",
                       card={"latitude": where.latitude, "longitude": where.longitude})
    if message.contact:
        card = message.contact
        name = " ".join(filter(None, [card.first_name, card.last_name]))  # the history keeps the name, not the number
        return Content(MessageKind.CONTACT, name, card={"phone_number": card.phone_number, "first_name": card.first_name,
                                                        "last_name": card.last_name})
    return Content(MessageKind.TEXT, message.text)


def incoming_of(message: Message, locale: str) -> Incoming:
    replied = message.reply_to_message
    return Incoming(message.chat_id, message.message_id, content_of(message), locale, message.media_group_id,
                    replied.message_id if replied is not None else None)
