"""Ports: what the domain needs from the outside world, as Protocols.

storage/ implements them (SQLModel tables, Redis, in-process); tests use the real
implementations or small fakes. Nothing here knows about a database or Telegram.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

from commerce.members import Focus, MemberFilter, MemberNote, MemberSummary, MemberTag, MessageStats
from commerce.model import (
    Associate,
    AssociateInvite,
    AuditEntry,
    Blob,
    ChatSummary,
    ConversationMessage,
    Coupon,
    Direction,
    RewardRule,
    Scan,
    BotKind,
    Brand,
    HQOperator,
    InboundUpdate,
    Link,
    Member,
    OutboxMessage,
    OutboxPurpose,
    OutboxStatus,
    SendLane,
    Store,
)

from commerce.availability_model import Availability, AvailabilityRepository, EscalationRepository

if TYPE_CHECKING:  # commerce.albums and commerce.sending use these ports at run time
    from commerce.albums import AlbumItem, AlbumKey
    from commerce.sending import Drop, Hold, Send


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware current time (UTC)."""


class NotifySender(Protocol):
    """Tell the sender, after a commit, that a chat has pending rows, and in which lane
    the most urgent of them travels (see commerce.model.SendLane)."""

    def __call__(self, bot: BotKind, chat_id: int, lane: SendLane = ..., /) -> Awaitable[None]: ...


# --- repositories (one unit of work holds them all) -------------------------------


class BrandRepository(Protocol):
    async def get(self, brand_id: int) -> Brand | None: ...
    async def first(self) -> Brand | None:
        """The deployment's brand (one brand per deployment for now)."""
    async def add(self, brand: Brand) -> Brand: ...
    async def update(self, brand: Brand) -> None: ...


class StoreRepository(Protocol):
    async def get(self, store_id: int) -> Store | None: ...
    async def by_code(self, code: str) -> Store | None: ...
    async def list(self, brand_id: int) -> Sequence[Store]: ...
    async def add(self, store: Store) -> Store: ...
    async def update(self, store: Store) -> None: ...


class AssociateRepository(Protocol):
    async def get(self, associate_id: int) -> Associate | None: ...
    async def by_telegram_user(self, telegram_user_id: int) -> Associate | None: ...
    async def by_short_code(self, short_code: str) -> Associate | None: ...
    async def list_by_store(self, store_id: int) -> Sequence[Associate]: ...
    async def list_all(self) -> Sequence[Associate]:
        """Every associate of the deployment, by id."""
    async def add(self, associate: Associate) -> Associate: ...
    async def update(self, associate: Associate) -> None: ...
    async def opened_staff_bot(self, associate_id: int, at: datetime) -> bool:
        """Record that the associate's account opened the staff bot, unless it was recorded
        before (the first time stays); True if this call recorded it."""


class HQOperatorRepository(Protocol):
    async def by_telegram_user(self, telegram_user_id: int) -> HQOperator | None: ...
    async def list(self, brand_id: int) -> Sequence[HQOperator]: ...
    async def add(self, operator: HQOperator) -> HQOperator: ...
    async def update(self, operator: HQOperator) -> None:
        """Raises DuplicateError if the Telegram account is another operator's."""


# A member, their open link (if any), its associate, the associate's store, the member's
# tags (sorted) and the associate's availability row (None: none, or no associate).
MemberWithAssociate = tuple[Member, Link | None, Associate | None, Store | None, list[str], "Availability | None"]


class MemberRepository(Protocol):
    async def get(self, member_id: int) -> Member | None: ...
    async def by_telegram_user(self, brand_id: int, telegram_user_id: int) -> Member | None: ...
    async def with_associate(self, brand_id: int, telegram_user_id: int) -> MemberWithAssociate | None:
        """The member with their open link, its associate, that associate's store, the
        member's tags and the associate's availability, at once (what relaying needs)."""
    async def add(self, member: Member) -> Member:
        """Raises DuplicateError if (brand_id, telegram_user_id) exists."""
    async def update(self, member: Member) -> None: ...


