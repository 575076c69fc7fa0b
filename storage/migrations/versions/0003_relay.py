"""Relay: the brand-owned conversation history, and finding a relayed message by the
Telegram message id it was delivered as.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("source_message_id", sa.BigInteger(), nullable=True),
        sa.Column("relay_outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_message"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_conversation_message_member_id_member"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_conversation_message_associate_id_associate"),
    )
    op.create_index("ix_conversation_message_member_id_id", "conversation_message", ["member_id", "id"])
    op.create_index("ix_conversation_message_relay_outbox_id", "conversation_message", ["relay_outbox_id"])
    op.create_index("ix_outbox_bot_chat_id_telegram_message_id", "outbox", ["bot", "chat_id", "telegram_message_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_bot_chat_id_telegram_message_id", table_name="outbox")
    op.drop_table("conversation_message")
