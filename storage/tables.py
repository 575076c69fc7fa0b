"""SQLModel tables of the core schema (brand, people, links, inbox, outbox, audit).

These classes describe storage, not the domain: repositories map them to and from the
commerce.model dataclasses (storage/mapping.py). Enumerations are stored as short
strings so that adding a value never needs a type migration. Every datetime column is
UTCDateTime: aware UTC in, aware UTC out, on both dialects.

storage/migrations/versions must produce exactly this schema; tests/storage compare
alembic's autogenerate diff against this metadata on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, json_type

# Telegram user and chat ids exceed 32 bits.
TelegramId = sa.BigInteger


def _partial(column: str) -> dict[str, Any]:
    """The same WHERE clause for a partial index on both dialects."""
    where = sa.text(column)
    return {"sqlite_where": where, "postgresql_where": where}


class BrandRow(SQLModel, table=True):
    __tablename__ = "brand"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(200))
    colour: str = Field(sa_type=sa.String(16))
    default_locale: str = Field(sa_type=sa.String(16))
    timezone: str = Field(sa_type=sa.String(64))


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
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (
        sa.UniqueConstraint("brand_id", "telegram_user_id", name="uq_member_brand_id_telegram_user_id"),
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


class InboundUpdateRow(SQLModel, table=True):
    """Telegram updates, recorded before they are acknowledged (dedupe on update_id)."""

    __tablename__ = "inbound_update"
    __table_args__ = (
        sa.UniqueConstraint("bot", "update_id", name="uq_inbound_update_bot_update_id"),
        # The recovery sweep looks for RECEIVED updates older than a cut-off.
        sa.Index("ix_inbound_update_status_received_at", "status", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    update_id: int = Field(sa_type=sa.BigInteger)
    payload: dict[str, Any] = Field(sa_type=json_type())
    status: str = Field(sa_type=sa.String(16))
    received_at: datetime = Field(sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_type=sa.Text)


class OutboxRow(SQLModel, table=True):
    """Bot API calls waiting for the sender. The id is the delivery order within a chat."""

    __tablename__ = "outbox"
    __table_args__ = (
        # Serves both sender queries: pending chats, and a chat's pending messages by id.
        sa.Index("ix_outbox_status_bot_chat_id_id", "status", "bot", "chat_id", "id"),
        # SQLite would otherwise reuse the id of a deleted newest row.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    chat_id: int = Field(sa_type=TelegramId)
    method: str = Field(sa_type=sa.String(64))
    params: dict[str, Any] = Field(sa_type=json_type())
    status: str = Field(sa_type=sa.String(16))
    attempts: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the sender last changed the row (sent, retried, gave up): for operators
    # looking at stuck or failed messages. Not part of the domain object.
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    telegram_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    error: str | None = Field(default=None, sa_type=sa.Text)


class AuditLogRow(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(sa_type=sa.String(64))
    action: str = Field(sa_type=sa.String(64))
    subject: str = Field(sa_type=sa.String(64), index=True)
    details: dict[str, Any] = Field(sa_type=json_type())


CORE_TABLES = (
    BrandRow, StoreRow, AssociateRow, HQOperatorRow, MemberRow, LinkRow,
    InboundUpdateRow, OutboxRow, AuditLogRow,
)
