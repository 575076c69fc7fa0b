"""An order's steps on both databases: illegal ones refused with nothing written, racing
ones settled by the order's version, points earned and taken back once, payments and the
brand's events applied once, and nobody acting on an order that is not theirs."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

from commerce.access import NotYours
from commerce.order_events import (
    ExternalEvent,
    NotAnEvent,
    WrongAmount,
    apply_external_event,
    record_payment,
)
from commerce.order_moves import SYSTEM, Moved, Party, Policy, step
from commerce.order_values import (
    OrderChange,
    PointsEntry,
    PointsReason,
    Replayed,
    Stale,
)
from commerce.ordering import (
    cancel_order,
    confirm_stock,
    hand_over,
    pack_order,
    place_order,
    refund_order,
    request_payment,
    send_out,
)
from commerce.orders import (
    Action,
    Actor,
    OrderEvent,
    OrderStatus,
    Payment,
    Refused,
    Why,
)
from commerce.people import Member
from commerce.points import TierThresholds
from storage.tables.orders import OrderEventRow, PointsEntryRow
from storage.uow import Database
from tests.fixtures_db import T0, Shop
from tests.orders_fixtures import (
    a_linked_member,
    a_sku,
    another_associate,
    as_associate,
    as_hq,
    as_member,
    count_rows,
    delivery_request,
    footprint,
    stock_of,
)

API, COURIER = Party(Actor.API), Party(Actor.COURIER)


async def an_order(database: Database, shop: Shop, member: Member, payment: Payment = Payment.INVOICE,
                   until: OrderStatus = OrderStatus.PENDING_CONFIRMATION, on_hand: int = 5) -> int:
    """A delivery order of one ¥1,280 scarf, taken through the lifecycle up to `until`."""
    variant = await a_sku(database, shop, sku=f"SKU-{secrets.token_hex(4)}", on_hand=on_hand)
    staff = as_associate(shop.associate, shop)
    async with database.uow() as uow:
        placed = await place_order(uow, as_member(member), delivery_request(variant, payment=payment), T0)
        assert isinstance(placed, Moved)
        order_id = placed.order.id
        assert order_id is not None
        path = [lambda: confirm_stock(uow, staff, order_id, T0)]
        if payment is Payment.INVOICE:
            path += [lambda: request_payment(uow, staff, order_id, T0),
                     lambda: record_payment(uow, order_id, f"ch-{order_id}", None, 128_000, "CNY", T0)]
        path += [lambda: pack_order(uow, staff, order_id, T0), lambda: send_out(uow, staff, order_id, T0),
                 lambda: hand_over(uow, staff, order_id, T0)]
        status = placed.order.status
        for take in path:
            if status is until:
                break
            moved = await take()
            assert isinstance(moved, Moved), moved
            status = moved.order.status
        assert status is until
        await uow.commit()
    return order_id


async def test_every_illegal_step_is_refused_and_writes_nothing(shop: Shop, database: Database) -> None:
    member = await a_linked_member(database, shop)
    for until in (OrderStatus.PENDING_CONFIRMATION, OrderStatus.PAID, OrderStatus.DELIVERED):
        order_id = await an_order(database, shop, member, until=until)
        before = await footprint(database)
        refused = 0
        async with database.uow() as uow:
            order = await uow.orders.get(order_id)
            assert order is not None
            for action in Action:
                for actor in Actor:
                    if action is Action.PLACE:
                        continue
                    result = await step(uow, Party(actor, 1), order_id, action, T0 + timedelta(days=1), reason="r")
                    if isinstance(result, Refused):
                        refused += 1
                    else:
                        await uow.rollback()  # a legal step: not what this test is about
            after = await uow.orders.get(order_id)
        assert refused > 50
        assert after == order
        assert await footprint(database) == before


async def test_two_steps_racing_on_one_order_let_one_win(shop: Shop, database: Database) -> None:
    member = await a_linked_member(database, shop)
    order_id = await an_order(database, shop, member)
    variant = (await _order(database, order_id)).lines[0].variant_id
    both_read = asyncio.Barrier(2) if database.dialect == "postgresql" else None

    async def take(action: str) -> object:
        async with database.uow() as uow:
            await uow.orders.get(order_id)
            if both_read is not None:
                await both_read.wait()
            if action == "cancel":
                result = await cancel_order(uow, as_member(member), order_id, T0)
            else:
                result = await confirm_stock(uow, as_associate(shop.associate, shop), order_id, T0)
            await uow.commit()
            return result

    results = await asyncio.gather(take("cancel"), take("confirm"))

    winners = [r for r in results if isinstance(r, Moved)]
    assert len(winners) == 1
    loser = next(r for r in results if not isinstance(r, Moved))
    assert isinstance(loser, Stale) or (isinstance(loser, Refused) and loser.why is Why.NOT_NOW)
    assert await count_rows(database, OrderEventRow, order_id=order_id) == 2
    order = await _order(database, order_id)
    assert order.status is winners[0].order.status and order.version == 2
    assert (await stock_of(database, shop, variant))[1] == (1 if order.status is OrderStatus.CONFIRMED else 0)


async def test_points_are_earned_once_on_delivery_and_taken_back_once_on_refund(shop: Shop, database: Database) -> None:
    member = await a_linked_member(database, shop)
    order_id = await an_order(database, shop, member, until=OrderStatus.OUT_FOR_DELIVERY)
    policy = Policy(tiers=TierThresholds((("Silver", 100_000), ("Gold", 1_000_000))))
    staff = as_associate(shop.associate, shop)

    async with database.uow() as uow:
        delivered = await hand_over(uow, COURIER, order_id, T0, policy=policy)
        twice = await hand_over(uow, COURIER, order_id, T0, policy=policy)
        await uow.commit()
    assert isinstance(delivered, Moved) and (delivered.points, delivered.tier) == (1280, "Silver")
    assert isinstance(twice, Refused)
    async with database.uow() as uow:
        assert await uow.orders.points_balance(member.id) == 1280  # type: ignore[arg-type]
        member_now = await uow.members.get(member.id)  # type: ignore[arg-type]
    assert member_now is not None and member_now.tier == "Silver"

    async with database.uow() as uow:
        refunded = await refund_order(uow, staff, order_id, "torn seam", T0 + timedelta(days=2), policy=policy)
        again = await refund_order(uow, staff, order_id, "torn seam", T0 + timedelta(days=2), policy=policy)
        await uow.commit()
    assert isinstance(refunded, Moved) and (refunded.points, refunded.tier) == (-1280, None)
    assert isinstance(again, Refused)
    async with database.uow() as uow:
        assert await uow.orders.points_balance(member.id) == 0  # type: ignore[arg-type]
        entries = await uow.orders.points_of_order(order_id)
        assert (await uow.members.get(member.id)).tier is None  # type: ignore[union-attr, arg-type]
        events = await uow.orders.events(order_id)
    assert [(e.delta, e.reason) for e in entries] == [(1280, PointsReason.EARNED), (-1280, PointsReason.REVERSED)]
    assert (events[-1].actor, events[-1].actor_id, events[-1].reason) == (Actor.ASSOCIATE, shop.associate.id, "torn seam")


async def test_an_orders_points_entry_is_kept_once_whoever_writes_it_again(shop: Shop, database: Database) -> None:
    member = await a_linked_member(database, shop)
    order_id = await an_order(database, shop, member, until=OrderStatus.DELIVERED)
    order = await _order(database, order_id)
    eta = OrderEvent(Action.SET_ETA, order.status, order.status, Actor.SYSTEM, T0)
    again = PointsEntry(member.id, 1280, PointsReason.EARNED, T0, order_id)  # type: ignore[arg-type]

    async with database.uow() as uow:
        await uow.orders.apply(OrderChange(order_id, order.version, eta, points=(again,)))
        await uow.commit()

    assert await count_rows(database, PointsEntryRow, order_id=order_id) == 1


async def test_a_payment_is_recorded_once_per_charge(shop: Shop, database: Database) -> None:
    member = await a_linked_member(database, shop)
    order_id = await an_order(database, shop, member, until=OrderStatus.AWAITING_PAYMENT)
    async with database.uow() as uow:
        wrong = await record_payment(uow, order_id, "ch-x", None, 1, "CNY", T0)
        paid = await record_payment(uow, order_id, "ch-x", "pr-x", 128_000, "CNY", T0)
        replay = await record_payment(uow, order_id, "ch-x", "pr-x", 128_000, "CNY", T0)
        await uow.commit()

    assert wrong == WrongAmount()
    assert isinstance(paid, Moved) and paid.order.telegram_charge_id == "ch-x"
    assert replay == Replayed("telegram:ch-x")
    assert await count_rows(database, OrderEventRow, order_id=order_id, action="pay") == 1


async def test_the_brands_events_are_applied_once_and_refused_politely(shop: Shop, database: Database) -> None:
    member = await a_linked_member(database, shop)
    order_id = await an_order(database, shop, member, payment=Payment.ON_DELIVERY, until=OrderStatus.CONFIRMED)
    pack = ExternalEvent("wms-1", Action.PACK, courier="SF Express", tracking_number="SF100")
    both_read = asyncio.Barrier(2) if database.dialect == "postgresql" else None

    async def post(event: ExternalEvent) -> object:
        async with database.uow() as uow:
            await uow.orders.get(order_id)
            if both_read is not None:
                await both_read.wait()
            result = await apply_external_event(uow, order_id, event, T0)
            await uow.commit()
            return result

    first, second = await asyncio.gather(post(pack), post(pack))
    both_read = None
    later = await post(pack)
    early_delivery = await post(ExternalEvent("wms-2", Action.PICK_UP))
    confirm = await post(ExternalEvent("wms-3", Action.CONFIRM))

    assert sorted(type(r).__name__ for r in (first, second)) == ["Moved", "Replayed"]
    assert later == Replayed("api:wms-1")
    assert isinstance(early_delivery, Refused) and early_delivery.why is Why.NOT_NOW
    assert isinstance(confirm, NotAnEvent)
    order = await _order(database, order_id)
    assert (order.status, order.courier, order.tracking_number, order.version) == (
        OrderStatus.PACKED, "SF Express", "SF100", 3)
    assert await count_rows(database, OrderEventRow, order_id=order_id, event_key="api:wms-1") == 1


async def test_nobody_sees_or_acts_on_an_order_that_is_not_theirs(shop: Shop, database: Database) -> None:
    ana = await a_linked_member(database, shop, 7_000_000_001)
    bea = await a_linked_member(database, shop, 7_000_000_002)
    order_id = await an_order(database, shop, ana)
    marc = await another_associate(database, shop, "Marc")
    manager = await another_associate(database, shop, "Iris", manager=True)
    before = await footprint(database)

    async with database.uow() as uow:
        assert isinstance(await cancel_order(uow, as_member(bea), order_id, T0), NotYours)
        assert isinstance(await confirm_stock(uow, as_associate(marc, shop), order_id, T0), NotYours)
        assert isinstance(await cancel_order(uow, as_hq(shop, brand_id=shop.brand.id + 1), order_id, T0), NotYours)
        assert isinstance(await cancel_order(uow, as_member(ana), 999_999, T0), NotYours)
        await uow.commit()
    assert await footprint(database) == before

    async with database.uow() as uow:
        confirmed = await confirm_stock(uow, as_associate(manager, shop), order_id, T0)
        cancelled = await cancel_order(uow, as_hq(shop), order_id, T0)
        await uow.commit()
    assert isinstance(confirmed, Moved) and confirmed.event.actor_id == manager.id
    assert isinstance(cancelled, Moved) and cancelled.event.actor is Actor.HQ


async def test_the_system_steps_need_no_person(shop: Shop, database: Database) -> None:
    member = await a_linked_member(database, shop)
    order_id = await an_order(database, shop, member, until=OrderStatus.CONFIRMED)
    async with database.uow() as uow:
        moved = await request_payment(uow, SYSTEM, order_id, T0)
        await uow.commit()
    assert isinstance(moved, Moved) and moved.order.status is OrderStatus.AWAITING_PAYMENT
    assert moved.order.hold_expires_at == T0 + Policy().hold_for


async def _order(database: Database, order_id: int):
    async with database.uow() as uow:
        order = await uow.orders.get(order_id)
    assert order is not None
    return order
