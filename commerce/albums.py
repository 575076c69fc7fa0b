"""Albums relayed as albums.

Telegram delivers an album as separate messages that share a media_group_id, arriving
within about a second, and never says when the album is complete. Each item is therefore
held in a short, durable buffer, written in its own update's transaction together with
its history row (so an acknowledged item is never lost), and the album is relayed once
no item has arrived for a quiet moment.

Exactly once: the flush claims an album by deleting its buffered items and relays only
what its own delete returned, in the same transaction as the outbox rows it writes. Two
processes flushing the same album, or a retry after a crash, cannot both get the items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from commerce import lengths
from commerce.bots import BotKind
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.people import Associate, Member, Store
from commerce.ports.uow import UnitOfWork
from commerce.relay import record_message

# Telegram groups photos and videos together, documents only with documents; voice notes
# and stickers are never part of an album. Up to ten items make one media group.
GROUPABLE = frozenset({MessageKind.PHOTO, MessageKind.VIDEO, MessageKind.DOCUMENT})
GROUP_LIMIT = lengths.MEDIA_GROUP  # items Telegram takes in one media group


@dataclass(slots=True)
class AlbumItem:
    """One buffered item: what the person sent, and the history row already written for it."""

    bot: BotKind
    chat_id: int
    member_id: int
    media_group_id: str
    source_message_id: int
    kind: MessageKind
    file_id: str
    received_at: datetime
    conversation_message_id: int
    caption: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AlbumKey:
    """Which album: Telegram's media_group_id is unique only together with the chat."""

    bot: BotKind
    chat_id: int
    media_group_id: str


# --- decisions from values ------------------------------------------------------------


def is_groupable(kind: MessageKind) -> bool:
    return kind in GROUPABLE


def quiet_since(newest: datetime, now: datetime, quiet: timedelta) -> bool:
    """True once no item arrived for `quiet`: the album is taken as complete."""
    return now - newest >= quiet


def media_groups(items: Sequence[AlbumItem]) -> list[list[AlbumItem]]:
    """The items in the order the person sent them, cut into what one sendMediaGroup can
    carry: photos and videos together, documents apart, at most ten each. A part of one
    item is relayed as a single message (Telegram refuses a group of one)."""
    ordered = sorted(items, key=lambda item: item.source_message_id)
    parts: list[list[AlbumItem]] = []
    for item in ordered:
        family = _family(item.kind)
        last = parts[-1] if parts else None
        if last is not None and _family(last[0].kind) == family and len(last) < GROUP_LIMIT:
            last.append(item)
        else:
            parts.append([item])
    return parts


def _family(kind: MessageKind) -> str:
    return "document" if kind is MessageKind.DOCUMENT else "visual"


# --- the buffer, in the caller's transaction ------------------------------------------------


async def hold_item(uow: UnitOfWork, *, bot: BotKind, chat_id: int, media_group_id: str, member: Member, associate: Associate,
                    kind: MessageKind, source_message_id: int, file_id: str, caption: str | None, file_name: str | None,
                    mime_type: str | None, now: datetime, direction: Direction = Direction.IN) -> AlbumItem:
    """Record an album item and its history row; the flush relays it with the others. A
    member's album (IN, consumer bot) goes to their associate; an associate's (OUT, associate
    bot) to the member it answers, who is `member` either way."""
    assert member.id is not None
    message = await record_message(uow, member=member, associate=associate, direction=direction, kind=kind, text=caption,
                                   source_message_id=source_message_id, relay_outbox_id=None, now=now)
    assert message.id is not None
    return await uow.albums.add(AlbumItem(
        bot=bot, chat_id=chat_id, member_id=member.id, media_group_id=media_group_id, source_message_id=source_message_id,
        kind=kind, file_id=file_id, caption=caption, file_name=file_name, mime_type=mime_type, received_at=now,
        conversation_message_id=message.id,
    ))


async def recaption_held(uow: UnitOfWork, writer: Member | Associate, chat_id: int, source_message_id: int,
                         caption: str | None, now: datetime) -> bool:
    """The writer (a member, or an associate answering one) edited the caption of an item
    that is still in the buffer: the album will go out with the new caption; the edit is
    history like any other. False if the item is not buffered (it was relayed already, or
    is no album item)."""
    assert writer.id is not None
    inbound = isinstance(writer, Member)
    bot, direction = (BotKind.CONSUMER, Direction.IN) if inbound else (BotKind.ASSOCIATE, Direction.OUT)
    if not await uow.albums.recaption(bot, chat_id, source_message_id, caption):
        return False
    if inbound:
        original = await uow.conversations.original(direction, source_message_id, member_id=writer.id)
        member, associate = writer, await uow.associates.get(original.associate_id) if original else None
    else:
        original = await uow.conversations.original(direction, source_message_id, associate_id=writer.id)
        member, associate = await uow.members.get(original.member_id) if original else None, writer
    if member is not None and associate is not None:
        await record_message(uow, member=member, associate=associate, direction=direction, kind=MessageKind.EDIT,
                             text=caption, source_message_id=source_message_id, relay_outbox_id=None, now=now)
    return True


@dataclass(frozen=True, slots=True)
class ClaimedAlbum:
    """An album this transaction owns now: relay it, then point its history at the copies."""

    member: Member
    associate: Associate  # the associate the items were written to or by (their history rows say so)
    store: Store
    items: Sequence[AlbumItem]
    history: Sequence[ConversationMessage]


@dataclass(frozen=True, slots=True)
class NotYet:
    """An item arrived within the quiet time: look again at `due`."""

    due: datetime


async def claim_album(uow: UnitOfWork, key: AlbumKey, now: datetime, quiet: timedelta) -> ClaimedAlbum | NotYet | None:
    """None: nothing left to relay (another process flushed it, or its associate is gone:
    then the items stay in the history, unrelayed, and are not retried forever)."""
    newest = await uow.albums.newest(key)
    if newest is None:
        return None
    if not quiet_since(newest, now, quiet):
        return NotYet(newest + quiet)
    items = await uow.albums.claim(key)
    if not items:
        return None
    history = await uow.albums.history([i.conversation_message_id for i in items])
    member = await uow.members.get(items[0].member_id)
    associate = await uow.associates.get(history[0].associate_id) if history else None
    store = await uow.stores.get(associate.store_id) if associate else None
    if member is None or associate is None or store is None or associate.telegram_user_id is None:
        return None
    return ClaimedAlbum(member, associate, store, items, history)


async def album_position(uow: UnitOfWork, outbox_id: int, source_message_id: int) -> int | None:
    """Where a member's message sits in the album delivered by outbox row `outbox_id`
    (None if that row is not an album): an edit of its caption edits that item."""
    sources = await uow.albums.sources_of(outbox_id)
    return sources.index(source_message_id) if source_message_id in sources else None
