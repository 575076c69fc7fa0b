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

from commerce.bots import BotKind
from commerce.outbox import OutboxPurpose
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

    assert head_revision() == "0014"
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


async def test_a_database_at_0001_keeps_its_rows_when_upgraded(empty_database_url: str) -> None:
    await upgrade(empty_database_url, revision="0001")
    engine = make_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            # 0001's columns only; the member makes `associate` a referenced table.
            for statement in (
                "INSERT INTO brand (id, name, colour, default_locale, timezone) VALUES (1, 'Maison', '#000', 'en', 'UTC')",
                "INSERT INTO store (id, brand_id, code, name, address, timezone, hours)"
                " VALUES (1, 1, 'PAR01', 'Opera', '', 'UTC', '')",
                "INSERT INTO associate (id, store_id, display_name, short_code, status, locale)"
                " VALUES (1, 1, 'Claire', 'CLAIRE1', 'active', 'en')",
                "INSERT INTO member (id, brand_id, telegram_user_id, first_name, source_associate_id, consent_chat,"
                " consent_marketing, reachable, enrolled_at) VALUES (1, 1, 7000000001, 'Ana', 1, true, false, true,"
                " '2025-01-06 09:00:00')",
            ):
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()

    await upgrade(empty_database_url)

    assert await current_revision(empty_database_url) == head_revision()
    async with await Database.open(empty_database_url, migrate=False) as database:
        async with database.uow() as uow:
            associate = await uow.associates.get(1)
            brand = await uow.brands.get(1)
            member = await uow.members.get(1)
    assert (associate.display_name, associate.is_manager) == ("Claire", False)
    assert (brand.welcome_text, brand.leaderboard_time) == (None, "21:00")
    assert member.source_associate_id == 1


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


async def test_outbox_rows_from_before_purposes_become_replies(empty_database_url: str) -> None:
    await upgrade(empty_database_url, revision="0009")
    engine = make_engine(empty_database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "INSERT INTO outbox (id, bot, chat_id, method, params, status, attempts, created_at)"
                " VALUES (41, 'consumer', 7000000001, 'sendMessage', '{\"text\": \"hi\"}', 'pending', 0,"
                " '2025-01-06 09:00:00')"))
    finally:
        await engine.dispose()

    await upgrade(empty_database_url)

    async with await Database.open(empty_database_url, migrate=False) as database:
        async with database.uow() as uow:
            row = await uow.outbox.get(41)
            [pending] = await uow.outbox.pending_for_chat(BotKind.CONSUMER, 7000000001, 10)
    assert (row.purpose, row.campaign_id, row.not_before) == (OutboxPurpose.REPLY, None, None)
    assert pending.id == 41
