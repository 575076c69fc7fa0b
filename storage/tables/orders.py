"""Orders: their lines, every transition with who made it and why, the stock they hold,
and the points members earn from them.

A status is a short string (commerce.orders names them). Money is in the currency's minor
unit. An order keeps the associate it was attributed to when it was placed, even if the
member later moves to another associate.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import _partial
from storage.types import UTCDateTime


class OrderRow(SQLModel, table=True):
    __tablename__ = "shop_order"  # "order" is an SQL keyword
    __table_args__ = (
        sa.CheckConstraint("total_minor >= 0", name="total_not_negative"),
        # A member's orders, newest first; an associate's pipeline by status.
        sa.Index("ix_shop_order_member_id_created_at", "member_id", "created_at"),
        sa.Index("ix_shop_order_associate_id_status", "associate_id", "status"),
        # A Telegram payment is recorded once, whoever delivers the update twice.
        sa.Index("uq_shop_order_telegram_charge_id", "telegram_charge_id", unique=True,
                 **_partial("telegram_charge_id IS NOT NULL")),
        # The enrollment reward is redeemed by one order at most.
        sa.Index("uq_shop_order_coupon_id", "coupon_id", unique=True, **_partial("coupon_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")
    member_id: int = Field(foreign_key="member.id")
    associate_id: int | None = Field(default=None, foreign_key="associate.id")  # attribution at order time
    store_id: int = Field(foreign_key="store.id")  # the store that holds the stock and fulfils
    status: str = Field(sa_type=sa.String(24))
    fulfilment: str = Field(sa_type=sa.String(16))  # delivery / pickup / express
    payment: str = Field(sa_type=sa.String(16))  # invoice / on_delivery / at_pickup
    currency: str = Field(sa_type=sa.String(3))
    subtotal_minor: int = Field(sa_type=sa.BigInteger)
    discount_minor: int = Field(default=0, sa_type=sa.BigInteger)
    total_minor: int = Field(sa_type=sa.BigInteger)
    coupon_id: int | None = Field(default=None, foreign_key="coupon.id")
    contact_name: str | None = Field(default=None, sa_type=sa.String(200))
    phone: str | None = Field(default=None, sa_type=sa.String(32))
    address: str | None = Field(default=None, sa_type=sa.Text)
    latitude: float | None = None
    longitude: float | None = None
    courier: str | None = Field(default=None, sa_type=sa.String(64))
    tracking_number: str | None = Field(default=None, sa_type=sa.String(64))
    eta: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hold_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    telegram_charge_id: str | None = Field(default=None, sa_type=sa.String(255))
    provider_charge_id: str | None = Field(default=None, sa_type=sa.String(255))
    campaign_id: int | None = Field(default=None, sa_type=sa.BigInteger)  # last-touch attribution (campaigns)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = 1  # bumped by every transition: two racing transitions cannot both apply


class OrderLineRow(SQLModel, table=True):
    __tablename__ = "order_line"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    variant_id: int = Field(foreign_key="variant.id")
    quantity: int
    list_price_minor: int = Field(sa_type=sa.BigInteger)
    unit_price_minor: int = Field(sa_type=sa.BigInteger)  # what the member pays (member price by tier)
    proposed_variant_id: int | None = Field(default=None, foreign_key="variant.id")  # another SKU offered instead


class OrderEventRow(SQLModel, table=True):
    """One transition of an order: when, by whom (member, associate, courier, system, api), why."""

    __tablename__ = "order_event"
    __table_args__ = (
        sa.Index("ix_order_event_order_id_at", "order_id", "at"),
        # An event from the brand's systems (or a payment) is applied once per event id.
        sa.Index("uq_order_event_order_id_event_key", "order_id", "event_key", unique=True,
                 **_partial("event_key IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id")
    at: datetime = Field(sa_type=UTCDateTime)
    action: str = Field(sa_type=sa.String(24))  # commerce.orders.Action: cancel, decline and expire all end "cancelled"
    actor: str = Field(sa_type=sa.String(16))
    actor_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    from_status: str | None = Field(default=None, sa_type=sa.String(24))
    to_status: str = Field(sa_type=sa.String(24))
    reason: str | None = Field(default=None, sa_type=sa.Text)
    event_key: str | None = Field(default=None, sa_type=sa.String(128))


class StockHoldRow(SQLModel, table=True):
    """Units of a SKU in a store that an order holds (counted in stock.held until released)."""

    __tablename__ = "stock_hold"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        # The sweep for expired holds: one range of the open ones.
        sa.Index("ix_stock_hold_open_expires_at", "expires_at", **_partial("released_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    store_id: int = Field(foreign_key="store.id")
    variant_id: int = Field(foreign_key="variant.id")
    quantity: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PointsEntryRow(SQLModel, table=True):
    """A change of a member's points: earned on delivery, reversed on refund, adjusted."""

    __tablename__ = "points_entry"
    __table_args__ = (
        sa.Index("ix_points_entry_member_id_at", "member_id", "at"),
        # An order earns (and loses) its points once.
        sa.Index("uq_points_entry_order_id_reason", "order_id", "reason", unique=True,
                 **_partial("order_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    order_id: int | None = Field(default=None, foreign_key="shop_order.id")
    delta: int
    reason: str = Field(sa_type=sa.String(32))
    at: datetime = Field(sa_type=UTCDateTime)
