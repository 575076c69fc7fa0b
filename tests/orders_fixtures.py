"""A small shop to order from, for the order tests: SKUs with stock in the `shop` fixture's
store, members linked to its associate, and the identities people act with. Rows are
written straight into the tables (the catalog's own import is another module's business).

    variant = await a_sku(database, shop, on_hand=5)
    member = await a_linked_member(database, shop)
    placed = await place_order(uow, as_member(member), OrderRequest(variant, 1, ...), T0)
"""

from __future__ import annotations

import zlib
from datetime import timedelta

import sqlalchemy as sa

from commerce.bots import Role
from commerce.identity import Identity
from commerce.order_values import Delivery
from commerce.ordering import OrderRequest
from commerce.orders import Fulfilment, Payment
from commerce.people import Associate, HQOperator, Link, Member
from commerce.rewards import Coupon, RewardRule
from storage.tables.catalog import MemberPriceRow, ProductRow, StockRow, VariantRow
from storage.tables.orders import OrderEventRow, PointsEntryRow, StockHoldRow
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member

ADDRESS = Delivery(contact_name="Ana", phone="+33 6 00 00 00 00", address="1 rue de la Paix, Paris")


async def a_sku(database: Database, shop: Shop, sku: str = "SCARF-RED", price_minor: int = 128_000,
                on_hand: int = 5, member_prices: dict[str, int] | None = None, currency: str = "CNY") -> int:
    """A product with one SKU on sale, `on_hand` of it in the shop's store; its variant id."""
    async with database.uow() as uow:
        product = (await uow.session.execute(sa.insert(ProductRow).values(
            brand_id=shop.brand.id, code=f"P-{sku}", name=f"Product {sku}", category="scarves", tags=[],
            currency=currency, created_at=T0, updated_at=T0).returning(ProductRow.id))).scalar_one()
        variant = (await uow.session.execute(sa.insert(VariantRow).values(
            brand_id=shop.brand.id, product_id=product, sku=sku, price_minor=price_minor)
            .returning(VariantRow.id))).scalar_one()
        for tier, price in (member_prices or {}).items():
            await uow.session.execute(sa.insert(MemberPriceRow).values(variant_id=variant, tier=tier, price_minor=price))
        await uow.session.execute(sa.insert(StockRow).values(store_id=shop.store.id, variant_id=variant,
                                                             on_hand=on_hand, held=0, updated_at=T0))
        await uow.commit()
    return int(variant)


async def stock_of(database: Database, shop: Shop, variant_id: int) -> tuple[int, int]:
    """(on_hand, held) of the SKU in the shop's store."""
    async with database.uow() as uow:
        row = (await uow.session.execute(sa.select(StockRow.on_hand, StockRow.held).where(
            StockRow.store_id == shop.store.id, StockRow.variant_id == variant_id))).one()
    return int(row[0]), int(row[1])


async def count_rows(database: Database, table: type, **where: object) -> int:
    async with database.uow() as uow:
        stmt = sa.select(sa.func.count()).select_from(table)
        for column, value in where.items():
            stmt = stmt.where(getattr(table, column) == value)
        return int((await uow.session.execute(stmt)).scalar_one())


async def footprint(database: Database) -> tuple[int, ...]:
    """How many order events, holds and points entries there are, and all stock held: a
    refusal leaves it as it was."""
    async with database.uow() as uow:
        held = (await uow.session.execute(sa.select(sa.func.coalesce(sa.func.sum(StockRow.held), 0)))).scalar_one()
    return (await count_rows(database, OrderEventRow), await count_rows(database, StockHoldRow),
            await count_rows(database, PointsEntryRow), int(held))


async def a_linked_member(database: Database, shop: Shop, telegram_user_id: int = 7_000_000_001,
                          tier: str | None = None, associate: Associate | None = None) -> Member:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop, telegram_user_id, tier=tier))
        await uow.links.add(Link(member_id=member.id, associate_id=(associate or shop.associate).id, started_at=T0))
        await uow.commit()
    return member


async def another_associate(database: Database, shop: Shop, name: str = "Marc", manager: bool = False) -> Associate:
    async with database.uow() as uow:
        associate = await uow.associates.add(Associate(
            store_id=shop.store.id, display_name=name, short_code=name.upper() + "1",
            telegram_user_id=5_000_100_000 + zlib.crc32(name.encode()) % 100_000, is_manager=manager, created_at=T0))
        await uow.commit()
    return associate


async def a_reward(database: Database, shop: Shop, member: Member, percent_off: int = 10, days: int = 30) -> Coupon:
    async with database.uow() as uow:
        rule = await uow.rewards.add_rule(RewardRule(brand_id=shop.brand.id, percent_off=percent_off))
        coupon = await uow.rewards.add_coupon(Coupon(
            member_id=member.id, rule_id=rule.id, code=f"WELCOME-{member.id}", percent_off=percent_off,
            issued_at=T0, expires_at=T0 + timedelta(days=days)))
        await uow.commit()
    return coupon


def as_member(member: Member) -> Identity:
    return Identity(Role.MEMBER, member.telegram_user_id, member=member)


def as_associate(associate: Associate, shop: Shop) -> Identity:
    return Identity(Role.ASSOCIATE, associate.telegram_user_id or 0, associate=associate, store=shop.store)


def as_hq(shop: Shop, brand_id: int | None = None) -> Identity:
    operator = HQOperator(brand_id=brand_id or shop.brand.id, name="Hannah", telegram_user_id=5_000_000_009, id=1)
    return Identity(Role.HQ, 5_000_000_009, hq=operator)


def delivery_request(variant_id: int, quantity: int = 1, payment: Payment = Payment.INVOICE,
                     use_reward: bool = False) -> OrderRequest:
    return OrderRequest(variant_id, quantity, Fulfilment.DELIVERY, payment, ADDRESS, use_reward)


def pickup_request(variant_id: int, quantity: int = 1, payment: Payment = Payment.AT_PICKUP) -> OrderRequest:
    return OrderRequest(variant_id, quantity, Fulfilment.PICKUP, payment, Delivery(contact_name="Ana"))
