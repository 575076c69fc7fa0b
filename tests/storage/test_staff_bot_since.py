"""When an associate's account opened the staff bot, on SQLite and PostgreSQL: recorded
once, kept while the account stays (even by a write of an associate read before it),
dropped with the account; and migration 0007 fills it in for associates whose account
used an invite (opened in the staff bot) or wrote to a member through it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.types import UTCDateTime
from storage.uow import Database
from tests.fixtures_db import T0, Shop
from tests.storage.onboarding_steps import ANN, STRANGER, accept, an_invite, load

JAN_5, JAN_10, FEB_1 = (datetime(2026, 1, 5, 9, 0, tzinfo=UTC), datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
                        datetime(2026, 2, 1, 18, 30, tzinfo=UTC))


async def test_associates_who_used_an_invite_or_wrote_to_a_member_count_as_started_from_the_earliest(
        empty_database_url: str) -> None:
    await upgrade(empty_database_url, revision="0006")
    engine = make_engine(empty_database_url)
    at = sa.bindparam("at", type_=UTCDateTime())
    try:
        async with engine.begin() as conn:
            for statement in (
                "INSERT INTO brand (id, name, colour, default_locale, timezone) VALUES (1, 'Maison', '#000', 'en', 'UTC')",
                "INSERT INTO store (id, brand_id, code, name, address, timezone, hours) VALUES (1, 1, 'P1', 'Opera', '', 'UTC', '')",
                *(f"INSERT INTO associate (id, store_id, display_name, short_code, status, locale, telegram_user_id)"
                  f" VALUES ({n}, 1, '{name}', 'C{n}', 'active', 'en', {user})"
                  for n, name, user in ((1, 'Claire', 101), (2, 'Dan', 102), (3, 'Eve', 103), (4, 'Fay', 104), (5, 'Gus', 'NULL'))),
                "INSERT INTO member (id, brand_id, telegram_user_id, first_name, source_associate_id, consent_chat,"
                " consent_marketing, reachable, enrolled_at) VALUES (1, 1, 7000000001, 'Ana', 1, true, false, true,"
                " '2025-01-06 09:00:00')",
            ):
                await conn.execute(sa.text(statement))
            invite = sa.text("INSERT INTO associate_invite (associate_id, token_hash, created_at, expires_at, used_at,"
                             " used_by_telegram_user_id) VALUES (:associate, :hash, :at, :at, :at, :user)").bindparams(at)
            for associate, user, when in ((1, 101, JAN_10), (3, 999, JAN_5)):  # Eve's account changed since
                await conn.execute(invite, {"associate": associate, "hash": f"h{associate}", "at": when, "user": user})
            wrote = sa.text("INSERT INTO conversation_message (member_id, associate_id, direction, kind, created_at)"
                            " VALUES (1, :associate, :direction, 'text', :at)").bindparams(at)
            for associate, direction, when in ((1, "out", JAN_5), (2, "in", JAN_5), (2, "out", FEB_1), (2, "out", JAN_10.replace(month=3)),
                                               (4, "in", JAN_5), (5, "out", JAN_5)):
                await conn.execute(wrote, {"associate": associate, "direction": direction, "at": when})
    finally:
        await engine.dispose()

    await upgrade(empty_database_url)

    async with await Database.open(empty_database_url, migrate=False) as database:
        async with database.uow() as uow:
            started = {a.display_name: a.staff_bot_since for a in await uow.associates.list_all()}
    assert started == {"Claire": JAN_5, "Dan": FEB_1, "Eve": None, "Fay": None, "Gus": None}


async def test_the_first_opening_is_kept_and_a_stale_write_does_not_erase_it(shop: Shop, database: Database) -> None:
    stale = shop.associate  # read before the associate opened the staff bot
    async with database.uow() as uow:
        assert await uow.associates.opened_staff_bot(stale.id, JAN_5)
        assert not await uow.associates.opened_staff_bot(stale.id, JAN_10), "only the first time counts"
        await uow.commit()
    async with database.uow() as uow:
        stale.is_manager = True
        await uow.associates.update(stale)
        await uow.commit()
    async with database.uow() as uow:
        stored = await uow.associates.get(stale.id)
    assert (stored.is_manager, stored.staff_bot_since) == (True, JAN_5)


async def test_another_account_starts_again_unless_it_opened_the_bot_itself(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        await uow.associates.opened_staff_bot(shop.associate.id, JAN_5)
        associate = await uow.associates.get(shop.associate.id)
        associate.telegram_user_id, associate.staff_bot_since = 5_000_000_002, None  # rebound by a brand file
        await uow.associates.update(associate)
        await uow.commit()
    async with database.uow() as uow:
        rebound = await uow.associates.get(shop.associate.id)
        cleared = rebound.staff_bot_since
        rebound.telegram_user_id, rebound.staff_bot_since = 5_000_000_003, FEB_1  # then by an invite, opened in the bot
        await uow.associates.update(rebound)
        await uow.commit()
    async with database.uow() as uow:
        invited = await uow.associates.get(shop.associate.id)

    assert cleared is None, "the new account never opened the staff bot"
    assert (invited.telegram_user_id, invited.staff_bot_since) == (5_000_000_003, FEB_1)


async def test_an_invite_opens_the_staff_bot_and_a_brand_file_giving_another_account_starts_over(database: Database) -> None:
    claire = await an_invite(database)
    opened_at = T0 + timedelta(hours=1)
    await accept(database, "tok", ANN, at=opened_at)
    async with database.uow() as uow:
        await uow.associates.opened_staff_bot(claire.id, opened_at + timedelta(days=1))  # her /start later changes nothing
        await uow.commit()
        invited = await uow.associates.get(claire.id)

    await load(database, {"associates": [{"name": "Claire", "store": "P1", "manager": True}]}, existing=("P1",))
    async with database.uow() as uow:
        same_account = await uow.associates.get(claire.id)
    await load(database, {"associates": [{"name": "Claire", "store": "P1", "telegram": STRANGER}]}, existing=("P1",))
    async with database.uow() as uow:
        other_account = await uow.associates.get(claire.id)

    assert (invited.telegram_user_id, invited.staff_bot_since) == (ANN, opened_at)
    assert (same_account.is_manager, same_account.staff_bot_since) == (True, opened_at), "the account stays: so does the time"
    assert (other_account.telegram_user_id, other_account.staff_bot_since) == (STRANGER, None)
