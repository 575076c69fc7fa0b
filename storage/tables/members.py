"""Members, their links to associates (with history) and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import TelegramId, _partial
from storage.types import UTCDateTime, json_type


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (
        sa.UniqueConstraint("brand_id", "telegram_user_id", name="uq_member_brand_id_telegram_user_id"),
        # Recruitment counts: one range of a brand's enrolments per reporting period.
        sa.Index("ix_member_brand_id_enrolled_at", "brand_id", "enrolled_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")
    telegram_user_id: int = Field(sa_type=TelegramId)
    first_name: str = Field(sa_type=sa.String(200))
    last_name: str | None = Field(default=None, sa_type=sa.String(200))
    username: str | None = Field(default=None, sa_type=sa.String(64))
    language_code: str | None = Field(default=None, sa_type=sa.String(16))
    store_id: int | None = Field(default=None, foreign_key="store.id", index=True)
    source_associate_id: int | None = Field(default=None, foreign_key="associate.id")
    consent_chat: bool
    consent_marketing: bool
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reachable: bool
    phone: str | None = Field(default=None, sa_type=sa.String(32))
    enrolled_at: datetime = Field(sa_type=UTCDateTime)
    tier: str | None = Field(default=None, sa_type=sa.String(32))  # migration 0005


class LinkRow(SQLModel, table=True):
    """Who owns a member, and since when. Ended links stay as history."""

    __tablename__ = "link"
    __table_args__ = (
        # A member is owned by at most one associate at a time; a race between two
        # enrolments or reassignments fails here instead of leaving two owners.
        sa.Index("uq_link_open_member_id", "member_id", unique=True, **_partial("ended_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    associate_id: int = Field(foreign_key="associate.id", index=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(sa_type=sa.String(32))
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, sa_type=sa.String(32))


class AuditLogRow(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(sa_type=sa.String(64))
    action: str = Field(sa_type=sa.String(64))
    subject: str = Field(sa_type=sa.String(64), index=True)
    details: dict[str, Any] = Field(sa_type=json_type())
