"""Migrations build exactly the schema the tables declare, from any directory, once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.engine import make_engine
from storage.migrate import context_options, current_revision, head_revision, upgrade
from storage.uow import Database


async def schema_diff(database_url: str) -> list[object]:
    """What alembic's autogenerate would still want to change (empty = in sync)."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts=context_options(sync)),
                context_options(sync)["target_metadata"],
            ))
    finally:
        await engine.dispose()


async def test_an_empty_database_is_brought_to_the_newest_revision(empty_database_url: str) -> None:
    assert await current_revision(empty_database_url) is None

    await upgrade(empty_database_url)

    assert head_revision() == "0001"
    assert await current_revision(empty_database_url) == head_revision()


async def test_the_migrated_schema_is_exactly_what_the_tables_declare(database_url: str) -> None:
    assert await schema_diff(database_url) == []


async def test_the_schema_comparison_notices_a_missing_index(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DROP INDEX ix_outbox_status_bot_chat_id_id"))
    finally:
        await engine.dispose()

    diff = await schema_diff(database_url)

    assert [(op[0], op[1].name) for op in diff] == [("add_index", "ix_outbox_status_bot_chat_id_id")]


async def test_upgrading_an_up_to_date_database_changes_nothing(database_url: str) -> None:
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()
    assert await schema_diff(database_url) == []


async def test_processes_starting_together_migrate_once(empty_database_url: str) -> None:
    await asyncio.gather(*(upgrade(empty_database_url) for _ in range(3)))
    assert await current_revision(empty_database_url) == head_revision()


async def test_opening_a_database_migrates_it_by_default(empty_database_url: str) -> None:
    async with await Database.open(empty_database_url) as database:
        async with database.uow() as uow:
            assert await uow.brands.first() is None
    assert await current_revision(empty_database_url) == head_revision()


def test_the_migration_command_works_from_any_directory(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {**os.environ, "PYTHONPATH": ""}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "storage.migrate", "--url", url, *args],
                              cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    run("upgrade")
    assert run("current") == head_revision()
    assert list(elsewhere.iterdir()) == []
