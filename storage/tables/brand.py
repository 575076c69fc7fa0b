"""The brand and its people: stores, associates, HQ operators, associate invites."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import TelegramId, _partial
from storage.types import UTCDateTime, json_type


class BrandRow(SQLModel, table=True):
    __tablename__ = "brand"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(200))
    colour: str = Field(sa_type=sa.String(16))
    default_locale: str = Field(sa_type=sa.String(16))
    timezone: str = Field(sa_type=sa.String(64))
    welcome_text: str | None = Field(default=None, sa_type=sa.Text)
    # Server defaults fill the rows that existed before the column (migration 0002).
    leaderboard_time: str = Field(default="21:00", sa_type=sa.String(8),
                                  sa_column_kwargs={"server_default": "21:00"})
    auto_reply_hours: int = Field(default=12, sa_column_kwargs={"server_default": "12"})  # migration 0004
    escalation_minutes: int = Field(default=30, sa_column_kwargs={"server_default": "30"})  # migration 0004


class BrandShopRow(SQLModel, table=True):
    """The brand file's `shop:` section: tiers, points, holds, same-day radius (migration 0014).
    No row: the code's defaults (commerce.shop_policy)."""

    __tablename__ = "brand_shop"

    brand_id: int = Field(primary_key=True, foreign_key="brand.id")
    currency: str = Field(sa_type=sa.String(3))  # ISO 4217: the tier thresholds are in it
    tiers: list[dict] = Field(default_factory=list, sa_type=json_type())  # [{"name": "Gold", "spend_minor": 1000000}], lowest first
    points_per_unit: int
    hold_minutes: int
    same_day_radius_km: float


class StoreRow(SQLModel, table=True):
    __tablename__ = "store"
    __table_args__ = (sa.UniqueConstraint("code", name="uq_store_code"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")
    code: str = Field(sa_type=sa.String(32))
    name: str = Field(sa_type=sa.String(200))
    address: str = Field(sa_type=sa.Text)
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = Field(sa_type=sa.String(64))
    hours: str = Field(sa_type=sa.String(200))


class AssociateRow(SQLModel, table=True):
    __tablename__ = "associate"
    __table_args__ = (
        sa.UniqueConstraint("short_code", name="uq_associate_short_code"),
        # Unbound associates (no Telegram account yet) do not collide with each other.
        sa.Index(
            "uq_associate_telegram_user_id", "telegram_user_id", unique=True,
            **_partial("telegram_user_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id", index=True)
    display_name: str = Field(sa_type=sa.String(200))
    short_code: str = Field(sa_type=sa.String(32))
    status: str = Field(sa_type=sa.String(16))
    telegram_user_id: int | None = Field(default=None, sa_type=TelegramId)
    locale: str = Field(sa_type=sa.String(16))
    welcome_text: str | None = Field(default=None, sa_type=sa.Text)
    is_manager: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    staff_bot_since: datetime | None = Field(default=None, sa_type=UTCDateTime)  # first opened the staff bot (0007)


class HQOperatorRow(SQLModel, table=True):
    __tablename__ = "hq_operator"
    __table_args__ = (
        sa.Index(
            "uq_hq_operator_telegram_user_id", "telegram_user_id", unique=True,
            **_partial("telegram_user_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    name: str = Field(sa_type=sa.String(200))
    telegram_user_id: int | None = Field(default=None, sa_type=TelegramId)
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AssociateInviteRow(SQLModel, table=True):
    """Single-use invites binding a Telegram account to an associate (token hash only)."""

    __tablename__ = "associate_invite"
    __table_args__ = (sa.UniqueConstraint("token_hash", name="uq_associate_invite_token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    associate_id: int = Field(foreign_key="associate.id")
    token_hash: str = Field(sa_type=sa.String(64))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_telegram_user_id: int | None = Field(default=None, sa_type=TelegramId)
