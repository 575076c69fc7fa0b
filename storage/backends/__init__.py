"""Dedupe, rate limiting, work queue and lock: on Redis, or in-process without it.

    backends = await open_backends(settings.redis_url)   # None -> in-process
    ...
    await backends.close()

Both kinds keep the contract of the ports in commerce/ports/backends.py and pass the same
contract tests (tests/storage/test_backends_contract.py). Only Redis is shared
between processes; the in-process kind is for a single `storelink run`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Self

from commerce.ports.backends import Deduplicator, Lock, RateLimiter, SendQueue
from storage.backends.lanes import lane_streams
from storage.backends.limits import SendLimits
from storage.backends.memory import MemoryDeduplicator, MemoryLock, MemoryRateLimiter, memory_lanes

__all__ = ["Backends", "SendLimits", "open_backends"]

DEFAULT_QUEUE = "send"  # the sender's jobs (the first lane; the others add a suffix)
DEFAULT_GROUP = "senders"


async def _nothing_to_close() -> None:
    return None


@dataclass(slots=True)
class Backends:
    dedupe: Deduplicator
    limiter: RateLimiter
    queue: SendQueue  # in lanes (commerce.outbox.SendLane)
    lock: Lock
    kind: Literal["memory", "redis"]
    namespace: str
    _close: Callable[[], Awaitable[None]] = field(default=_nothing_to_close, repr=False)

    async def close(self) -> None:
        await self._close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def open_backends(
    redis_url: str | None,
    *,
    namespace: str = "storelink",
    limits: SendLimits = SendLimits(),
    queue_stream: str = DEFAULT_QUEUE,
    queue_group: str = DEFAULT_GROUP,
) -> Backends:
    """Redis backends when a URL is given (checked with a PING), else in-process ones."""
    if not redis_url:
        dedupe = MemoryDeduplicator()
        return Backends(
            dedupe=dedupe,
            limiter=MemoryRateLimiter(limits, marks=dedupe),
            queue=memory_lanes(queue_stream, queue_group),
            lock=MemoryLock(marks=dedupe),
            kind="memory",
            namespace=namespace,
        )
    return await _open_redis(redis_url, namespace, limits, queue_stream, queue_group)


async def _open_redis(url: str, namespace: str, limits: SendLimits, stream: str, group: str) -> Backends:
    # Imported here so the in-process path works without the redis package loaded.
    from redis.asyncio import Redis

    from storage.backends.redis_backends import Keys, RedisDeduplicator, RedisLock, RedisRateLimiter
    from storage.backends.redis_queue import redis_lanes

    redis = Redis.from_url(url, decode_responses=True)
    try:
        await redis.ping()
        keys = Keys(namespace)
        queue = redis_lanes(redis, [keys.queue(name) for name in lane_streams(stream)], group)
        for lane in queue.queues:
            await lane.ensure_group()  # type: ignore[attr-defined]
    except BaseException:
        await redis.aclose()
        raise
    return Backends(
        dedupe=RedisDeduplicator(redis, keys),
        limiter=RedisRateLimiter(redis, keys, limits),
        queue=queue,
        lock=RedisLock(redis, keys),
        kind="redis",
        namespace=namespace,
        _close=redis.aclose,
    )
