"""The brand-owned conversation between a member and their associate: its messages, either
way, and where it stands for the associate's /chats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from commerce.people import Member


class Direction(StrEnum):
    IN = "in"  # member -> associate (written to the consumer bot)
    OUT = "out"  # associate -> member (written to the associate bot)


class MessageKind(StrEnum):
    TEXT = "text"  # plain text
    PHOTO = "photo"  # a photo, with its caption in `text`
    VOICE = "voice"  # a voice note, with its caption in `text`
    VIDEO = "video"  # a video, with its caption in `text`
    DOCUMENT = "document"  # a file, with its caption in `text` (name and type travel with it)
    STICKER = "sticker"  # a sticker, relayed as a "[sticker 😀]" line; its emoji in `text`
    LOCATION = "location"  # a map point, relayed as a link; "latitude,longitude" in `text`
    CONTACT = "contact"  # a contact card; the name in `text`, never the phone number
    EDIT = "edit"  # an edit of an earlier message: `source_message_id` names it, `text` is the new text
    PRODUCT = "product"  # a product card sent to the member (OUT), or the member's question about one (IN); "code · name" in `text`
    LOOKBOOK = "lookbook"  # new arrivals sent as an album; the products' codes and names in `text`


@dataclass(slots=True)
class ConversationMessage:
    """One message of a member's conversation, kept by the brand whoever the associate is."""

    member_id: int
    associate_id: int  # the member's associate when the message was written
    direction: Direction
    kind: MessageKind
    created_at: datetime
    text: str | None = None  # the text, or a photo's caption, as the person wrote it
    source_message_id: int | None = None  # Telegram message id in the writer's own chat
    relay_outbox_id: int | None = None  # the outbox row carrying it to the other side
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ChatSummary:
    """One line of an associate's /chats: a member of theirs and where their conversation stands."""

    member: Member
    # The member's messages since the last answer to them: "read" means answered. Opening
    # the chat does not change it; only a reply (an OUT message) does.
    unread: int
    last: ConversationMessage | None  # the newest message either way; None before any
