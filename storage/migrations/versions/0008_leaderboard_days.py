"""The daily leaderboard's days, claimed in the transaction that queues their messages,
and blob expiry, so that the leaderboard's images do not pile up.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leaderboard_day",
        sa.Column("brand_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queued_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("brand_id", "day", name="pk_leaderboard_day"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_leaderboard_day_brand_id_brand"),
    )
    op.create_table(
        "blob_expiry",
        sa.Column("blob_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("blob_id", name="pk_blob_expiry"),
        sa.ForeignKeyConstraint(["blob_id"], ["blob.id"], name="fk_blob_expiry_blob_id_blob"),
    )
    op.create_index("ix_blob_expiry_expires_at", "blob_expiry", ["expires_at"])


def downgrade() -> None:
    op.drop_table("blob_expiry")
    op.drop_table("leaderboard_day")
