"""The brand's catalog (products, their variants or SKUs, member prices, images) and the
stock of each SKU in each store.

Money is exact: every price is an integer in the currency's minor unit (fen, cents), with
the ISO 4217 code beside it on the product. `stock.held` is what open orders hold; the
check constraints make an oversold row impossible on both dialects, whatever the code does.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, json_type

# The text search's index, made by migration 0014 and not declared here (the schema
# comparison leaves these names out): a pg_trgm GIN index on PostgreSQL, an FTS5 table
# (with its shadow tables, all named product_fts*) kept in step by triggers on SQLite.
TRGM_INDEX = "ix_product_search_text_trgm"
FTS_TABLE = "product_fts"


def is_search_index(name: str | None) -> bool:
    return name is not None and (name == TRGM_INDEX or name.startswith(FTS_TABLE))


class ProductRow(SQLModel, table=True):
    __tablename__ = "product"
    __table_args__ = (
        sa.UniqueConstraint("brand_id", "code", name="uq_product_brand_id_code"),
        # Browsing: a brand's products of one category, newest first.
        sa.Index("ix_product_brand_id_category", "brand_id", "category"),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")
    code: str = Field(sa_type=sa.String(64))  # the brand's own product code (style number)
    name: str = Field(sa_type=sa.String(200))
    description: str = Field(default="", sa_type=sa.Text)
    category: str = Field(sa_type=sa.String(64))
    tags: list[str] = Field(default_factory=list, sa_type=json_type())
    is_new: bool = False
    currency: str = Field(sa_type=sa.String(3))  # ISO 4217
    active: bool = True
    # Name, code, category and tags, case-folded in Python (commerce.catalog.search_text):
    # one portable LIKE serves the search on both dialects, Unicode case included.
    search_text: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class VariantRow(SQLModel, table=True):
    """One SKU: a product in one size and colour, with its list price."""

    __tablename__ = "variant"
    __table_args__ = (
        sa.UniqueConstraint("brand_id", "sku", name="uq_variant_brand_id_sku"),
        sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")
    product_id: int = Field(foreign_key="product.id", index=True)
    sku: str = Field(sa_type=sa.String(64))
    size: str | None = Field(default=None, sa_type=sa.String(32))
    colour: str | None = Field(default=None, sa_type=sa.String(64))
    price_minor: int = Field(sa_type=sa.BigInteger)
    active: bool = True


class MemberPriceRow(SQLModel, table=True):
    """A variant's price for members of one tier (absent: the list price)."""

    __tablename__ = "member_price"
    __table_args__ = (sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),)

    variant_id: int = Field(foreign_key="variant.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    tier: str = Field(sa_type=sa.String(32), primary_key=True)
    price_minor: int = Field(sa_type=sa.BigInteger)


class ProductImageRow(SQLModel, table=True):
    """A product's pictures in order; the bytes live in the blob store (one upload per bot)."""

    __tablename__ = "product_image"
    __table_args__ = (sa.UniqueConstraint("product_id", "position", name="uq_product_image_product_id_position"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    position: int
    blob_id: int = Field(foreign_key="blob.id")


class StockRow(SQLModel, table=True):
    """How many of a SKU a store has, and how many of those open orders hold."""

    __tablename__ = "stock"
    __table_args__ = (
        sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        sa.CheckConstraint("held >= 0 AND held <= on_hand", name="held_within_on_hand"),
        # The other stores' stock of one SKU (the product card).
        sa.Index("ix_stock_variant_id", "variant_id"),
    )

    store_id: int = Field(foreign_key="store.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    variant_id: int = Field(foreign_key="variant.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    on_hand: int = 0
    held: int = 0
    updated_at: datetime = Field(sa_type=UTCDateTime)

