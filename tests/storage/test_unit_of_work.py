"""The caller owns the transaction: nothing sticks without commit, side effects run after it."""

from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa

from commerce.people import Brand
from commerce.ports.uow import DuplicateError, UnitOfWork, UnitOfWorkFactory
from storage.uow import Database, SqlUnitOfWork
from tests.fixtures_db import Shop, a_member


async def test_work_left_without_commit_is_rolled_back_and_its_callbacks_never_run(database: Database) -> None:
    ran: list[str] = []

    async def announce() -> None:
        ran.append("announced")

    async with database.uow() as uow:
        await uow.brands.add(Brand(name="Ghost"))
        uow.after_commit(announce)

    async with database.uow() as uow:
        assert await uow.brands.first() is None
    assert ran == []


async def test_an_error_inside_the_block_rolls_back(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.uow() as uow:
            await uow.brands.add(Brand(name="Ghost"))
            raise RuntimeError("handler crashed")

    async with database.uow() as uow:
        assert await uow.brands.first() is None


async def test_after_commit_callbacks_run_in_order_once_the_data_is_committed(database: Database) -> None:
    seen: list[tuple[str, str | None]] = []

    def looking_from_another_transaction(label: str):  # noqa: ANN202
        async def callback() -> None:
            async with database.uow() as other:
                brand = await other.brands.first()
            seen.append((label, brand.name if brand else None))
        return callback

    async with database.uow() as uow:
        await uow.brands.add(Brand(name="Maison"))
        uow.after_commit(looking_from_another_transaction("first"))
        uow.after_commit(looking_from_another_transaction("second"))
        assert seen == []
        await uow.commit()

    assert seen == [("first", "Maison"), ("second", "Maison")]


async def test_an_explicit_rollback_drops_work_and_callbacks(database: Database) -> None:
    ran: list[str] = []

    async def announce() -> None:
        ran.append("announced")

    async with database.uow() as uow:
        await uow.brands.add(Brand(name="Ghost"))
        uow.after_commit(announce)
        await uow.rollback()
        await uow.brands.add(Brand(name="Kept"))
        await uow.commit()

    async with database.uow() as uow:
        assert (await uow.brands.first()).name == "Kept"
    assert ran == []


async def test_a_failing_callback_does_not_stop_the_others_and_its_error_surfaces(database: Database) -> None:
    ran: list[str] = []

    async def broken() -> None:
        raise ValueError("sender unavailable")

    async def announce() -> None:
        ran.append("announced")

    async with database.uow() as uow:
        await uow.brands.add(Brand(name="Maison"))
        uow.after_commit(broken)
        uow.after_commit(announce)
        with pytest.raises(ValueError, match="sender unavailable"):
            await uow.commit()

    assert ran == ["announced"]
    async with database.uow() as uow:
        assert (await uow.brands.first()).name == "Maison"


async def test_after_a_duplicate_the_transaction_can_go_on_and_commit(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        winner = await uow.members.add(a_member(shop))
        await uow.commit()

    async with database.uow() as uow:
        await uow.brands.add(Brand(name="Second brand"))
        with pytest.raises(DuplicateError):
            await uow.members.add(a_member(shop))
        found = await uow.members.by_telegram_user(shop.brand.id, winner.telegram_user_id)
        await uow.commit()

    assert found == winner
    async with database.uow() as uow:
        assert await uow.brands.get(shop.brand.id + 1) is not None


async def test_the_database_is_a_unit_of_work_factory(database: Database) -> None:
    factory: UnitOfWorkFactory = database.uow
    uow: UnitOfWork = factory()
    assert isinstance(uow, SqlUnitOfWork)
    async with uow:
        assert await uow.brands.first() is None


async def test_a_unit_of_work_cancelled_mid_statement_leaves_no_lock_behind(shop: Shop, database: Database) -> None:
    """A task cancelled while its statement runs (a shutdown, a timeout, a dead worker)
    must not leave its transaction holding the database: the next writer commits."""
    slow = sa.text(
        "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 400000) SELECT count(*) FROM r"
        if database.dialect == "sqlite" else "SELECT pg_sleep(0.3)"
    )
    started = asyncio.Event()

    async def victim() -> None:
        async with database.uow() as uow:
            await uow.members.add(a_member(shop, telegram_user_id=7_000_000_101))  # takes the write lock
            started.set()
            await uow.session.execute(slow)
            await uow.commit()

    task = asyncio.create_task(victim())
    await started.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    began = time.monotonic()
    async with database.uow() as uow:
        await uow.members.add(a_member(shop, telegram_user_id=7_000_000_102))
        await uow.commit()
    assert time.monotonic() - began < 3.0  # not a busy timeout's worth of waiting
    async with database.uow() as uow:
        assert await uow.members.by_telegram_user(shop.brand.id, 7_000_000_101) is None  # cancelled work never committed
        assert await uow.members.by_telegram_user(shop.brand.id, 7_000_000_102) is not None
