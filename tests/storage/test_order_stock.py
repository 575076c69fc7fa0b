"""Stock held by orders, on both databases: concurrent confirmations never oversell, a hold
is given back or leaves the store exactly once, and expired holds are swept once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.runtime.hold_job import release_expired_holds
from commerce.order_events import record_payment
from commerce.order_moves import Moved, Policy
from commerce.order_values import HoldFate, OrderChange, OutOfStock, Stale
from commerce.ordering import (
    accept_other_sku,
    cancel_order,
    confirm_stock,
    decline_other_sku,
    hand_over,
    pack_order,
    place_order,
    propose_other_sku,
    ready_for_pickup,
    request_payment,
    send_out,
)
from commerce.orders import Action, Actor, OrderEvent, OrderStatus, decide
from storage.tables.orders import StockHoldRow
from storage.uow import Database
from tests.fixtures_db import T0, Shop
from tests.orders_fixtures import (
    a_linked_member,
    a_sku,
    as_associate,
    as_member,
    count_rows,
    delivery_request,
    footprint,
    pickup_request,
    stock_of,
)

BUYERS, UNITS = 20, 5


async def placed_order(database: Database, shop: Shop, variant: int, buyer: int = 0, quantity: int = 1,
                       pickup: bool = False) -> int:
    member = await a_linked_member(database, shop, 7_000_000_001 + buyer)
    request = pickup_request(variant, quantity) if pickup else delivery_request(variant, quantity)
    async with database.uow() as uow:
        placed = await place_order(uow, as_member(member), request, T0)
        await uow.commit()
    assert isinstance(placed, Moved) and placed.order.id is not None
    return placed.order.id


async def confirmed_order(database: Database, shop: Shop, variant: int, **kwargs: object) -> int:
    order_id = await placed_order(database, shop, variant, **kwargs)  # type: ignore[arg-type]
    async with database.uow() as uow:
        assert isinstance(await confirm_stock(uow, as_associate(shop.associate, shop), order_id, T0), Moved)
        await uow.commit()
    return order_id


async def test_twenty_buyers_for_five_units_get_exactly_five_holds(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, on_hand=UNITS)
    orders = [await placed_order(database, shop, variant, buyer) for buyer in range(BUYERS)]
    # On PostgreSQL every transaction is open (has read its order) before any confirms:
    # twenty real concurrent transactions. SQLite runs writers one at a time.
    ready = asyncio.Barrier(BUYERS) if database.dialect == "postgresql" else None

    async def confirm(order_id: int) -> object:
        async with database.uow() as uow:
            await uow.orders.get(order_id)
            if ready is not None:
                await ready.wait()
            result = await confirm_stock(uow, as_associate(shop.associate, shop), order_id, T0)
            await uow.commit()
            return result

    results = await asyncio.gather(*(confirm(order_id) for order_id in orders))

    assert sum(isinstance(r, Moved) for r in results) == UNITS
    assert sum(isinstance(r, OutOfStock) for r in results) == BUYERS - UNITS
    assert await stock_of(database, shop, variant) == (UNITS, UNITS)
    assert await count_rows(database, StockHoldRow) == UNITS
    async with database.uow() as uow:
        statuses = [(await uow.orders.get(order_id)).status for order_id in orders]  # type: ignore[union-attr]
    assert statuses.count(OrderStatus.CONFIRMED) == UNITS
    assert statuses.count(OrderStatus.PENDING_CONFIRMATION) == BUYERS - UNITS


async def test_an_order_for_more_than_is_free_holds_nothing(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, on_hand=3)
    await confirmed_order(database, shop, variant, buyer=0, quantity=2)
    second = await placed_order(database, shop, variant, buyer=1, quantity=2)

    async with database.uow() as uow:
        result = await confirm_stock(uow, as_associate(shop.associate, shop), second, T0)
        await uow.commit()

    assert result == OutOfStock(variant)
    assert await stock_of(database, shop, variant) == (3, 2)
    async with database.uow() as uow:
        order = await uow.orders.get(second)
        assert order is not None and order.status is OrderStatus.PENDING_CONFIRMATION and order.version == 1


async def test_cancelling_gives_the_stock_back_once(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, on_hand=5)
    order_id = await confirmed_order(database, shop, variant, quantity=2)
    member = as_member(await _member_of(database, order_id))

    async with database.uow() as uow:
        assert isinstance(await cancel_order(uow, member, order_id, T0, reason="changed my mind"), Moved)
        await uow.commit()
    async with database.uow() as uow:
        again = await cancel_order(uow, member, order_id, T0)
        await uow.commit()

    assert again.why == "not_now"  # type: ignore[union-attr]
    assert await stock_of(database, shop, variant) == (5, 0)
    async with database.uow() as uow:
        holds = await uow.orders.holds(order_id)
    assert [h.released_at for h in holds] == [T0]


async def test_a_delivered_order_takes_its_units_out_of_the_store(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, on_hand=5)
    order_id = await confirmed_order(database, shop, variant, quantity=2)
    staff = as_associate(shop.associate, shop)
    async with database.uow() as uow:
        assert isinstance(await request_payment(uow, staff, order_id, T0), Moved)
        assert isinstance(await record_payment(uow, order_id, "ch_1", "pr_1", 256_000, "CNY", T0), Moved)
        assert isinstance(await pack_order(uow, staff, order_id, T0, courier="SF", tracking_number="SF123"), Moved)
        assert isinstance(await send_out(uow, staff, order_id, T0), Moved)
        delivered = await hand_over(uow, staff, order_id, T0 + timedelta(hours=3))
        await uow.commit()

    assert isinstance(delivered, Moved) and delivered.order.status is OrderStatus.DELIVERED
    assert await stock_of(database, shop, variant) == (3, 0)
    async with database.uow() as uow:
        assert [h.released_at for h in await uow.orders.holds(order_id)] == [T0 + timedelta(hours=3)]


async def test_a_pickup_paid_at_the_counter_skips_the_invoice(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, on_hand=1)
    order_id = await confirmed_order(database, shop, variant, pickup=True)
    staff = as_associate(shop.associate, shop)
    async with database.uow() as uow:
        assert (await request_payment(uow, staff, order_id, T0)).why == "not_now"  # type: ignore[union-attr]
        assert isinstance(await pack_order(uow, staff, order_id, T0), Moved)
        assert isinstance(await ready_for_pickup(uow, staff, order_id, T0), Moved)
        picked = await hand_over(uow, staff, order_id, T0)
        await uow.commit()

    assert isinstance(picked, Moved) and picked.event.action is Action.PICK_UP
    assert await stock_of(database, shop, variant) == (0, 0)


async def test_another_sku_is_held_when_offered_and_freed_when_declined(shop: Shop, database: Database) -> None:
    red = await a_sku(database, shop, "SCARF-RED", on_hand=0)
    blue = await a_sku(database, shop, "SCARF-BLUE", price_minor=99_000, on_hand=2)
    order_id = await placed_order(database, shop, red)
    staff = as_associate(shop.associate, shop)
    member = as_member(await _member_of(database, order_id))

    async with database.uow() as uow:
        assert isinstance(await propose_other_sku(uow, staff, order_id, blue, T0, reason="red is sold out"), Moved)
        await uow.commit()
    assert await stock_of(database, shop, blue) == (2, 1)
    async with database.uow() as uow:
        assert isinstance(await decline_other_sku(uow, member, order_id, T0), Moved)
        await uow.commit()
    assert await stock_of(database, shop, blue) == (2, 0)


async def test_an_accepted_sku_replaces_the_line_at_its_own_price(shop: Shop, database: Database) -> None:
    red = await a_sku(database, shop, "SCARF-RED", on_hand=0)
    blue = await a_sku(database, shop, "SCARF-BLUE", price_minor=99_000, on_hand=2)
    order_id = await placed_order(database, shop, red)
    member = as_member(await _member_of(database, order_id))
    async with database.uow() as uow:
        await propose_other_sku(uow, as_associate(shop.associate, shop), order_id, blue, T0)
        accepted = await accept_other_sku(uow, member, order_id, T0)
        await uow.commit()

    assert isinstance(accepted, Moved) and accepted.order.status is OrderStatus.CONFIRMED
    line = accepted.order.lines[0]
    assert (line.variant_id, line.unit_price_minor, line.proposed_variant_id) == (blue, 99_000, None)
    assert accepted.order.total_minor == 99_000
    assert await stock_of(database, shop, blue) == (2, 1)


async def test_expired_holds_are_released_once_by_any_number_of_sweeps(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, on_hand=4)
    staff = as_associate(shop.associate, shop)
    orders = [await confirmed_order(database, shop, variant, buyer=n) for n in range(3)]
    async with database.uow() as uow:
        await request_payment(uow, staff, orders[0], T0)
        await request_payment(uow, staff, orders[1], T0)
        # The third pays in time: its hold stops expiring.
        await request_payment(uow, staff, orders[2], T0)
        assert isinstance(await record_payment(uow, orders[2], "ch_paid", None, 128_000, "CNY", T0), Moved)
        await uow.commit()
    assert await stock_of(database, shop, variant) == (4, 3)

    early = await release_expired_holds(database.uow, T0 + Policy().hold_for - timedelta(seconds=1))
    assert early.expired == ()
    later = T0 + Policy().hold_for
    runs = await asyncio.gather(*(release_expired_holds(database.uow, later) for _ in range(3)))
    again = await release_expired_holds(database.uow, later + timedelta(hours=1))

    assert sorted(moved.order.id for run in runs for moved in run.expired) == orders[:2]
    assert again.expired == ()
    assert await stock_of(database, shop, variant) == (4, 1)
    async with database.uow() as uow:
        for order_id in orders[:2]:
            order = await uow.orders.get(order_id)
            assert order is not None and order.status is OrderStatus.CANCELLED
            assert [e.action for e in await uow.orders.events(order_id)][-1] is Action.EXPIRE
        paid = await uow.orders.get(orders[2])
        assert paid is not None and paid.status is OrderStatus.PAID


async def test_an_expiry_decided_before_a_payment_landed_changes_nothing(shop: Shop, database: Database) -> None:
    variant = await a_sku(database, shop, on_hand=1)
    order_id = await confirmed_order(database, shop, variant)
    async with database.uow() as uow:
        await request_payment(uow, as_associate(shop.associate, shop), order_id, T0)
        await uow.commit()
    later = T0 + Policy().hold_for
    async with database.uow() as sweep:
        read = await sweep.orders.get(order_id)
    assert read is not None
    expiry = decide(read.status, read.payment, read.fulfilment, Action.EXPIRE, Actor.SYSTEM, later)
    assert isinstance(expiry, OrderEvent)
    async with database.uow() as payment:
        assert isinstance(await record_payment(payment, order_id, "ch_late", None, 128_000, "CNY", later), Moved)
        await payment.commit()
    before = await footprint(database)

    async with database.uow() as sweep:
        outcome = await sweep.orders.apply(OrderChange(order_id, read.version, expiry, holds=HoldFate.RELEASE))
        await sweep.commit()

    assert isinstance(outcome, Stale)
    assert await footprint(database) == before
    assert await stock_of(database, shop, variant) == (1, 1)


async def _member_of(database: Database, order_id: int):
    async with database.uow() as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        member = await uow.members.get(order.member_id)
    assert member is not None
    return member
