"""The inbox knows each update's chat and how often handling it began: a chat's updates are
handled in update_id order whoever recorded them (a crashed process's first), and an update
that keeps failing ends after a bounded number of attempts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_update") as batch:
        batch.add_column(sa.Column("chat_id", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_inbound_update_bot_chat_id_status_update_id", "inbound_update",
                    ["bot", "chat_id", "status", "update_id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_update_bot_chat_id_status_update_id", "inbound_update")
    with op.batch_alter_table("inbound_update") as batch:
        batch.drop_column("attempts")
        batch.drop_column("chat_id")
