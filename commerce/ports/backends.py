"""Shared backends (Redis, or in-process for one process): de-duplication, rate limits, the send queue and its lanes, locks, and the send-time policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from commerce.outbox import OutboxMessage

if TYPE_CHECKING:  # commerce.sending uses these ports at run time
    from commerce.sending import Drop, Hold, Send


class Deduplicator(Protocol):
    async def first_seen(self, key: str, ttl_seconds: float) -> bool:
        """True exactly once per key while its TTL lasts (atomic across processes)."""
    async def forget(self, key: str) -> None:
        """Drop the key, so the next first_seen(key) is True again."""


class Refusal(StrEnum):
    """Why the rate limiter took no slot for a message."""

    LANE = "lane"  # the lane may not reserve that far ahead: the bot's bucket is full for it
    CHAT = "chat"  # the chat's own pace (or a group's) holds it back longer than the bot's does


@dataclass(frozen=True, slots=True)
class Slot:
    """The rate limiter's answer for one message."""

    wait: float  # seconds from now until the message may go
    refused: Refusal | None = None  # None: the slot is reserved (see RateLimiter.reserve)

    @property
    def reserved(self) -> bool:
        return self.refused is None


class RateLimiter(Protocol):
    """Telegram's send limits, shared by all processes: per bot overall and per chat."""

    async def reserve(self, bot: str, chat_id: int | None, *, paid: bool = False, lane: int = 0) -> Slot:
        """A reserved slot: taken in the bot's and the chat's buckets together, the caller
        sends after slot.wait seconds (0 = now) without asking again; a reservation left
        unused is a slot lost, nothing worse. Or a refusal, with nothing taken: the caller
        asks again later (storage/backends/limits.py says when each happens). A later lane
        (SendLane) leaves part of the bot's bucket to the lanes before it."""


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
    """The sender's jobs in lanes (commerce.outbox.SendLane), a durable queue each: taken
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
