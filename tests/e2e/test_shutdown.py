"""Stopping a process while an update is mid-transaction: the stop is bounded, names what
it had to cancel, leaves nothing of the process running, and the database is usable at
once (no write lock left behind on SQLite, no half-written transaction). Both stacks."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.interface.context import StorelinkContext
from commerce.bots import BotKind
from commerce.people import AuditEntry
from storage.uow import Database

GRACE = 0.5  # seconds the long update gets before it is cancelled
OURS = ("sqlalchemy", "aiosqlite", "asyncpg", *(f"{Path(__file__).parents[2] / part}" for part in ("bot", "handlers", "commerce", "storage")))


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"stop_grace": GRACE}


def long_command(started: asyncio.Event) -> CommandHandler:
    """An update whose handler writes statement after statement in one transaction and never
    finishes, as a command carrying hundreds of words once did."""

    async def handle(update: Update, ctx: StorelinkContext) -> None:
        services = ctx.services
        async with services.transaction(BotKind.ASSOCIATE, update) as tx:
            for n in range(1_000_000):
                await tx.uow.audit.record(AuditEntry(at=services.clock.now(), actor="test", action="shutdown.long",
                                                     subject=f"step:{n}", details={}))
                if n == 20:
                    started.set()

    return CommandHandler("long", handle)


def left_running() -> list[str]:
    """Tasks of storelink or its database drivers still pending: they would keep the event
    loop from closing (the sandbox's own server tasks are not ours)."""
    this = asyncio.current_task()
    names = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        where = code.co_filename if code else ""
        if task is not this and "sandbox" not in where and any(part in where for part in OURS):
            names.append(f"{task.get_name()} {task.get_coro()!r}")
    return names


async def test_stopping_mid_transaction_cancels_the_update_and_leaves_the_database_usable(stack, caplog):
    started = asyncio.Event()
    stack.runtime.applications[BotKind.ASSOCIATE].add_handler(long_command(started), group=-1)
    sam = await stack.person("Sam")
    await stack.people.send_text(sam, stack.associate_bot, "/long")
    await asyncio.wait_for(started.wait(), 20)

    loop = asyncio.get_running_loop()
    began = loop.time()
    with caplog.at_level(logging.INFO, logger="storelink.runtime"):
        await asyncio.wait_for(stack.runtime.stop(), GRACE + 15)
    took = loop.time() - began

    assert took < GRACE + 6, "the grace, then a bounded wait for the cancelled update"
    assert "cancelled 1 unfinished tasks" in caplog.text and "an update being handled" in caplog.text
    assert left_running() == []
    database = await Database.open(stack.settings_overrides["database_url"], migrate=False)
    try:
        async with database.uow() as uow:  # on SQLite this needs the write lock the update held
            await uow.audit.record(AuditEntry(at=stack.runtime.options.clock.now(), actor="test", action="shutdown.after",
                                              subject="db", details={}))
            await uow.commit()
        async with database.uow() as uow:
            actions = [entry.action for entry in await uow.audit.recent(100)]
    finally:
        await database.dispose()
    assert "shutdown.after" in actions and "shutdown.long" not in actions, "the cancelled transaction left nothing"
    await stack.runtime.stop()  # a second stop (the fixture's) returns at once
