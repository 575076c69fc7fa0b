"""HQ's sales numbers on SQLite and PostgreSQL: each handed-over order counts for the
associate it was attributed to when placed, on the brand's local day it was handed over;
refunds of sales are subtracted on their day; nothing else counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from commerce.order_events import record_payment
from commerce.order_moves import Moved
from commerce.ordering import (
    confirm_stock,
    hand_over,
    pack_order,
    place_order,
    ready_for_pickup,
    refund_order,
    request_payment,
)
from commerce.people import Link, LinkReason
from commerce.sales import SalesReport, Tally, sales_report
from storage.uow import Database
from tests.fixtures_db import T0, Shop
from tests.orders_fixtures import (
    a_linked_member,
    a_sku,
    another_associate,
    as_associate,
    as_member,
    delivery_request,
    pickup_request,
)
from tests.shop_fixtures import a_picked_up_order

# T0 is 2025-01-06 09:00 UTC: 17:00 in Shanghai, the brand's time zone here.


async def report(database: Database, shop: Shop, days: int, now: datetime) -> SalesReport:
    async with database.uow() as uow:
        brand = await uow.brands.get(shop.brand.id)
        assert brand is not None
        return await sales_report(uow, brand, days, now)


async def test_sales_count_for_the_associate_of_the_order_on_the_local_day_refunds_subtracted(
        database: Database, shop: Shop) -> None:
    async with database.uow() as uow:
        brand = await uow.brands.get(shop.brand.id)
        brand.timezone = "Asia/Shanghai"  # type: ignore[union-attr]
        await uow.brands.update(brand)  # type: ignore[arg-type]
        await uow.commit()
    claire, marc = shop.associate, await another_associate(database, shop, "Marc")
    ana = await a_linked_member(database, shop, 7_000_000_001)
    bo = await a_linked_member(database, shop, 7_000_000_002, associate=marc)

    await a_picked_up_order(database, shop, bo, 50_00, T0 - timedelta(hours=18), associate=marc)  # Jan 5, 23:00 local
    await a_picked_up_order(database, shop, bo, 1_00, T0 - timedelta(hours=10), associate=marc)  # Jan 6, 07:00 local
    first = await a_picked_up_order(database, shop, ana, 2_500_00, T0)  # Jan 6, 17:00
    await a_picked_up_order(database, shop, bo, 1_280_00, T0 + timedelta(hours=15), associate=marc)  # Jan 7, 08:00
    # Ana orders from Claire, moves to Marc, and then picks the order up: it stays Claire's.
    variant = await a_sku(database, shop, sku="COAT", price_minor=3_000_00)
    async with database.uow() as uow:
        placed = await place_order(uow, as_member(ana), pickup_request(variant), T0 + timedelta(hours=1))
        assert isinstance(placed, Moved) and placed.order.id is not None
        for take in (confirm_stock, pack_order, ready_for_pickup):
            assert isinstance(await take(uow, as_associate(claire, shop), placed.order.id, T0 + timedelta(hours=1)), Moved)
        link = await uow.links.current(ana.id)  # type: ignore[arg-type]
        await uow.links.end(link.id, T0 + timedelta(hours=2), LinkReason.SWITCHED_BY_MEMBER)  # type: ignore[union-attr, arg-type]
        await uow.links.add(Link(member_id=ana.id, associate_id=marc.id, started_at=T0 + timedelta(hours=2)))  # type: ignore[arg-type]
        assert isinstance(await hand_over(uow, as_associate(claire, shop), placed.order.id, T0 + timedelta(hours=16)), Moved)
        await uow.commit()
    # Jan 8: Ana's first order comes back; Bo pays for one and is refunded before it ships.
    async with database.uow() as uow:
        refunded = await refund_order(uow, as_associate(claire, shop), first.order.id, "wrong size", T0 + timedelta(days=2))  # type: ignore[arg-type]
        assert isinstance(refunded, Moved)
        await uow.commit()
    variant = await a_sku(database, shop, sku="BAG", price_minor=900_00)
    async with database.uow() as uow:
        staff, at = as_associate(marc, shop), T0 + timedelta(days=2)
        placed = await place_order(uow, as_member(bo), delivery_request(variant), at)
        assert isinstance(placed, Moved) and placed.order.id is not None
        order_id = placed.order.id
        for moved in [await confirm_stock(uow, staff, order_id, at), await request_payment(uow, staff, order_id, at),
                      await record_payment(uow, order_id, "ch-1", None, 900_00, "CNY", at),
                      await refund_order(uow, staff, order_id, "changed mind", at)]:
            assert isinstance(moved, Moved), moved
        await uow.commit()

    found = await report(database, shop, 3, T0 + timedelta(days=2, hours=1))

    assert (found.first_day, found.last_day, found.timezone) == (date(2025, 1, 6), date(2025, 1, 8), "Asia/Shanghai")
    [store] = found.stores
    assert (store.code, [(line.name, line.currency) for line in store.associates]) == (
        "PAR01", [("Claire", "CNY"), ("Marc", "CNY")])
    by_claire, by_marc = store.associates
    assert by_claire.total == Tally(orders=2, refunds=1, gross_minor=5_500_00, refunded_minor=2_500_00)
    assert by_claire.total.net_minor == 3_000_00
    assert by_claire.days == ((date(2025, 1, 6), Tally(1, 0, 2_500_00)), (date(2025, 1, 7), Tally(1, 0, 3_000_00)),
                              (date(2025, 1, 8), Tally(0, 1, 0, 2_500_00)))
    assert by_marc.days == ((date(2025, 1, 6), Tally(1, 0, 1_00)), (date(2025, 1, 7), Tally(1, 0, 1_280_00))), (
        "the order of Jan 5 (local) is outside the days asked for; a refund before hand-over was never a sale")
    assert store.totals() == {"CNY": Tally(4, 1, 5_500_00 + 1_281_00, 2_500_00)}

    today = await report(database, shop, 1, T0 + timedelta(days=2, hours=1))
    assert [(line.name, line.total) for line in today.stores[0].associates] == [("Claire", Tally(0, 1, 0, 2_500_00))]


async def test_a_brand_without_sales_has_an_empty_report_and_other_brands_do_not_count(
        database: Database, shop: Shop) -> None:
    assert (await report(database, shop, 7, T0)).stores == ()
    member = await a_linked_member(database, shop)
    await a_picked_up_order(database, shop, member, 10_00, T0)
    async with database.uow() as uow:
        other = await uow.brands.add(type(shop.brand)(name="Other"))
        found = await sales_report(uow, other, 7, T0 + timedelta(hours=1))
    assert found.stores == ()
