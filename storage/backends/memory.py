"""In-process backends: the embedded default when no Redis URL is configured.

They keep the Redis backends' contract for a single process: every method runs
without an await between its check and its write, so on one event loop each call is
atomic. State dies with the process, which is why production runs with Redis.
Clocks are injectable (monotonic seconds) so tests can step time.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from commerce.ports.backends import Job, Slot
from storage.backends.lanes import LaneQueue, lane_streams
from storage.backends.limits import MICROS, SendLimits, is_group, reserve

Clock = Callable[[], float]
_SWEEP_EVERY = 1024  # writes between sweeps of expired entries


def _check_ttl(ttl_seconds: float) -> None:
    if not ttl_seconds > 0:
        raise ValueError("ttl_seconds must be positive")


class MemoryDeduplicator:
    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._expires: dict[str, float] = {}
        self._writes = 0

    async def first_seen(self, key: str, ttl_seconds: float) -> bool:
        _check_ttl(ttl_seconds)
        now = self._clock()
        expires = self._expires.get(key)
        if expires is not None and expires > now:
            return False
        self._expires[key] = now + ttl_seconds
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self._expires = {k: at for k, at in self._expires.items() if at > now}
        return True

    async def forget(self, key: str) -> None:
        self._expires.pop(key, None)


class MemoryRateLimiter:
    def __init__(self, limits: SendLimits = SendLimits(), *, clock: Clock = time.monotonic,
                 marks: MemoryDeduplicator | None = None) -> None:
        self._limits = limits
        self._clock = clock
        self._marks = marks  # where reserve_and_mark sets its mark (the backends' dedupe)
        # (bot, "bot", None) is the bot-wide bucket, (bot, "chat", chat_id) a chat's bucket,
        # (bot, "group", chat_id) a group's second one.
        self._tats: dict[tuple[str, str, int | None], int] = {}
        self._writes = 0

    async def reserve_and_mark(self, bot: str, chat_id: int | None, *, paid: bool = False, lane: int = 0,
                               mark: str | None = None, mark_ttl: float = 0.0) -> tuple[Slot, bool | None]:
        """As the Redis limiter's: reserve(), then first_seen(mark) if the slot is reserved."""
        slot = await self.reserve(bot, chat_id, paid=paid, lane=lane)
        if mark is None or not slot.reserved:
            return slot, None
        if self._marks is None:
            raise RuntimeError("this limiter was built without the dedupe store for marks")
        return slot, await self._marks.first_seen(mark, mark_ttl)

    async def reserve(self, bot: str, chat_id: int | None, *, paid: bool = False, lane: int = 0) -> Slot:
        now = round(self._clock() * MICROS)
        keys: list[tuple[str, str, int | None]] = [(bot, "bot", None)]
        rules = [self._limits.bot_rule(paid=paid, lane=lane)]
        if chat_id is not None:
            keys.append((bot, "chat", chat_id))
            rules.append(self._limits.chat_rule())
        if is_group(chat_id):
            keys.append((bot, "group", chat_id))
            rules.append(self._limits.group_rule())
        tats, wait, refused = reserve([self._tats.get(key) for key in keys], now, rules, self._limits.horizon_us(lane))
        if tats is None:
            return Slot(wait / MICROS, refused)
        self._tats.update(zip(keys, tats, strict=True))
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            # A bucket whose TAT has passed is as good as a fresh one.
            self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        return Slot(wait / MICROS)


@dataclass(slots=True)
class _Delivery:
    consumer: str
    at: float  # clock() when last delivered
    count: int