class LinkRepository(Protocol):
    async def current(self, member_id: int) -> Link | None:
        """The open link (ended_at is None) of a member, if any."""
    async def history(self, member_id: int) -> Sequence[Link]:
        """All links of a member, oldest first."""
    async def add(self, link: Link) -> Link: ...
    async def end(self, link_id: int, at: datetime, reason: Any) -> None: ...


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


class InviteRepository(Protocol):
    async def add(self, invite: AssociateInvite) -> AssociateInvite: ...
    async def by_token_hash(self, token_hash: str) -> AssociateInvite | None: ...
    async def use(self, invite_id: int, telegram_user_id: int, at: datetime) -> bool:
        """Atomically mark an unused invite used; False if it was used already."""


class RewardRepository(Protocol):
    async def active_rule(self, brand_id: int) -> RewardRule | None: ...
    async def add_rule(self, rule: RewardRule) -> RewardRule:
        """Adding an active rule deactivates the brand's previous ones."""
    async def add_coupon(self, coupon: Coupon) -> Coupon:
        """Raises DuplicateError if the code exists."""
    async def coupons_of(self, member_id: int) -> Sequence[Coupon]: ...


class ScanRepository(Protocol):
    async def add(self, scan: Scan) -> Scan: ...
    async def of_user(self, telegram_user_id: int) -> Sequence[Scan]: ...


class RecruitmentRepository(Protocol):
    async def enrolled_between(self, brand_id: int, start: datetime, end: datetime) -> Mapping[int, int]:
        """New members per source associate id, enrolled in [start, end). Members, not
        scans: each member counts once, for the associate whose code enrolled them."""
    async def claim_day(self, brand_id: int, day: date, at: datetime) -> bool:
        """Record in the caller's transaction that the brand's daily results for ``day``
        are being sent; False when a committed transaction recorded it already. The
        record commits or rolls back with the messages; a concurrent claim waits for
        the other transaction and wins if that one rolls back."""


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


class WorkspaceRepository(Protocol):
    """The associate's workspace: tags, notes, the focus of each associate, /members."""

    async def tags_of(self, member_id: int) -> Sequence[MemberTag]:
        """The member's tags, alphabetically."""
    async def add_tag(self, tag: MemberTag) -> bool:
        """False (and nothing changed) if the member has the tag already."""
    async def remove_tag(self, member_id: int, tag: str) -> bool:
        """False if the member did not have the tag."""
    async def notes_of(self, member_id: int, limit: int) -> Sequence[MemberNote]:
        """The member's notes, newest first."""
    async def add_note(self, note: MemberNote) -> MemberNote: ...
    async def focus_of(self, associate_id: int) -> Focus | None: ...
    async def set_focus(self, focus: Focus) -> None:
        """Replace the associate's focus (one per associate)."""
    async def clear_focus(self, associate_id: int) -> None: ...
    async def saved_filter(self, associate_id: int) -> str | None:
        """The words of the associate's last /members, for its paging buttons."""
    async def save_filter(self, associate_id: int, words: str, at: datetime) -> None: ...
    async def message_stats(self, member_id: int) -> MessageStats: ...
    async def member_by_username(self, brand_id: int, username: str) -> Member | None:
        """Case-insensitive, without the "@"."""
    async def members_of(self, associate_id: int, where: MemberFilter, now: datetime, limit: int,
                         offset: int = 0) -> Sequence[MemberSummary]:
        """The associate's current members matching the filter, latest contact first."""


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


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...
    async def recent(self, limit: int) -> Sequence[AuditEntry]: ...


