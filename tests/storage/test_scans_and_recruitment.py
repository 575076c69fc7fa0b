"""Every scan is kept; recruitment counts each brand's new members per associate over a
half-open period [start, end); a brand's leaderboard day is claimed once, by the
transaction that commits it."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta, timezone

import pytest
import sqlalchemy as sa

from commerce.people import Associate, Brand, Store
from commerce.rewards import Scan, ScanOutcome
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member

ANA, BEN = 7_000_000_001, 7_000_000_002
PARIS = timezone(timedelta(hours=1))
START, END = T0, T0 + timedelta(days=1)


async def test_a_users_scans_come_oldest_first_with_their_outcome(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop, ANA))
        rescan = await uow.scans.add(Scan(telegram_user_id=ANA, at=T0 + timedelta(minutes=5),
                                          outcome=ScanOutcome.RESCANNED, associate_id=shop.associate.id,
                                          member_id=member.id))
        enrolled = await uow.scans.add(Scan(telegram_user_id=ANA, at=T0, outcome=ScanOutcome.ENROLLED,
                                            associate_id=shop.associate.id, member_id=member.id))
        tampered = await uow.scans.add(Scan(telegram_user_id=ANA, at=T0 + timedelta(minutes=9),
                                            outcome=ScanOutcome.INVALID))
        await uow.scans.add(Scan(telegram_user_id=BEN, at=T0, outcome=ScanOutcome.INVALID))
        await uow.commit()

    async with database.uow() as uow:
        scans = await uow.scans.of_user(ANA)
        assert await uow.scans.of_user(404) == []
    assert scans == [enrolled, rescan, tampered]
    assert [scan.outcome for scan in scans] == [ScanOutcome.ENROLLED, ScanOutcome.RESCANNED, ScanOutcome.INVALID]
    assert scans[2].outcome is ScanOutcome.INVALID and scans[2].associate_id is None


async def test_new_members_are_counted_per_associate_from_start_up_to_but_not_including_end(
    shop: Shop, database: Database,
) -> None:
    async with database.uow() as uow:
        claire = shop.associate.id
        marc = (await uow.associates.add(Associate(store_id=shop.store.id, display_name="Marc",
                                                   short_code="MARC1"))).id
        other_brand = await uow.brands.add(Brand(name="Other"))
        other_store = await uow.stores.add(Store(brand_id=other_brand.id, code="LON01", name="London"))
        for n, (enrolled_at, source, brand_id, store_id) in enumerate([
            (START, claire, shop.brand.id, shop.store.id),                                # first instant: in
            (START + timedelta(hours=3), claire, shop.brand.id, shop.store.id),
            (END - timedelta(microseconds=1), marc, shop.brand.id, shop.store.id),         # last instant: in
            (END, claire, shop.brand.id, shop.store.id),                                  # end: out
            (START - timedelta(microseconds=1), marc, shop.brand.id, shop.store.id),       # before: out
            (START + timedelta(hours=1), None, shop.brand.id, shop.store.id),              # nobody's code: out
            (START + timedelta(hours=1), claire, other_brand.id, other_store.id),          # other brand: out
        ]):
            await uow.members.add(a_member(shop, ANA + n, enrolled_at=enrolled_at, source_associate_id=source,
                                           brand_id=brand_id, store_id=store_id))
        await uow.commit()

    async with database.uow() as uow:
        counts = await uow.recruitment.enrolled_between(shop.brand.id, START, END)
        # The same period, given as Paris wall-clock times.
        in_paris = await uow.recruitment.enrolled_between(shop.brand.id, START.astimezone(PARIS),
                                                          END.astimezone(PARIS))
        empty = await uow.recruitment.enrolled_between(shop.brand.id, END + timedelta(days=1),
                                                       END + timedelta(days=2))
    assert counts == {claire: 2, marc: 1}
    assert in_paris == counts
    assert empty == {}


async def test_recruitment_counts_read_one_range_of_the_brand_and_enrolled_at_index(
    shop: Shop, database: Database,
) -> None:
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany) -> None:  # noqa: ANN001
        statements.append((statement, parameters))

    async with database.uow() as uow:
        sa.event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
        try:
            await uow.recruitment.enrolled_between(shop.brand.id, START, END)
        finally:
            sa.event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
        [(statement, parameters)] = [s for s in statements if "count(" in s[0]]
        conn = await uow.session.connection()
        if database.dialect == "postgresql":
            # A handful of rows would be read sequentially; ask whether the index can serve.
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = (await conn.exec_driver_sql("EXPLAIN " + statement, parameters)).all()
        else:
            plan = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
    assert "ix_member_brand_id_enrolled_at" in str(plan)


# --- the leaderboard's days -------------------------------------------------------------

DAY = date(2025, 1, 6)


async def test_a_day_is_claimed_once_per_brand_and_a_claim_not_committed_leaves_it_free(
    shop: Shop, database: Database,
) -> None:
    async with database.uow() as uow:  # a run that fails (or dies) before its commit
        assert await uow.recruitment.claim_day(shop.brand.id, DAY, T0)
        await uow.rollback()

    async with database.uow() as uow:
        assert await uow.recruitment.claim_day(shop.brand.id, DAY, T0 + timedelta(minutes=1))
        other_brand = await uow.brands.add(Brand(name="Other"))
        await uow.commit()

    async with database.uow() as uow:
        assert not await uow.recruitment.claim_day(shop.brand.id, DAY, T0 + timedelta(minutes=2))
        assert await uow.recruitment.claim_day(shop.brand.id, DAY + timedelta(days=1), T0)
        assert await uow.recruitment.claim_day(other_brand.id, DAY, T0)
        await uow.commit()


@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
async def test_a_second_claim_of_the_same_day_waits_for_the_first_transaction(
    shop: Shop, database_url: str, first_commits: bool,
) -> None:
    first, second = await Database.open(database_url, migrate=False), await Database.open(database_url, migrate=False)
    claimed = asyncio.Event()
    order: list[str] = []

    async def claim_first() -> bool:
        async with first.uow() as uow:
            won = await uow.recruitment.claim_day(shop.brand.id, DAY, T0)
            claimed.set()
            await asyncio.sleep(0.3)  # rendering the day's images
            order.append("first ends")
            if first_commits:
                await uow.commit()
        return won

    async def claim_second() -> bool:
        await claimed.wait()
        async with second.uow() as uow:
            won = await uow.recruitment.claim_day(shop.brand.id, DAY, T0)
            order.append("second claims")
            await uow.commit()
        return won

    try:
        results = await asyncio.gather(claim_first(), claim_second())
    finally:
        await first.dispose()
        await second.dispose()
    assert order == ["first ends", "second claims"]
    assert results == [True, not first_commits]
