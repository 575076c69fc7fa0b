"""Enrollment reward rules, coupons, and scans of associates' codes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import TelegramId, _partial
from storage.types import UTCDateTime


class RewardRuleRow(SQLModel, table=True):
    __tablename__ = "reward_rule"
    __table_args__ = (
        # One active rule per brand: two rules added at once cannot both stay active.
        sa.Index("uq_reward_rule_active_brand_id", "brand_id", unique=True, **_partial("active")),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")
    percent_off: int
    valid_days: int
    code_prefix: str = Field(sa_type=sa.String(32))
    active: bool


class CouponRow(SQLModel, table=True):
    __tablename__ = "coupon"
    __table_args__ = (sa.UniqueConstraint("code", name="uq_coupon_code"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    rule_id: int = Field(foreign_key="reward_rule.id")
    code: str = Field(sa_type=sa.String(64))
    percent_off: int
    issued_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ScanRow(SQLModel, table=True):
    """Every scan of an enrollment code, whatever its outcome, for attribution."""

    __tablename__ = "scan"
    __table_args__ = (
        # An associate's scans over a period.
        sa.Index("ix_scan_associate_id_at", "associate_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=TelegramId, index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    outcome: str = Field(sa_type=sa.String(32))
    associate_id: int | None = Field(default=None, foreign_key="associate.id")
    member_id: int | None = Field(default=None, foreign_key="member.id")
