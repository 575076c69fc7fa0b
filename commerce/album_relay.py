"""A relayed album's use cases: holding an item until its album is complete, relaying the
album once it went quiet, and editing an item's caption afterwards.

Telegram never says when an album is complete (commerce/albums.py says how items are
buffered and claimed exactly once); these functions decide what each step sends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from commerce.albums import (AlbumKey, ClaimedAlbum, NotYet, album_position, claim_album, hold_item, is_groupable, media_groups,
                             recaption_held)
from commerce.messages import AlbumItemEdited, AlbumRelayed, Incoming, Outbound, Postbox
from commerce.bots import BotKind
from commerce.conversations import Direction, MessageKind
from commerce.people import Associate, Member
from commerce.ports.uow import UnitOfWork
from commerce.relay import EditCopy, record_message
from commerce.workspace import header_tags

REFUSAL_TTL = 600.0  # seconds: an album's items all arrive within a few


def writer_bot(direction: Direction) -> BotKind:
    """A member writes in the consumer bot (IN), an associate in the associate bot (OUT)."""
    return BotKind.CONSUMER if direction is Direction.IN else BotKind.ASSOCIATE


async def hold_album_item(uow: UnitOfWork, postbox: Postbox, incoming: Incoming, member: Member, associate: Associate,
                          direction: Direction, now: datetime) -> bool:
    """True if the message is an album item and is now held: a member's (IN) for
    `associate`, an associate's (OUT) for `member`. Other messages, and kinds Telegram does
    not group, are relayed on their own as usual."""
    group, content = incoming.media_group_id, incoming.content
    if not group or not is_groupable(content.kind) or not content.file_id:
        return False
    bot = writer_bot(direction)
    await hold_item(uow, bot=bot, chat_id=incoming.chat_id, media_group_id=group, member=member, associate=associate,
                    kind=content.kind, source_message_id=incoming.message_id, file_id=content.file_id, caption=content.text,
                    file_name=content.file_name, mime_type=content.mime_type, now=now, direction=direction)
    postbox.album_item_held(bot, incoming.chat_id, group)
    return True


async def first_of_album(postbox: Postbox, incoming: Incoming) -> bool:
    """A refusal (no associate, chat paused, not yours) is said once per album, not once
    per item; a message outside an album is always the first."""
    if not incoming.media_group_id:
        return True
    return await postbox.first_of(f"album-refusal:{incoming.chat_id}:{incoming.media_group_id}", REFUSAL_TTL)


async def flush_album(uow: UnitOfWork, postbox: Postbox, key: AlbumKey, now: datetime,
                      quiet: timedelta) -> ClaimedAlbum | NotYet | None:
    """Relay a quiet album as one: a member's to their associate, an associate's to the
    member, and point each item's history row at the row that carries it. NotYet: an item
    came meanwhile; None: nothing left to relay (the caller commits all the same, so an
    album whose associate is gone leaves the buffer)."""
    claimed = await claim_album(uow, key, now, quiet)
    if claimed is None or isinstance(claimed, NotYet):
        return claimed
    inbound = claimed.items[0].bot is BotKind.CONSUMER
    reader = claimed.associate.telegram_user_id if inbound else claimed.member.telegram_user_id
    assert reader is not None
    tags = await header_tags(uow, claimed.member) if inbound else []
    for part in media_groups(claimed.items):
        body = AlbumRelayed(inbound, claimed.member, claimed.associate, claimed.store, part, tags)
        first = await postbox.post(Outbound(BotKind.ASSOCIATE if inbound else BotKind.CONSUMER, reader, body))
        await uow.albums.attach_history([item.conversation_message_id for item in part], first)
    return claimed


async def recaption_held_item(uow: UnitOfWork, writer: Member | Associate, edited: Incoming, now: datetime) -> bool:
    """An edit of an album item not relayed yet changes the held caption (it goes out with
    the new one)."""
    if not edited.media_group_id:
        return False
    return await recaption_held(uow, writer, edited.chat_id, edited.message_id, edited.content.text, now)


async def edit_album_item(uow: UnitOfWork, postbox: Postbox, edit: EditCopy, edited: Incoming, direction: Direction,
                          now: datetime) -> bool:
    """A member (IN) or an associate (OUT) edited the caption of an album item: that item of
    the other side's copy is edited (the first keeps the header or the persona). False if the
    original was not relayed in an album."""
    copy_id = edit.original.relay_outbox_id
    copy = await uow.outbox.get(copy_id) if copy_id is not None else None
    # A one-item part of an album went out as an ordinary message: edited as one.
    if copy is None or copy.id is None or copy.method != "sendMediaGroup" or edit.original.source_message_id is None:
        return False
    position = await album_position(uow, copy.id, edit.original.source_message_id)
    if position is None:
        return False
    inbound = direction is Direction.IN
    tags = await header_tags(uow, edit.member) if position == 0 and inbound else []
    body = AlbumItemEdited(inbound, edit.member, edit.associate, edit.store, copy.id, position, edited.content.text, tags)
    outbox_id = await postbox.post(Outbound(copy.bot, copy.chat_id, body))
    await record_message(uow, member=edit.member, associate=edit.associate, direction=direction, kind=MessageKind.EDIT,
                         text=edited.content.text, source_message_id=edited.message_id, relay_outbox_id=outbox_id, now=now)
    return True
