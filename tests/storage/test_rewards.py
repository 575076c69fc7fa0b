"""A brand has one active reward rule; the coupons it issues have unique codes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from commerce.people import Brand
from commerce.ports.uow import DuplicateError
from commerce.rewards import Coupon, RewardRule
from storage.tables.rewards import RewardRuleRow
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member


async def active_rule_ids(database: Database) -> list[int]:
    """Every active rule of every brand, read straight from the table."""
    async with database.uow() as uow:
        stmt = sa.select(RewardRuleRow.id).where(RewardRuleRow.active == sa.true()).order_by(RewardRuleRow.id)
        return list((await uow.session.scalars(stmt)).all())


def a_coupon(member_id: int, rule: RewardRule, code: str, issued_days: int = 0) -> Coupon:
    issued_at = T0 + timedelta(days=issued_days)
    return Coupon(member_id=member_id, rule_id=rule.id, code=code, percent_off=rule.percent_off,
                  issued_at=issued_at, expires_at=issued_at + timedelta(days=rule.valid_days))


async def test_a_brand_without_rules_has_no_active_rule(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        assert await uow.rewards.active_rule(shop.brand.id) is None


async def test_a_new_active_rule_replaces_the_brands_previous_one(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        other_brand = await uow.brands.add(Brand(name="Other"))
        theirs = await uow.rewards.add_rule(RewardRule(brand_id=other_brand.id, percent_off=5))
        first = await uow.rewards.add_rule(RewardRule(brand_id=shop.brand.id, percent_off=10))
        await uow.commit()

    async with database.uow() as uow:
        second = await uow.rewards.add_rule(RewardRule(brand_id=shop.brand.id, percent_off=15, valid_days=14,
                                                       code_prefix="HELLO"))
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.rewards.active_rule(shop.brand.id) == second
        assert await uow.rewards.active_rule(other_brand.id) == theirs
    assert await active_rule_ids(database) == [theirs.id, second.id]
    assert first.id not in await active_rule_ids(database)


async def test_an_inactive_rule_leaves_the_active_one_alone(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        current = await uow.rewards.add_rule(RewardRule(brand_id=shop.brand.id, percent_off=10))
        await uow.rewards.add_rule(RewardRule(brand_id=shop.brand.id, percent_off=50, active=False))
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.rewards.active_rule(shop.brand.id) == current


async def test_rules_added_at_once_leave_one_active_rule(shop: Shop, database_url: str) -> None:
    # Neither transaction sees the other's new rule when it deactivates the old ones;
    # the one-active-rule index turns the later insert into a DuplicateError instead of
    # a second active rule. (SQLite runs the two one after the other: both succeed.)
    first, second = await Database.open(database_url, migrate=False), await Database.open(database_url, migrate=False)
    first_added = asyncio.Event()

    async def add_rule(database: Database, percent_off: int, *, go_first: bool) -> RewardRule | str:
        if not go_first:
            await first_added.wait()
        async with database.uow() as uow:
            try:
                rule = await uow.rewards.add_rule(RewardRule(brand_id=shop.brand.id, percent_off=percent_off))
            except DuplicateError:
                return "duplicate"
            if go_first:
                first_added.set()
                await asyncio.sleep(0.2)
            await uow.commit()
        return rule

    try:
        earlier, later = await asyncio.gather(add_rule(first, 10, go_first=True),
                                              add_rule(second, 20, go_first=False))
        active = await active_rule_ids(first)
    finally:
        await first.dispose()
        await second.dispose()
    if first.dialect == "postgresql":
        assert (later, active) == ("duplicate", [earlier.id])
    else:
        assert active == [later.id]


async def test_coupons_of_a_member_come_oldest_first(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop))
        ben = await uow.members.add(a_member(shop, 7_000_000_002, first_name="Ben"))
        rule = await uow.rewards.add_rule(RewardRule(brand_id=shop.brand.id, percent_off=10))
        later = await uow.rewards.add_coupon(a_coupon(ana.id, rule, "WELCOME-B2", issued_days=3))
        earlier = await uow.rewards.add_coupon(a_coupon(ana.id, rule, "WELCOME-A1"))
        await uow.rewards.add_coupon(a_coupon(ben.id, rule, "WELCOME-C3"))
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.rewards.coupons_of(ana.id) == [earlier, later]
        assert await uow.rewards.coupons_of(404) == []
    assert (earlier.percent_off, earlier.expires_at, earlier.redeemed_at) == (10, T0 + timedelta(days=30), None)


async def test_a_coupon_code_is_issued_once(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop))
        ben = await uow.members.add(a_member(shop, 7_000_000_002, first_name="Ben"))
        rule = await uow.rewards.add_rule(RewardRule(brand_id=shop.brand.id, percent_off=10))
        kept = await uow.rewards.add_coupon(a_coupon(ana.id, rule, "WELCOME-7K2P"))
        with pytest.raises(DuplicateError):
            await uow.rewards.add_coupon(a_coupon(ben.id, rule, "WELCOME-7K2P"))
        await uow.commit()  # the duplicate was confined to its savepoint

    async with database.uow() as uow:
        assert await uow.rewards.coupons_of(ana.id) == [kept]
        assert await uow.rewards.coupons_of(ben.id) == []
