"""Availability: associates' working hours and away notices, the auto-replies members got, and escalations of unanswered messages to the store team.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


UNANSWERED = sa.text("status IN ('open', 'claimed')")


def upgrade() -> None:
    with op.batch_alter_table("brand") as batch:
        batch.add_column(sa.Column("auto_reply_hours", sa.Integer(), nullable=False, server_default="12"))
        batch.add_column(sa.Column("escalation_minutes", sa.Integer(), nullable=False, server_default="30"))
    op.create_index("ix_conversation_message_created_at", "conversation_message", ["created_at"])
    op.create_table(
        "associate_availability",
        sa.Column("associate_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hours", sa.String(200), nullable=True),
        sa.Column("away_until", TZ, nullable=True),
        sa.Column("away_note", sa.Text(), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("associate_id", name="pk_associate_availability"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_associate_availability_associate_id_associate"),
    )
    op.create_table(
        "auto_reply",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_auto_reply"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_auto_reply_member_id_member"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_auto_reply_associate_id_associate"),
    )
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("claimed_at", TZ, nullable=True),
        sa.Column("answered_at", TZ, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_escalation"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_escalation_member_id_member"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_escalation_associate_id_associate"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name="fk_escalation_store_id_store"),
        sa.ForeignKeyConstraint(["message_id"], ["conversation_message.id"], name="fk_escalation_message_id_conversation_message"),
        sa.ForeignKeyConstraint(["claimed_by"], ["associate.id"], name="fk_escalation_claimed_by_associate"),
        sa.UniqueConstraint("message_id", name="uq_escalation_message_id"),
    )
    op.create_index("ix_escalation_member_id", "escalation", ["member_id"])
    op.create_index("ix_escalation_store_id_status", "escalation", ["store_id", "status"])
    op.create_index("uq_escalation_open_member_id", "escalation", ["member_id"], unique=True,
                    sqlite_where=UNANSWERED, postgresql_where=UNANSWERED)
    op.create_table(
        "escalation_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_notice"),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"], name="fk_escalation_notice_escalation_id_escalation"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_escalation_notice_associate_id_associate"),
        sa.UniqueConstraint("outbox_id", name="uq_escalation_notice_outbox_id"),
    )
    op.create_index("ix_escalation_notice_escalation_id", "escalation_notice", ["escalation_id"])


def downgrade() -> None:
    op.drop_index("ix_escalation_notice_escalation_id", table_name="escalation_notice")
    op.drop_table("escalation_notice")
    op.drop_index("uq_escalation_open_member_id", table_name="escalation")
    op.drop_index("ix_escalation_store_id_status", table_name="escalation")
    op.drop_index("ix_escalation_member_id", table_name="escalation")
    op.drop_table("escalation")
    op.drop_table("auto_reply")
    op.drop_table("associate_availability")
    op.drop_index("ix_conversation_message_created_at", table_name="conversation_message")
    with op.batch_alter_table("brand") as batch:
        batch.drop_column("escalation_minutes")
        batch.drop_column("auto_reply_hours")
