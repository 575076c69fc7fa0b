"""The brand a process keeps between reads (bot.interface.context.BrandCopy): read once per
brand_refresh_seconds, at once again after this process changes it, never shared as one
object that a caller could change for everyone."""

from __future__ import annotations

import dataclasses

from bot.interface.context import BrandCopy
from storage.uow import Database
from tests.fixtures_db import Shop


class Ticks:
    def __init__(self) -> None:
        self.at = 100.0

    def __call__(self) -> float:
        return self.at


async def _rename_elsewhere(database: Database, shop: Shop, name: str) -> None:
    """What `storelink brand load` in another process does: a plain UPDATE, not through this
    process's repository (so nothing here hears of it)."""
    from storage.tables.brand import BrandRow

    async with database.uow() as uow:
        await uow.session.execute(BrandRow.__table__.update().where(BrandRow.__table__.c.id == shop.brand.id).values(name=name))
        await uow.commit()


async def test_the_brand_is_read_again_only_once_its_copy_expires(database: Database, shop: Shop) -> None:
    ticks = Ticks()
    copy = BrandCopy(2.0, now=ticks)
    async with database.uow() as uow:
        assert (await copy.get(uow, shop.brand)).name == "Maison Test"

    await _rename_elsewhere(database, shop, "Maison Neuve")
    ticks.at += 1.9
    async with database.uow() as uow:
        assert (await copy.get(uow, shop.brand)).name == "Maison Test"  # within the 2 s
    ticks.at += 0.2
    async with database.uow() as uow:
        assert (await copy.get(uow, shop.brand)).name == "Maison Neuve"


async def test_a_change_this_process_commits_is_seen_at_once(database: Database, shop: Shop) -> None:
    ticks = Ticks()
    copy = BrandCopy(3600.0, now=ticks)
    async with database.uow() as uow:
        brand = await copy.get(uow, shop.brand)
    async with database.uow() as uow:
        await uow.brands.update(dataclasses.replace(brand, welcome_text="Bonjour {member}"))
        async with database.uow() as other:  # before the commit: still the old brand
            assert (await copy.get(other, shop.brand)).welcome_text is None
        await uow.commit()
    async with database.uow() as uow:
        assert (await copy.get(uow, shop.brand)).welcome_text == "Bonjour {member}"


async def test_a_change_rolled_back_leaves_the_copy_alone_and_each_caller_gets_its_own_brand(database: Database, shop: Shop) -> None:
    copy = BrandCopy(3600.0, now=Ticks())
    async with database.uow() as uow:
        first = await copy.get(uow, shop.brand)
    async with database.uow() as uow:
        await uow.brands.update(dataclasses.replace(first, name="Never"))
        await uow.rollback()
    first.name = "changed by one caller"
    async with database.uow() as uow:
        assert (await copy.get(uow, shop.brand)).name == "Maison Test"


async def test_a_copy_of_no_seconds_reads_the_brand_every_time(database: Database, shop: Shop) -> None:
    copy = BrandCopy(0.0, now=Ticks())
    async with database.uow() as uow:
        await copy.get(uow, shop.brand)
    await _rename_elsewhere(database, shop, "Maison Neuve")
    async with database.uow() as uow:
        assert (await copy.get(uow, shop.brand)).name == "Maison Neuve"
