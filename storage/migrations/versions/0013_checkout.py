"""Checkout: one open checkout per member (its step and choices).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "checkout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("reserve", sa.Boolean(), nullable=False),
        sa.Column("fulfilment", sa.String(16), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("use_reward", sa.Boolean(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checkout"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_checkout_member_id_member"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name="fk_checkout_product_id_product"),
        sa.ForeignKeyConstraint(["variant_id"], ["variant.id"], name="fk_checkout_variant_id_variant"),
        sa.UniqueConstraint("member_id", name="uq_checkout_member_id"),
    )


def downgrade() -> None:
    op.drop_table("checkout")