class Arrivals:
    """Wakes consumers blocked on one or more in-memory queues when any gets a job."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        # Wake every blocked consumer; the next waiters get a fresh event.
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float, ready: Callable[[], bool]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        # Another consumer may take the job that woke us: wait again until the deadline.
        while not ready():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                async with asyncio.timeout(remaining):
                    await self._event.wait()
            except TimeoutError:
                return


class MemoryWorkQueue:
    """A stream with one consumer group, kept in memory (Redis Streams semantics)."""

    def __init__(self, stream: str = "jobs", group: str = "workers", *, clock: Clock = time.monotonic,
                 arrivals: Arrivals | None = None) -> None:
        self.stream = stream
        self.group = group
        self._clock = clock
        self._ids = itertools.count(1)
        self._entries: dict[str, dict[str, str]] = {}  # published, not acked; publish order
        self._undelivered: deque[str] = deque()
        self._pending: dict[str, _Delivery] = {}  # first-delivery order == publish order
        self._arrivals = arrivals or Arrivals()

    @property
    def waiting(self) -> bool:
        """Some job was published and never delivered."""
        return bool(self._undelivered)

    async def publish(self, payload: Mapping[str, str]) -> str:
        if not payload:
            raise ValueError("a job needs at least one field")
        job_id = f"{next(self._ids)}-0"
        self._entries[job_id] = dict(payload)
        self._undelivered.append(job_id)
        self._arrivals.ring()
        return job_id

    async def consume(self, consumer: str, count: int, block_ms: int) -> Sequence[Job]:
        """block_ms <= 0 returns at once; otherwise waits up to block_ms for a first job."""
        _check_count(count)
        if not self._undelivered and block_ms > 0:
            await self._arrivals.wait(block_ms / 1000, lambda: self.waiting)
        jobs = []
        now = self._clock()
        while self._undelivered and len(jobs) < count:
            job_id = self._undelivered.popleft()
            self._pending[job_id] = _Delivery(consumer, now, 1)
            jobs.append(Job(job_id, dict(self._entries[job_id]), 1))
        return jobs

    async def ack(self, job_id: str) -> None:
        self._pending.pop(job_id, None)
        if self._entries.pop(job_id, None) is not None and job_id in self._undelivered:
            self._undelivered.remove(job_id)

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> Sequence[Job]:
        _check_count(count)
        now = self._clock()
        jobs = []
        for job_id, delivery in self._pending.items():
            if len(jobs) >= count:
                break
            if (now - delivery.at) * 1000 >= min_idle_ms:
                delivery.consumer, delivery.at, delivery.count = consumer, now, delivery.count + 1
                jobs.append(Job(job_id, dict(self._entries[job_id]), delivery.count))
        return jobs

    async def depth(self) -> int:
        return len(self._entries)


def memory_lanes(stream: str, group: str, *, clock: Clock = time.monotonic) -> LaneQueue:
    """The sender's lanes in memory: one queue per lane, one wake-up for them all."""
    arrivals = Arrivals()
    queues = [MemoryWorkQueue(name, group, clock=clock, arrivals=arrivals) for name in lane_streams(stream)]

    async def wait_any(lanes: Sequence[int], consumer: str, count: int, block_ms: int) -> Sequence[Job]:
        await arrivals.wait(block_ms / 1000, lambda: any(queues[lane].waiting for lane in lanes))
        return await lane_queue.consume(consumer, count, 0, lanes=lanes)

    lane_queue = LaneQueue(queues, wait_any)
    return lane_queue


def _check_count(count: int) -> None:
    if count < 1:
        raise ValueError("count must be at least 1")


class MemoryLock:
    def __init__(self, *, clock: Clock = time.monotonic, marks: MemoryDeduplicator | None = None) -> None:
        self._clock = clock
        self._marks = marks  # what release_and_forget forgets in (the backends' dedupe)
        self._held: dict[str, tuple[str, float]] = {}  # name -> (token, expires at)

    def _holder(self, name: str) -> str | None:
        held = self._held.get(name)
        if held is None:
            return None
        token, expires = held
        if expires <= self._clock():
            del self._held[name]
            return None
        return token

    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        _check_ttl(ttl_seconds)
        if self._holder(name) is not None:
            return None
        token = secrets.token_hex(16)
        self._held[name] = (token, self._clock() + ttl_seconds)
        return token

    async def refresh(self, name: str, token: str, ttl_seconds: float) -> bool:
        _check_ttl(ttl_seconds)
        if self._holder(name) != token:
            return False
        self._held[name] = (token, self._clock() + ttl_seconds)
        return True

    async def release(self, name: str, token: str) -> bool:
        if self._holder(name) != token:
            return False
        del self._held[name]
        return True

    async def release_and_forget(self, name: str, token: str, marks: Sequence[str]) -> bool:
        """As the Redis lock's: release(), and the dedupe keys forgotten."""
        if self._marks is None:
            raise RuntimeError("this lock was built without the dedupe store for marks")
        for mark in marks:
            await self._marks.forget(mark)
        return await self.release(name, token)
