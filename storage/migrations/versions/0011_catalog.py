"""The catalog and store inventory: products, their variants (SKUs), member prices by
tier, product images in the blob store, and stock per SKU per store.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("is_new", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_product"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_product_brand_id_brand"),
        sa.UniqueConstraint("brand_id", "code", name="uq_product_brand_id_code"),
    )
    op.create_index("ix_product_brand_id_category", "product", ["brand_id", "category"])
    op.create_table(
        "variant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("size", sa.String(32), nullable=True),
        sa.Column("colour", sa.String(64), nullable=True),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_variant"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_variant_brand_id_brand"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name="fk_variant_product_id_product"),
        sa.UniqueConstraint("brand_id", "sku", name="uq_variant_brand_id_sku"),
        sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )
    op.create_index("ix_variant_product_id", "variant", ["product_id"])
    op.create_table(
        "member_price",
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("variant_id", "tier", name="pk_member_price"),
        sa.ForeignKeyConstraint(["variant_id"], ["variant.id"], name="fk_member_price_variant_id_variant"),
        sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )
    op.create_table(
        "product_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_product_image"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name="fk_product_image_product_id_product"),
        sa.ForeignKeyConstraint(["blob_id"], ["blob.id"], name="fk_product_image_blob_id_blob"),
        sa.UniqueConstraint("product_id", "position", name="uq_product_image_product_id_position"),
    )
    op.create_table(
        "stock",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("store_id", "variant_id", name="pk_stock"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name="fk_stock_store_id_store"),
        sa.ForeignKeyConstraint(["variant_id"], ["variant.id"], name="fk_stock_variant_id_variant"),
        sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        sa.CheckConstraint("held >= 0 AND held <= on_hand", name="held_within_on_hand"),
    )
    op.create_index("ix_stock_variant_id", "stock", ["variant_id"])


def downgrade() -> None:
    op.drop_table("stock")
    op.drop_table("product_image")
    op.drop_table("member_price")
    op.drop_table("variant")
    op.drop_table("product")