class UnitOfWork(Protocol):
    """One database transaction. The caller owns it: repositories never commit.

    async with uow_factory() as uow:
        ...
        await uow.commit()   # leaving the block without commit rolls back
    """

    brands: BrandRepository
    stores: StoreRepository
    associates: AssociateRepository
    hq: HQOperatorRepository
    members: MemberRepository
    links: LinkRepository
    inbox: InboxRepository
    outbox: OutboxRepository
    audit: AuditLog
    invites: InviteRepository
    rewards: RewardRepository
    scans: ScanRepository
    recruitment: RecruitmentRepository
    blobs: BlobRepository
    conversations: ConversationRepository
    workspace: WorkspaceRepository
    albums: AlbumRepository
    availability: AvailabilityRepository
    escalations: EscalationRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None:
        """Commit, then run the after_commit callbacks in order."""
    async def rollback(self) -> None: ...
    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run callback once the transaction has committed (never if it rolls back)."""


UnitOfWorkFactory = Callable[[], UnitOfWork]


class Unstorable(ValueError):
    """The database cannot hold these values (a driver or server refused them, not a
    connection problem): retrying the same values would fail the same way."""


class DuplicateError(Exception):
    """A unique key already exists."""


# --- backends: Redis or in-process, behind the same contract ----------------------


class Deduplicator(Protocol):
    async def first_seen(self, key: str, ttl_seconds: float) -> bool:
        """True exactly once per key while its TTL lasts (atomic across processes)."""
    async def forget(self, key: str) -> None:
        """Drop the key, so the next first_seen(key) is True again."""


class RateLimiter(Protocol):
    """Telegram's send limits, shared by all processes: per bot overall and per chat."""

    async def try_acquire(self, bot: str, chat_id: int | None, *, paid: bool = False, lane: int = 0) -> float:
        """0.0 if a message may go now (and the slot is taken in the bot's and the chat's
        buckets together); otherwise the seconds to wait, and nothing is taken. A later
        lane (SendLane) leaves part of the bot's bucket to the lanes before it."""


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    payload: Mapping[str, str]
    deliveries: int  # 1 on first delivery; more after reclaims
    lane: int = 0  # the lane (SendLane) of a SendQueue it came from; 0 for a plain WorkQueue


class WorkQueue(Protocol):
    """Durable at-least-once queue with consumer groups (Redis Streams semantics)."""

    async def publish(self, payload: Mapping[str, str]) -> str: ...
    async def consume(self, consumer: str, count: int, block_ms: int) -> Sequence[Job]:
        """New jobs for this consumer; they stay pending until acked."""
    async def ack(self, job_id: str) -> None: ...
    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> Sequence[Job]:
        """Take over jobs pending longer than min_idle_ms (their consumer died)."""
    async def depth(self) -> int:
        """Jobs published and not yet acknowledged."""


class SendQueue(Protocol):
    """The sender's jobs in lanes (commerce.model.SendLane), a durable queue each: taken
    lane by lane, so jobs of an earlier lane never wait behind a backlog of a later one,
    in this process or any other."""

    async def publish(self, payload: Mapping[str, str], lane: int = 0) -> str: ...
    async def consume(self, consumer: str, count: int, block_ms: int, *,
                      lanes: Sequence[int] | None = None) -> Sequence[Job]:
        """Up to count new jobs of the lanes asked (all by default), earlier lanes first;
        waits up to block_ms only while all of them are empty."""
    async def ack(self, job_id: str, lane: int = 0) -> None: ...
    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> Sequence[Job]:
        """Take over jobs pending longer than min_idle_ms, earlier lanes first."""
    async def depth(self, lane: int | None = None) -> int:
        """Jobs published and not yet acknowledged, in one lane or in all."""


class SendPolicy(Protocol):
    """Asked by the sender before each row's first attempt (commerce.sending): Send,
    Hold(until) or Drop(reason). Reachability today; consent, frequency caps and quiet
    hours next."""

    async def decide(self, message: OutboxMessage, now: datetime) -> Send | Hold | Drop: ...


class Lock(Protocol):
    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        """A token if the lock was free (it expires after the TTL), else None."""
    async def refresh(self, name: str, token: str, ttl_seconds: float) -> bool: ...
    async def release(self, name: str, token: str) -> bool:
        """Release only if still held with this token."""
