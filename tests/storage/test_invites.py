"""An associate invite is found by its token hash and binds one Telegram account, once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from commerce.people import AssociateInvite
from commerce.ports.uow import DuplicateError
from storage.uow import Database
from tests.fixtures_db import T0, Shop

HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CLAIRE_ACCOUNT, STRANGER = 5_000_000_101, 5_000_000_102


def an_invite(shop: Shop, token_hash: str = HASH) -> AssociateInvite:
    return AssociateInvite(associate_id=shop.associate.id, token_hash=token_hash, created_at=T0,
                           expires_at=T0 + timedelta(days=7))


async def add(database: Database, invite: AssociateInvite) -> AssociateInvite:
    async with database.uow() as uow:
        added = await uow.invites.add(invite)
        await uow.commit()
    return added


async def test_an_invite_is_found_by_its_token_hash(shop: Shop, database: Database) -> None:
    added = await add(database, an_invite(shop))

    async with database.uow() as uow:
        assert await uow.invites.by_token_hash(HASH) == added
        assert await uow.invites.by_token_hash("0" * 64) is None
    assert (added.used_at, added.used_by_telegram_user_id) == (None, None)


async def test_two_invites_cannot_share_a_token_hash(shop: Shop, database: Database) -> None:
    await add(database, an_invite(shop))
    async with database.uow() as uow:
        with pytest.raises(DuplicateError):
            await uow.invites.add(an_invite(shop))


async def test_an_invite_used_twice_binds_only_the_first_account(shop: Shop, database: Database) -> None:
    invite = await add(database, an_invite(shop))
    async with database.uow() as uow:
        first = await uow.invites.use(invite.id, CLAIRE_ACCOUNT, T0 + timedelta(hours=1))
        await uow.commit()

    async with database.uow() as uow:
        second = await uow.invites.use(invite.id, STRANGER, T0 + timedelta(hours=2))
        await uow.commit()

    async with database.uow() as uow:
        stored = await uow.invites.by_token_hash(HASH)
    assert (first, second) == (True, False)
    assert (stored.used_at, stored.used_by_telegram_user_id) == (T0 + timedelta(hours=1), CLAIRE_ACCOUNT)


async def test_using_an_invite_that_does_not_exist_fails(database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(LookupError):
            await uow.invites.use(404, STRANGER, T0)


async def test_of_two_accounts_using_the_same_invite_at_once_exactly_one_wins(
    shop: Shop, database_url: str,
) -> None:
    # Two engines, as two processes would have: the second UPDATE waits for the first
    # transaction (PostgreSQL's row lock, SQLite's write lock) and then finds it used.
    first, second = await Database.open(database_url, migrate=False), await Database.open(database_url, migrate=False)
    invite = await add(first, an_invite(shop))
    first_used = asyncio.Event()

    async def use(database: Database, telegram_user_id: int, *, go_first: bool) -> bool:
        if not go_first:
            await first_used.wait()
        async with database.uow() as uow:
            won = await uow.invites.use(invite.id, telegram_user_id, T0)
            if go_first:
                first_used.set()
                await asyncio.sleep(0.2)  # hold the transaction open while the other tries
            await uow.commit()
        return won

    try:
        results = await asyncio.gather(use(first, CLAIRE_ACCOUNT, go_first=True),
                                       use(second, STRANGER, go_first=False))
        async with second.uow() as uow:
            stored = await uow.invites.by_token_hash(HASH)
    finally:
        await first.dispose()
        await second.dispose()
    assert results == [True, False]
    assert stored.used_by_telegram_user_id == CLAIRE_ACCOUNT
