"""SQLModel tables: the core schema (brand, people, links, inbox, outbox, audit) and the
one-scan tables (associate invites, reward rules and coupons, scans, blobs).

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
    welcome_text: str | None = Field(default=None, sa_type=sa.Text)
    # Server defaults fill the rows that existed before the column (migration 0002).
    leaderboard_time: str = Field(default="21:00", sa_type=sa.String(8),
                                  sa_column_kwargs={"server_default": "21:00"})
    auto_reply_hours: int = Field(default=12, sa_column_kwargs={"server_default": "12"})  # migration 0004
    escalation_minutes: int = Field(default=30, sa_column_kwargs={"server_default": "30"})  # migration 0004


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


class InboundUpdateRow(SQLModel, table=True):
    """Telegram updates, recorded before they are acknowledged (dedupe on update_id)."""

    __tablename__ = "inbound_update"
    __table_args__ = (
        sa.UniqueConstraint("bot", "update_id", name="uq_inbound_update_bot_update_id"),
        # The recovery sweep looks for RECEIVED updates older than a cut-off.
        sa.Index("ix_inbound_update_status_received_at", "status", "received_at"),
        # A chat's oldest RECEIVED update: handled first, whoever recorded it.
        sa.Index("ix_inbound_update_bot_chat_id_status_update_id", "bot", "chat_id", "status", "update_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    update_id: int = Field(sa_type=sa.BigInteger)
    payload: dict[str, Any] = Field(sa_type=json_type())
    status: str = Field(sa_type=sa.String(16))
    received_at: datetime = Field(sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_type=sa.Text)
    chat_id: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class OutboxRow(SQLModel, table=True):
    """Bot API calls waiting for the sender. The id is the delivery order within a chat."""

    __tablename__ = "outbox"
    __table_args__ = (
        # A chat's pending messages by id, whatever their purpose (its order).
        sa.Index("ix_outbox_status_bot_chat_id_id", "status", "bot", "chat_id", "id"),
        # The sweep's per-lane reads: the chats with pending rows of some purposes
        # (migration 0010).
        sa.Index("ix_outbox_status_purpose_bot_chat_id_id", "status", "purpose", "bot", "chat_id", "id"),
        # The relay finds the relayed message an associate replied to (migration 0003).
        sa.Index("ix_outbox_bot_chat_id_telegram_message_id", "bot", "chat_id", "telegram_message_id"),
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
    # commerce.model.OutboxPurpose. The server default covers rows written before 0010 and
    # by a process of the older version still running during an upgrade.
    purpose: str = Field(default="reply", sa_type=sa.String(16), sa_column_kwargs={"server_default": "reply"})
    campaign_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditLogRow(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(sa_type=sa.String(64))
    action: str = Field(sa_type=sa.String(64))
    subject: str = Field(sa_type=sa.String(64), index=True)
    details: dict[str, Any] = Field(sa_type=json_type())


# --- One-scan: associate onboarding, enrollment rewards, scans, blobs ---------------


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


class BlobRow(SQLModel, table=True):
    """Bytes the bots send (posters, relayed photos), stored once per content hash."""

    __tablename__ = "blob"
    __table_args__ = (sa.UniqueConstraint("sha256", name="uq_blob_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(sa_type=sa.String(64))  # hex digest of content
    content: bytes = Field(sa_type=sa.LargeBinary)
    mime_type: str = Field(sa_type=sa.String(128))
    filename: str = Field(sa_type=sa.String(255))
    created_at: datetime = Field(sa_type=UTCDateTime)


class BlobFileRow(SQLModel, table=True):
    """The file_id a bot got from Telegram for a blob: file_ids are per bot, and reusing
    one saves uploading the bytes again."""

    __tablename__ = "blob_file"
    __table_args__ = (sa.UniqueConstraint("bot", "blob_id", name="uq_blob_file_bot_blob_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    blob_id: int = Field(foreign_key="blob.id")
    file_id: str = Field(sa_type=sa.Text)


# --- Relay: the brand-owned conversation ---------------------------------------------


class ConversationMessageRow(SQLModel, table=True):
    """Every message between a member and their associate, both ways (brand-owned)."""

    __tablename__ = "conversation_message"
    __table_args__ = (
        # A member's history, newest first, paged by id.
        sa.Index("ix_conversation_message_member_id_id", "member_id", "id"),
        sa.Index("ix_conversation_message_relay_outbox_id", "relay_outbox_id"),
        # The escalation job's look at the last days' messages (migration 0004).
        sa.Index("ix_conversation_message_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    associate_id: int = Field(foreign_key="associate.id")
    direction: str = Field(sa_type=sa.String(8))
    kind: str = Field(sa_type=sa.String(16))
    text: str | None = Field(default=None, sa_type=sa.Text)
    source_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    # No foreign key: outbox rows may be pruned one day, the history stays.
    relay_outbox_id: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)

