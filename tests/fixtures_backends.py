"""Backend fixtures: every backends test runs on the in-process kind and on Redis.

Each test gets its own random namespace; on Redis only keys under that prefix are
deleted afterwards (never FLUSHDB: the database may be shared).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from storage.backends import Backends, SendLimits, open_backends

Connect = Callable[..., Awaitable[Backends]]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backends_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def backends_url(backends_kind: str) -> str | None:
    if backends_kind == "memory":
        return None
    from tests.conftest import require

    return require("redis")


@pytest.fixture
def backends_namespace() -> str:
    return f"storelink-test-{secrets.token_hex(6)}"


@pytest.fixture
async def connect_backends(backends_url: str | None, backends_namespace: str) -> AsyncIterator[Connect]:
    """Open backends the way a process does at start-up, on this test's namespace.

    On Redis each call is a new connection, as another process would have, sharing
    state with the others. The in-process kind lives in one process, so calls with
    the same limits get the same instance."""
    opened: list[Backends] = []
    in_process: dict[SendLimits, Backends] = {}

    async def connect(limits: SendLimits = SendLimits()) -> Backends:
        if backends_url is None and limits in in_process:
            return in_process[limits]
        backends = await open_backends(backends_url, namespace=backends_namespace, limits=limits)
        opened.append(backends)
        if backends_url is None:
            in_process[limits] = backends
        return backends

    yield connect
    for backends in opened:
        await backends.close()
    if backends_url is not None:
        await delete_namespace(backends_url, backends_namespace)


@pytest.fixture
async def backends(connect_backends: Connect) -> Backends:
    return await connect_backends()


@pytest.fixture
async def other_process(connect_backends: Connect) -> Backends:
    """The same backends as a second process sees them (the same instance in-process)."""
    return await connect_backends()


async def delete_namespace(redis_url: str, namespace: str) -> int:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url, decode_responses=True)
    deleted = 0
    try:
        batch = []
        async for key in redis.scan_iter(match=f"{namespace}:*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                deleted += await redis.delete(*batch)
                batch.clear()
        if batch:
            deleted += await redis.delete(*batch)
    finally:
        await redis.aclose()
    return deleted
