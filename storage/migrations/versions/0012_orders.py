"""Orders: lines, transitions (who, when, why), stock holds and members' points.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


def _where(clause: str) -> dict[str, sa.TextClause]:
    return {"sqlite_where": sa.text(clause), "postgresql_where": sa.text(clause)}


def upgrade() -> None:
    op.create_table(
        "shop_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("fulfilment", sa.String(16), nullable=False),
        sa.Column("payment", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("coupon_id", sa.Integer(), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("courier", sa.String(64), nullable=True),
        sa.Column("tracking_number", sa.String(64), nullable=True),
        sa.Column("eta", TZ, nullable=True),
        sa.Column("hold_expires_at", TZ, nullable=True),
        sa.Column("telegram_charge_id", sa.String(255), nullable=True),
        sa.Column("provider_charge_id", sa.String(255), nullable=True),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shop_order"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_shop_order_brand_id_brand"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_shop_order_member_id_member"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_shop_order_associate_id_associate"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name="fk_shop_order_store_id_store"),
        sa.ForeignKeyConstraint(["coupon_id"], ["coupon.id"], name="fk_shop_order_coupon_id_coupon"),
        sa.CheckConstraint("total_minor >= 0", name="total_not_negative"),
    )
    op.create_index("ix_shop_order_member_id_created_at", "shop_order", ["member_id", "created_at"])
    op.create_index("ix_shop_order_associate_id_status", "shop_order", ["associate_id", "status"])
    op.create_index("uq_shop_order_telegram_charge_id", "shop_order", ["telegram_charge_id"], unique=True,
                    **_where("telegram_charge_id IS NOT NULL"))
    op.create_index("uq_shop_order_coupon_id", "shop_order", ["coupon_id"], unique=True,
                    **_where("coupon_id IS NOT NULL"))
    op.create_table(
        "order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("list_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("proposed_variant_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_order_line"),
        sa.ForeignKeyConstraint(["order_id"], ["shop_order.id"], name="fk_order_line_order_id_shop_order"),
        sa.ForeignKeyConstraint(["variant_id"], ["variant.id"], name="fk_order_line_variant_id_variant"),
        sa.ForeignKeyConstraint(["proposed_variant_id"], ["variant.id"],
                                name="fk_order_line_proposed_variant_id_variant"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )
    op.create_index("ix_order_line_order_id", "order_line", ["order_id"])
    op.create_table(
        "order_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("from_status", sa.String(24), nullable=True),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("event_key", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_order_event"),
        sa.ForeignKeyConstraint(["order_id"], ["shop_order.id"], name="fk_order_event_order_id_shop_order"),
    )
    op.create_index("ix_order_event_order_id_at", "order_event", ["order_id", "at"])
    op.create_index("uq_order_event_order_id_event_key", "order_event", ["order_id", "event_key"], unique=True,
                    **_where("event_key IS NOT NULL"))
    op.create_table(
        "stock_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=True),
        sa.Column("released_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stock_hold"),
        sa.ForeignKeyConstraint(["order_id"], ["shop_order.id"], name="fk_stock_hold_order_id_shop_order"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name="fk_stock_hold_store_id_store"),
        sa.ForeignKeyConstraint(["variant_id"], ["variant.id"], name="fk_stock_hold_variant_id_variant"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )
    op.create_index("ix_stock_hold_order_id", "stock_hold", ["order_id"])
    op.create_index("ix_stock_hold_open_expires_at", "stock_hold", ["expires_at"], **_where("released_at IS NULL"))
    op.create_table(
        "points_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_points_entry"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_points_entry_member_id_member"),
        sa.ForeignKeyConstraint(["order_id"], ["shop_order.id"], name="fk_points_entry_order_id_shop_order"),
    )
    op.create_index("ix_points_entry_member_id_at", "points_entry", ["member_id", "at"])
    op.create_index("uq_points_entry_order_id_reason", "points_entry", ["order_id", "reason"], unique=True,
                    **_where("order_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_table("points_entry")
    op.drop_table("stock_hold")
    op.drop_table("order_event")
    op.drop_table("order_line")
    op.drop_table("shop_order")
