"""The caller owns the transaction: nothing sticks without commit, side effects run after it."""

from __future__ import annotations

import pytest

from commerce.model import Brand
from commerce.ports import DuplicateError, UnitOfWork, UnitOfWorkFactory
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
