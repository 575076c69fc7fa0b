"""What comes in and goes out: the inbox, the outbox, conversations, albums and blobs, and waking the sender."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from commerce.bots import BotKind
from commerce.conversations import ChatSummary, ConversationMessage, Direction
from commerce.inbox import InboundUpdate
from commerce.outbox import Blob, OutboxMessage, OutboxPurpose, OutboxStatus, SendLane

if TYPE_CHECKING:  # commerce.albums uses these ports at run time
    from commerce.albums import AlbumItem, AlbumKey


class NotifySender(Protocol):
    """Tell the sender, after a commit, that a chat has pending rows, and in which lane
    the most urgent of them travels (see commerce.outbox.SendLane)."""

    def __call__(self, bot: BotKind, chat_id: int, lane: SendLane = ..., /) -> Awaitable[None]: ...


class InboxRepository(Protocol):
    """Updates from Telegram, recorded before they are acknowledged."""

    async def record(self, update: InboundUpdate) -> bool:
        """Store the update; False (and nothing changed) if (bot, update_id) exists."""
    async def get(self, bot: BotKind, update_id: int) -> InboundUpdate | None: ...
    async def claim_done(self, bot: BotKind, update_id: int, at: datetime) -> bool:
        """Mark the update done inside the caller's transaction. False if it was already
        done: the caller must then roll back, its effects were committed before."""
    async def mark_failed(self, bot: BotKind, update_id: int, at: datetime, error: str) -> None: ...
    async def next_of_chat(self, bot: BotKind, chat_id: int, up_to: int) -> InboundUpdate | None:
        """The chat's oldest RECEIVED update with update_id <= up_to, its attempts counted
        up by one in the same statement (None: nothing of the chat is left to handle)."""
    async def unprocessed(self, older_than: datetime, limit: int) -> Sequence[InboundUpdate]:
        """RECEIVED updates recorded before older_than (left behind by a crash)."""


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> OutboxMessage: ...
    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        """Insert the rows at once (their ids are not read back); how many."""
    async def get(self, message_id: int) -> OutboxMessage | None: ...
    async def pending_for_chat(self, bot: BotKind, chat_id: int, limit: int, *,
                               due: datetime | None = None) -> Sequence[OutboxMessage]:
        """PENDING messages of one chat, oldest (lowest id) first; with ``due``, without
        the rows held (not_before) past it."""
    async def pending_chats(self, limit: int, *, purposes: Sequence[OutboxPurpose] | None = None,
                            due: datetime | None = None) -> Sequence[tuple[BotKind, int]]:
        """Distinct (bot, chat_id) with PENDING messages (of these purposes; due by
        ``due``), oldest first."""
    async def mark(
        self,
        message_id: int,
        status: OutboxStatus,
        at: datetime,
        *,
        telegram_message_id: int | None = None,
        error: str | None = None,
        attempts: int | None = None,
        not_before: datetime | None = None,
    ) -> None: ...
    async def count_by_status(self) -> Mapping[OutboxStatus, int]: ...
    async def by_telegram_message(self, bot: BotKind, chat_id: int, telegram_message_id: int) -> OutboxMessage | None:
        """The row Telegram delivered as this message of this chat (found once SENT)."""


class BlobRepository(Protocol):
    async def put(self, blob: Blob) -> Blob:
        """Store bytes once: the same sha256 returns the existing blob."""
    async def get(self, blob_id: int) -> Blob | None: ...
    async def file_id(self, bot: BotKind, blob_id: int) -> str | None:
        """The Telegram file_id this bot got for the blob, if it sent it before."""
    async def remember_file_id(self, bot: BotKind, blob_id: int, file_id: str) -> None: ...
    async def expire(self, blob_id: int, at: datetime) -> None:
        """The blob may be deleted from ``at`` on; a later time already set stays."""
    async def delete_expired(self, now: datetime) -> int:
        """Delete the blobs expired by ``now`` that no unsent outbox row names, with
        their file_ids; returns how many."""


class ConversationRepository(Protocol):
    async def add(self, message: ConversationMessage) -> ConversationMessage: ...
    async def by_relay_outbox(self, outbox_id: int) -> ConversationMessage | None:
        """The conversation message that this outbox row carried to the other side."""
    async def original(self, direction: Direction, source_message_id: int, *, member_id: int | None = None,
                       associate_id: int | None = None) -> ConversationMessage | None:
        """The (unedited) message its writer sent as source_message_id in their own chat."""
    async def of_member(self, member_id: int, limit: int, before_id: int | None = None) -> Sequence[ConversationMessage]:
        """A member's messages, newest first; before_id pages back to older ones."""
    async def chats_of(self, associate_id: int, limit: int, offset: int = 0) -> Sequence[ChatSummary]:
        """The associate's current members, latest conversation first (members without any
        message last, newest link first), with their unread counts and last message."""


class AlbumRepository(Protocol):
    """Albums being received (commerce.albums), and the messages an album was delivered as."""

    async def add(self, item: AlbumItem) -> AlbumItem: ...
    async def newest(self, key: AlbumKey) -> datetime | None:
        """When the album's latest buffered item arrived; None once it has been flushed."""
    async def quiet(self, older_than: datetime, limit: int) -> Sequence[AlbumKey]:
        """Albums whose latest item arrived before older_than (left by a stopped process)."""
    async def recaption(self, bot: BotKind, chat_id: int, source_message_id: int, caption: str | None) -> bool:
        """Change a still-buffered item's caption; False if it is not in the buffer (any more)."""
    async def claim(self, key: AlbumKey) -> Sequence[AlbumItem]:
        """Delete the album's buffered items and return them: whoever gets them relays them."""
    async def history(self, conversation_message_ids: Sequence[int]) -> Sequence[ConversationMessage]: ...
    async def attach_history(self, conversation_message_ids: Sequence[int], outbox_id: int) -> None:
        """Point the items' history rows at the outbox row that relayed them."""
    async def remember_delivered(self, bot: BotKind, chat_id: int, outbox_id: int, message_ids: Sequence[int]) -> None:
        """The Telegram message ids an album outbox row was delivered as, in order."""
    async def outbox_of_message(self, bot: BotKind, chat_id: int, telegram_message_id: int) -> int | None:
        """The album outbox row a delivered item belongs to."""
    async def message_at(self, outbox_id: int, position: int) -> int | None: ...
    async def sources_of(self, outbox_id: int) -> list[int]:
        """The writer's message ids of the items an album outbox row relayed, in order."""
