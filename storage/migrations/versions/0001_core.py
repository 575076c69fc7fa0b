"""Core schema: brand, stores, associates, HQ operators, members, links, inbox, outbox, audit.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def partial(where: str) -> dict[str, object]:
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def upgrade() -> None:
    op.create_table(
        "brand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("colour", sa.String(16), nullable=False),
        sa.Column("default_locale", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_brand"),
    )
    op.create_table(
        "store",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("hours", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_store_brand_id_brand"),
        sa.UniqueConstraint("code", name="uq_store_code"),
    )
    op.create_table(
        "associate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("short_code", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("welcome_text", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_associate"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name="fk_associate_store_id_store"),
        sa.UniqueConstraint("short_code", name="uq_associate_short_code"),
    )
    op.create_index("ix_associate_store_id", "associate", ["store_id"])
    op.create_index("uq_associate_telegram_user_id", "associate", ["telegram_user_id"], unique=True,
                    **partial("telegram_user_id IS NOT NULL"))
    op.create_table(
        "hq_operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_hq_operator"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_hq_operator_brand_id_brand"),
    )
    op.create_index("ix_hq_operator_brand_id", "hq_operator", ["brand_id"])
    op.create_index("uq_hq_operator_telegram_user_id", "hq_operator", ["telegram_user_id"], unique=True,
                    **partial("telegram_user_id IS NOT NULL"))
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(200), nullable=False),
        sa.Column("last_name", sa.String(200), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("language_code", sa.String(16), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("source_associate_id", sa.Integer(), nullable=True),
        sa.Column("consent_chat", sa.Boolean(), nullable=False),
        sa.Column("consent_marketing", sa.Boolean(), nullable=False),
        sa.Column("unsubscribed_at", TZ, nullable=True),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("enrolled_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_member_brand_id_brand"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name="fk_member_store_id_store"),
        sa.ForeignKeyConstraint(["source_associate_id"], ["associate.id"],
                                name="fk_member_source_associate_id_associate"),
        sa.UniqueConstraint("brand_id", "telegram_user_id", name="uq_member_brand_id_telegram_user_id"),
    )
    op.create_index("ix_member_store_id", "member", ["store_id"])
    op.create_table(
        "link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_link"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_link_member_id_member"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_link_associate_id_associate"),
    )
    op.create_index("ix_link_member_id", "link", ["member_id"])
    op.create_index("ix_link_associate_id", "link", ["associate_id"])
    op.create_index("uq_link_open_member_id", "link", ["member_id"], unique=True, **partial("ended_at IS NULL"))
    op.create_table(
        "inbound_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("processed_at", TZ, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_update"),
        sa.UniqueConstraint("bot", "update_id", name="uq_inbound_update_bot_update_id"),
    )
    op.create_index("ix_inbound_update_status_received_at", "inbound_update", ["status", "received_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_status_bot_chat_id_id", "outbox", ["status", "bot", "chat_id", "id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"])


def downgrade() -> None:
    for table in ("audit_log", "outbox", "inbound_update", "link", "member", "hq_operator", "associate",
                  "store", "brand"):
        op.drop_table(table)
