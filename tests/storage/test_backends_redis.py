"""What only the Redis backends promise: where keys live, that they expire, and that
the stream holds only unfinished jobs."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from storage.backends import Backends, SendLimits, open_backends
from storage.backends.redis_queue import RedisWorkQueue
from tests.fixtures_backends import delete_namespace

pytestmark = pytest.mark.redis


@pytest.fixture
def namespace() -> str:
    return f"storelink-test-{secrets.token_hex(6)}"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def redis_backends(redis_url: str, namespace: str) -> AsyncIterator[Backends]:
    limits = SendLimits(per_chat_rate=20, per_chat_burst=3)
    async with await open_backends(redis_url, namespace=namespace, limits=limits) as opened:
        yield opened
    await delete_namespace(redis_url, namespace)


async def test_every_key_lives_under_the_namespace(redis_backends: Backends, redis: Redis, namespace: str):
    await redis_backends.dedupe.first_seen("update:1", ttl_seconds=60)
    await redis_backends.lock.acquire("leader", ttl_seconds=60)
    await redis_backends.limiter.reserve("consumer", 42)
    await redis_backends.queue.publish({"n": "1"})

    keys = {key async for key in redis.scan_iter(match=f"{namespace}:*")}

    assert keys == {
        f"{namespace}:dedupe:update:1",
        f"{namespace}:lock:leader",
        f"{namespace}:limit:{{consumer}}",
        f"{namespace}:limit:{{consumer}}:chat:42",
        f"{namespace}:queue:send",  # the sender's lanes: the first keeps the old name
        f"{namespace}:queue:send:notice",
        f"{namespace}:queue:send:bulk",
    }


async def test_dedupe_and_lock_keys_carry_their_ttl(redis_backends: Backends, redis: Redis, namespace: str):
    await redis_backends.dedupe.first_seen("update:1", ttl_seconds=60)
    token = await redis_backends.lock.acquire("leader", ttl_seconds=30)
    await redis_backends.lock.refresh("leader", token, ttl_seconds=45)

    assert 59_000 < await redis.pttl(f"{namespace}:dedupe:update:1") <= 60_000
    assert 44_000 < await redis.pttl(f"{namespace}:lock:leader") <= 45_000


async def test_rate_limit_buckets_expire_once_idle(redis_backends: Backends, redis: Redis, namespace: str):
    await redis_backends.limiter.reserve("consumer", 42)
    chat_key = f"{namespace}:limit:{{consumer}}:chat:42"

    assert 0 < await redis.pttl(chat_key) <= 51  # one message at 20/s drains in 50 ms
    await asyncio.sleep(0.08)
    assert await redis.exists(chat_key, f"{namespace}:limit:{{consumer}}") == 0


async def test_acked_jobs_leave_the_stream(redis_backends: Backends, redis: Redis, namespace: str):
    for n in range(3):
        await redis_backends.queue.publish({"n": str(n)})
    jobs = await redis_backends.queue.consume("a", count=3, block_ms=0)

    for job in jobs:
        await redis_backends.queue.ack(job.id)

    assert await redis.xlen(f"{namespace}:queue:send") == 0
    assert await redis.xpending(f"{namespace}:queue:send", "senders") == {
        "pending": 0, "min": None, "max": None, "consumers": []
    }


async def test_publishing_never_trims_unfinished_jobs(redis_backends: Backends):
    for n in range(1500):
        await redis_backends.queue.publish({"n": str(n)})

    assert await redis_backends.queue.depth() == 1500


async def test_the_queue_recovers_when_its_stream_is_deleted(redis_backends: Backends, redis: Redis, namespace: str):
    await redis.delete(f"{namespace}:queue:send")

    job_id = await redis_backends.queue.publish({"n": "1"})  # XADD recreates the stream, not the group
    jobs = await redis_backends.queue.consume("a", count=1, block_ms=0)

    assert [job.id for job in jobs] == [job_id]
    assert await redis_backends.queue.reclaim("b", min_idle_ms=10_000, count=1) == []


async def test_a_group_created_twice_is_fine_and_sees_earlier_jobs(redis: Redis, namespace: str, redis_url: str):
    stream = f"{namespace}:queue:late"
    job_id = await redis.xadd(stream, {"n": "1"})  # published before the group exists
    try:
        queue = RedisWorkQueue(redis, stream, "workers")
        await queue.ensure_group()
        await queue.ensure_group()

        assert [job.id for job in await queue.consume("a", count=1, block_ms=0)] == [job_id]
    finally:
        await delete_namespace(redis_url, namespace)


async def test_opening_fails_at_once_when_redis_is_unreachable():
    with pytest.raises(RedisConnectionError):
        await open_backends("redis://127.0.0.1:1/0")
