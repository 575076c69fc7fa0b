"""Placing an order, on both databases: attributed to the member's associate of the moment,
priced for their tier, the enrollment reward redeemed by one order only; a refused order
writes nothing."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from commerce.bots import Role
from commerce.identity import Identity
from commerce.order_moves import Moved
from commerce.order_values import Delivery
from commerce.ordering import NotPlaced, OrderRequest, Problem, place_order
from commerce.orders import Action, Actor, Fulfilment, OrderStatus, Payment
from commerce.people import Link, LinkReason
from storage.tables.orders import OrderRow
from storage.tables.rewards import CouponRow
from storage.uow import Database
from tests.fixtures_db import T0, Shop
from tests.orders_fixtures import (
    a_linked_member,
    a_reward,
    a_sku,
    another_associate,
    as_member,
    count_rows,
    delivery_request,
    footprint,
    pickup_request,
)


async def place(database: Database, who: Identity, request: OrderRequest) -> Moved | NotPlaced:
    async with database.uow() as uow:
        result = await place_order(uow, who, request, T0)
        await uow.commit()
    return result


async def test_an_order_is_attributed_to_the_members_associate_and_priced_for_their_tier(
        shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, price_minor=128_000, member_prices={"Gold": 115_000})
    member = await a_linked_member(database, shop, tier="Gold")

    placed = await place(database, as_member(member), delivery_request(variant, quantity=2))

    assert isinstance(placed, Moved)
    order = placed.order
    assert (order.member_id, order.associate_id, order.store_id) == (member.id, shop.associate.id, shop.store.id)
    assert (order.status, order.currency, order.version) == (OrderStatus.PENDING_CONFIRMATION, "CNY", 1)
    assert [(line.variant_id, line.quantity, line.list_price_minor, line.unit_price_minor) for line in order.lines] == [
        (variant, 2, 128_000, 115_000)]
    assert (order.subtotal_minor, order.discount_minor, order.total_minor) == (230_000, 0, 230_000)
    assert order.delivery.address == "1 rue de la Paix, Paris"
    async with database.uow() as uow:
        events = await uow.orders.events(order.id)  # type: ignore[arg-type]
    assert [(e.action, e.from_status, e.to_status, e.actor, e.actor_id) for e in events] == [
        (Action.PLACE, None, OrderStatus.PENDING_CONFIRMATION, Actor.MEMBER, member.id)]


async def test_a_member_without_a_tier_price_pays_the_list_price(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, price_minor=128_000, member_prices={"Gold": 115_000})
    member = await a_linked_member(database, shop, tier="Silver")

    placed = await place(database, as_member(member), pickup_request(variant))

    assert isinstance(placed, Moved) and placed.order.total_minor == 128_000


async def test_the_attribution_stays_with_the_associate_of_order_time(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop)
    member = await a_linked_member(database, shop)
    first = await place(database, as_member(member), pickup_request(variant))
    marc = await another_associate(database, shop)
    async with database.uow() as uow:
        link = await uow.links.current(member.id)  # type: ignore[arg-type]
        await uow.links.end(link.id, T0, LinkReason.SWITCHED_BY_MEMBER)  # type: ignore[union-attr]
        await uow.links.add(Link(member_id=member.id, associate_id=marc.id, started_at=T0,  # type: ignore[arg-type]
                                 reason=LinkReason.SWITCHED_BY_MEMBER))
        await uow.commit()

    second = await place(database, as_member(member), pickup_request(variant))

    assert isinstance(first, Moved) and isinstance(second, Moved)
    async with database.uow() as uow:
        kept = await uow.orders.get(first.order.id)  # type: ignore[arg-type]
    assert kept is not None and kept.associate_id == shop.associate.id
    assert second.order.associate_id == marc.id


async def test_the_enrollment_reward_takes_its_percentage_off(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, price_minor=128_050)
    member = await a_linked_member(database, shop)
    coupon = await a_reward(database, shop, member, percent_off=10)

    placed = await place(database, as_member(member), delivery_request(variant, use_reward=True))

    assert isinstance(placed, Moved)
    assert (placed.order.discount_minor, placed.order.total_minor, placed.order.coupon_id) == (12_805, 115_245, coupon.id)
    again = await place(database, as_member(member), delivery_request(variant, use_reward=True))
    assert again == NotPlaced(Problem.NO_REWARD)


async def test_two_checkouts_racing_for_one_reward_redeem_it_once(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, on_hand=10)
    member = await a_linked_member(database, shop)
    await a_reward(database, shop, member)
    both_read = asyncio.Barrier(2) if database.dialect == "postgresql" else None

    async def checkout() -> Moved | NotPlaced:
        async with database.uow() as uow:
            await uow.rewards.coupons_of(member.id)  # type: ignore[arg-type]
            if both_read is not None:
                await both_read.wait()  # both transactions have seen the reward unused
            result = await place_order(uow, as_member(member), delivery_request(variant, use_reward=True), T0)
            await uow.commit()
            return result

    results = await asyncio.gather(checkout(), checkout())

    assert sorted(type(r).__name__ for r in results) == ["Moved", "NotPlaced"]
    refusal = next(r for r in results if isinstance(r, NotPlaced))
    assert refusal.problem in (Problem.REWARD_USED, Problem.NO_REWARD)
    assert await count_rows(database, OrderRow) == 1
    assert await count_rows(database, OrderRow, coupon_id=None) == 0
    async with database.uow() as uow:
        coupons = await uow.rewards.coupons_of(member.id)  # type: ignore[arg-type]
    assert [c.redeemed_at for c in coupons] == [T0]


@pytest.mark.parametrize(("change", "problem"), [
    ({"quantity": 0}, Problem.BAD_QUANTITY),
    ({"quantity": 100}, Problem.BAD_QUANTITY),
    ({"variant_id": 999_999}, Problem.UNKNOWN_ITEM),
    ({"payment": Payment.AT_PICKUP}, Problem.PAYMENT_DOES_NOT_FIT),
    ({"delivery": Delivery(contact_name="Ana")}, Problem.ADDRESS_NEEDED),
    ({"delivery": Delivery(address="x" * 1001)}, Problem.CONTACT_TOO_LONG),
    ({"use_reward": True}, Problem.NO_REWARD),
])
async def test_an_order_that_cannot_be_placed_writes_nothing(shop: Shop, database: Database, change: dict,
                                                             problem: Problem) -> None:
    variant = await a_sku(database, shop)
    member = await a_linked_member(database, shop)
    before = await footprint(database)

    result = await place(database, as_member(member), dataclasses.replace(delivery_request(variant), **change))

    assert result == NotPlaced(problem)
    assert await count_rows(database, OrderRow) == 0
    assert await footprint(database) == before


async def test_an_expired_reward_is_not_applied_nor_redeemed(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop)
    member = await a_linked_member(database, shop)
    coupon = await a_reward(database, shop, member, days=0)

    result = await place(database, as_member(member), delivery_request(variant, use_reward=True))

    assert result == NotPlaced(Problem.NO_REWARD)
    assert await count_rows(database, CouponRow, id=coupon.id, redeemed_at=None) == 1


async def test_only_members_order(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop)
    stranger = Identity(Role.GUEST, 42)

    assert await place(database, stranger, delivery_request(variant)) == NotPlaced(Problem.NOT_A_MEMBER)
    staff = Identity(Role.ASSOCIATE, 5_000_000_001, associate=shop.associate, store=shop.store)
    assert await place(database, staff, OrderRequest(variant, 1, Fulfilment.PICKUP, Payment.INVOICE)) == NotPlaced(
        Problem.NOT_A_MEMBER)
