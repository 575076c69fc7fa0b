"""Updates are recorded once and their effects committed once, even when workers race."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from commerce.bots import BotKind
from commerce.inbox import InboundUpdate, InboxStatus
from storage.uow import Database
from tests.fixtures_db import T0


def an_update(update_id: int = 1001, bot: BotKind = BotKind.CONSUMER, received_at=T0) -> InboundUpdate:  # noqa: ANN001
    payload = {"update_id": update_id, "message": {"text": "Bonjour 👋", "chat": {"id": 7_000_000_001}}}
    return InboundUpdate(bot=bot, update_id=update_id, payload=payload, received_at=received_at)


async def record(database: Database, update: InboundUpdate) -> bool:
    async with database.uow() as uow:
        inserted = await uow.inbox.record(update)
        await uow.commit()
    return inserted


async def test_an_update_is_recorded_once_and_the_replay_is_refused(database: Database) -> None:
    assert await record(database, an_update()) is True
    assert await record(database, an_update()) is False

    async with database.uow() as uow:
        stored = await uow.inbox.get(BotKind.CONSUMER, 1001)
    assert stored == an_update()
    assert stored.status is InboxStatus.RECEIVED


async def test_the_same_update_id_from_the_other_bot_is_another_update(database: Database) -> None:
    assert await record(database, an_update(bot=BotKind.CONSUMER)) is True
    assert await record(database, an_update(bot=BotKind.ASSOCIATE)) is True


async def test_two_processes_recording_the_same_update_insert_it_once(database_url: str) -> None:
    first, second = await Database.open(database_url, migrate=False), await Database.open(database_url, migrate=False)
    try:
        results = await asyncio.gather(record(first, an_update()), record(second, an_update()))
    finally:
        await first.dispose()
        await second.dispose()
    assert sorted(results) == [False, True]


async def test_claiming_a_done_update_again_is_refused(database: Database) -> None:
    await record(database, an_update())
    async with database.uow() as uow:
        assert await uow.inbox.claim_done(BotKind.CONSUMER, 1001, T0 + timedelta(seconds=1)) is True
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.inbox.claim_done(BotKind.CONSUMER, 1001, T0 + timedelta(seconds=2)) is False
        stored = await uow.inbox.get(BotKind.CONSUMER, 1001)
    assert (stored.status, stored.processed_at) == (InboxStatus.DONE, T0 + timedelta(seconds=1))


async def test_claiming_an_update_that_was_never_recorded_is_an_error(database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(LookupError):
            await uow.inbox.claim_done(BotKind.CONSUMER, 404, T0)


async def test_of_two_workers_claiming_the_same_update_exactly_one_wins(database_url: str) -> None:
    # Two engines, as two processes would have: the claims race on two connections.
    first, second = await Database.open(database_url, migrate=False), await Database.open(database_url, migrate=False)
    await record(first, an_update())
    first_claimed = asyncio.Event()

    async def claim(database: Database, *, go_first: bool) -> bool:
        if not go_first:
            await first_claimed.wait()
        async with database.uow() as uow:
            won = await uow.inbox.claim_done(BotKind.CONSUMER, 1001, T0)
            if go_first:
                first_claimed.set()
                await asyncio.sleep(0.2)  # hold the transaction open while the other claims
            await uow.commit()
        return won

    try:
        results = await asyncio.gather(claim(first, go_first=True), claim(second, go_first=False))
    finally:
        await first.dispose()
        await second.dispose()
    assert results == [True, False]


async def test_a_claim_that_rolls_back_leaves_the_update_to_the_next_worker(database_url: str) -> None:
    first, second = await Database.open(database_url, migrate=False), await Database.open(database_url, migrate=False)
    await record(first, an_update())
    first_claimed = asyncio.Event()

    async def crashing_claim() -> bool:
        async with first.uow() as uow:
            won = await uow.inbox.claim_done(BotKind.CONSUMER, 1001, T0)
            first_claimed.set()
            await asyncio.sleep(0.2)
        return won  # left without commit: rolled back

    async def second_claim() -> bool:
        await first_claimed.wait()
        async with second.uow() as uow:
            won = await uow.inbox.claim_done(BotKind.CONSUMER, 1001, T0)
            await uow.commit()
        return won

    try:
        results = await asyncio.gather(crashing_claim(), second_claim())
    finally:
        await first.dispose()
        await second.dispose()
    assert results == [True, True]


async def test_a_failed_update_keeps_its_error_but_a_done_one_is_never_marked_failed(database: Database) -> None:
    await record(database, an_update(1))
    await record(database, an_update(2))
    async with database.uow() as uow:
        await uow.inbox.claim_done(BotKind.CONSUMER, 2, T0)
        await uow.inbox.mark_failed(BotKind.CONSUMER, 1, T0, "KeyError: 'chat'")
        await uow.inbox.mark_failed(BotKind.CONSUMER, 2, T0, "late failure")
        await uow.commit()

    async with database.uow() as uow:
        failed = await uow.inbox.get(BotKind.CONSUMER, 1)
        done = await uow.inbox.get(BotKind.CONSUMER, 2)
    assert (failed.status, failed.error) == (InboxStatus.FAILED, "KeyError: 'chat'")
    assert (done.status, done.error) == (InboxStatus.DONE, None)


async def test_unprocessed_lists_old_received_updates_oldest_first(database: Database) -> None:
    for update_id, minutes in [(3, 2), (1, 0), (2, 1), (4, 10)]:
        await record(database, an_update(update_id, received_at=T0 + timedelta(minutes=minutes)))
    async with database.uow() as uow:
        await uow.inbox.claim_done(BotKind.CONSUMER, 2, T0)
        await uow.commit()

    async with database.uow() as uow:
        left_behind = await uow.inbox.unprocessed(older_than=T0 + timedelta(minutes=5), limit=10)
        first_only = await uow.inbox.unprocessed(older_than=T0 + timedelta(minutes=5), limit=1)
    assert [update.update_id for update in left_behind] == [1, 3]
    assert [update.update_id for update in first_only] == [1]
