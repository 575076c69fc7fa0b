"""The brand file's `shop:` section, stored and applied: tiers follow the brand's thresholds,
points its rate, holds its minutes, same-day delivery its radius; defaults without it."""

from __future__ import annotations

from datetime import timedelta

from bot.cli.brandfile import document_from_mapping
from commerce.brand_plan import plan_brand
from commerce.onboarding import apply_brand_plan
from commerce.order_moves import Moved
from commerce.order_values import Delivery
from commerce.ordering import NotPlaced, OrderRequest, Problem, confirm_stock, place_order
from commerce.orders import Fulfilment, Payment
from commerce.points import TierThresholds
from commerce.shop_policy import DEFAULT_SHOP_POLICY, shop_policy
from storage.uow import Database
from tests.fixtures_db import T0, Shop
from tests.orders_fixtures import a_linked_member, a_sku, as_associate, as_member
from tests.shop_fixtures import a_picked_up_order

KEY = b"shop-policy-test-signing-key-0123456789"
SHOP = {"currency": "CNY", "tiers": {"Gold": "10,000", "Silver": 2000, "Platinum": "30,000.00"},
        "points_per_unit": 2, "hold_minutes": 45, "same_day_radius_km": 5}


async def load_shop(database: Database, shop: Shop, section: dict) -> str:
    async with database.uow() as uow:
        plan = plan_brand(document_from_mapping({"shop": section}, "brand.yaml"))
        summary = await apply_brand_plan(uow, shop.brand, plan, key=KEY, now=T0)
        await uow.commit()
    tally = summary.shop
    return "created" if tally.created else "updated" if tally.updated else "unchanged"


async def test_the_shop_section_is_stored_once_and_replaced_when_it_changes(database: Database, shop: Shop) -> None:
    async with database.uow() as uow:
        assert await shop_policy(uow, shop.brand.id) is DEFAULT_SHOP_POLICY, "no section: the defaults"

    assert await load_shop(database, shop, SHOP) == "created"
    assert await load_shop(database, shop, SHOP) == "unchanged"
    async with database.uow() as uow:
        policy = await shop_policy(uow, shop.brand.id)
    assert policy.tiers.steps == (("Silver", 200_000), ("Gold", 1_000_000), ("Platinum", 3_000_000))
    assert (policy.points.points_per_unit, policy.hold_for, policy.same_day_radius_km, policy.currency) == (
        2, timedelta(minutes=45), 5.0, "CNY")

    assert await load_shop(database, shop, {"currency": "CNY"}) == "updated"
    async with database.uow() as uow:
        policy = await shop_policy(uow, shop.brand.id)
    assert policy.tiers == TierThresholds() and policy.points.points_per_unit == 1, "omitted fields: their defaults"
    assert policy.hold_for == timedelta(hours=2) and policy.same_day_radius_km == 10.0


async def test_a_members_tier_follows_their_spend_on_the_brands_thresholds(database: Database, shop: Shop) -> None:
    await load_shop(database, shop, SHOP)
    member = await a_linked_member(database, shop)

    first = await a_picked_up_order(database, shop, member, 2_500_00, T0)
    second = await a_picked_up_order(database, shop, member, 8_000_00, T0 + timedelta(days=30))
    # A year after the first order, only the second one counts.
    third = await a_picked_up_order(database, shop, member, 1_00, T0 + timedelta(days=366))

    # The default ladder starts Silver at ¥5,000: the brand's at ¥2,000.
    assert (first.points, first.tier) == (5_000, "Silver"), "two points per yuan"
    assert (second.points, second.tier) == (16_000, "Gold"), "¥10,500 in 12 months"
    assert (third.points, third.tier) == (2, "Silver"), "¥8,001 in the last 12 months"
    async with database.uow() as uow:
        assert (await uow.members.get(member.id)).tier == "Silver"  # type: ignore[union-attr, arg-type]
        assert await uow.orders.points_balance(member.id) == 21_002  # type: ignore[arg-type]


async def test_held_stock_waits_the_brands_minutes(database: Database, shop: Shop) -> None:
    await load_shop(database, shop, SHOP)
    member = await a_linked_member(database, shop)
    variant = await a_sku(database, shop)
    request = OrderRequest(variant, 1, Fulfilment.DELIVERY, Payment.INVOICE, Delivery(address="1 Madang Road"))

    async with database.uow() as uow:
        placed = await place_order(uow, as_member(member), request, T0)
        assert isinstance(placed, Moved) and placed.order.id is not None
        confirmed = await confirm_stock(uow, as_associate(shop.associate, shop), placed.order.id, T0)
        await uow.commit()

    assert isinstance(confirmed, Moved) and confirmed.order.hold_expires_at == T0 + timedelta(minutes=45)


async def test_same_day_delivery_reaches_as_far_as_the_brand_says(database: Database, shop: Shop) -> None:
    async with database.uow() as uow:
        store = await uow.stores.get(shop.store.id)
        store.latitude, store.longitude = 31.2196, 121.4747  # type: ignore[union-attr]
        await uow.stores.update(store)  # type: ignore[arg-type]
        await uow.commit()
    member = await a_linked_member(database, shop)
    variant = await a_sku(database, shop)

    async def order_to(latitude: float, fulfilment: Fulfilment = Fulfilment.DELIVERY) -> object:
        request = OrderRequest(variant, 1, fulfilment, Payment.INVOICE, Delivery(latitude=latitude, longitude=121.4747))
        async with database.uow() as uow:
            return await place_order(uow, as_member(member), request, T0)

    # 0.06° of latitude is about 6.7 km.
    assert isinstance(await order_to(31.2796), Moved), "within the default 10 km"
    await load_shop(database, shop, SHOP)
    assert await order_to(31.2796) == NotPlaced(Problem.OUT_OF_RANGE), "beyond the brand's 5 km"
    assert isinstance(await order_to(31.2496), Moved), "3.3 km"
    assert isinstance(await order_to(31.2796, Fulfilment.EXPRESS), Moved), "express goes anywhere"
