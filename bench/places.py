"""Where a benchmark run keeps its state: a PostgreSQL schema and a Redis key namespace of
its own, both removed at the end, so a run never sees what an earlier run left behind (the
inbox would take a new sandbox's update ids for duplicates of the old ones)."""

from __future__ import annotations

import secrets
from typing import Self

import sqlalchemy as sa


class Schema:
    """A schema of the run's own on the PostgreSQL server, dropped afterwards.

        async with Schema(server_url) as schema: ... schema.url ...
    """

    def __init__(self, server_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.server_url, self.name = server_url, f"bench_{secrets.token_hex(4)}"
        self.url = make_url(server_url).update_query_dict({"schema": self.name}).render_as_string(hide_password=False)

    async def run(self, ddl: str) -> None:
        from storage.engine import make_engine

        engine = make_engine(self.server_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(sa.text(ddl))
        finally:
            await engine.dispose()

    async def __aenter__(self) -> Self:
        await self.run(f'CREATE SCHEMA "{self.name}"')
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.run(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


def new_namespace() -> str:
    return f"bench{secrets.token_hex(4)}"


async def delete_namespace(redis_url: str, namespace: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(f"{namespace}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
