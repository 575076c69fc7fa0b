"""Alembic environment for storelink (configured from code by storage.migrate).

storage.migrate hands over an open connection in config.attributes["connection"]; the
`python -m storage.migrate` command line does the same. A URL alone (sqlalchemy.url) is
enough for offline SQL generation.
"""

from __future__ import annotations

import asyncio

from alembic import context

from storage.engine import make_engine
from storage.migrate import context_options, target_metadata

config = context.config


def run_on(connection) -> None:  # noqa: ANN001  (a sync sqlalchemy Connection)
    context.configure(connection=connection, **context_options(connection))
    with context.begin_transaction():
        context.run_migrations()


async def run_with_url(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run_on)
    finally:
        await engine.dispose()


def run_offline(url: str) -> None:
    context.configure(url=url, target_metadata=target_metadata(), literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
url = config.get_main_option("sqlalchemy.url")
if connection is not None:
    run_on(connection)
elif context.is_offline_mode():
    run_offline(url or "")
elif url:
    asyncio.run(run_with_url(url))
else:
    raise RuntimeError("storage.migrate passes a connection or sqlalchemy.url to the migrations")
