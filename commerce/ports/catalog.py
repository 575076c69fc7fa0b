"""The catalog and the stock of each SKU in each store."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from commerce.catalog import (
    CatalogItem,
    CatalogPage,
    MemberPrice,
    Product,
    StockLevel,
    Variant,
)


class CatalogRepository(Protocol):
    async def item(self, product_id: int) -> CatalogItem | None:
        """The product with its variants (active or not) and its pictures."""
    async def item_by_code(self, brand_id: int, code: str) -> CatalogItem | None: ...
    async def items_by_codes(self, brand_id: int, codes: Collection[str]) -> Mapping[str, CatalogItem]:
        """The products with these codes that exist, by code (an import's "before")."""
    async def variant(self, variant_id: int) -> Variant | None: ...
    async def variant_by_sku(self, brand_id: int, sku: str) -> Variant | None: ...
    async def variants_by_skus(self, brand_id: int, skus: Collection[str]) -> Mapping[str, Variant]:
        """The variants with these SKUs that exist, by SKU."""
    async def upsert_product(self, product: Product) -> Product:
        """Insert, or update the brand's product with this code; returns it with its id."""
    async def upsert_variant(self, variant: Variant) -> Variant:
        """Insert, or update the brand's variant with this SKU (moving it to
        ``variant.product_id``); returns it with its id. Member prices are not touched."""
    async def set_member_prices(self, variant_id: int, prices: Sequence[MemberPrice]) -> None:
        """The variant's member prices become exactly these."""
    async def set_images(self, product_id: int, blob_ids: Sequence[int]) -> None:
        """The product's pictures become exactly these blobs, in this order."""
    async def categories(self, brand_id: int) -> Sequence[tuple[str, int]]:
        """The categories of offered products with how many each has, by name."""
    async def browse(self, brand_id: int, *, category: str | None = None, new_only: bool = False,
                     offset: int = 0, limit: int = 10) -> CatalogPage:
        """Offered products (active, with an active variant), of one category or all,
        newest first."""
    async def search(self, brand_id: int, words: Sequence[str], *, offset: int = 0, limit: int = 10) -> CatalogPage:
        """Offered products whose name, code, category or tags hold every word (words
        folded by commerce.catalog.search_words), by name."""


class StockRepository(Protocol):
    async def levels(self, pairs: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], StockLevel]:
        """The stock rows that exist for these (store_id, variant_id) pairs."""
    async def of_variant(self, variant_id: int) -> Sequence[StockLevel]:
        """The variant's stock in every store that has a row for it, by store id."""
    async def at_store(self, store_id: int, variant_ids: Collection[int]) -> Mapping[int, StockLevel]:
        """One store's stock of these variants, by variant id."""
    async def set_on_hand(self, store_id: int, variant_id: int, on_hand: int, at: datetime) -> StockLevel | None:
        """Set how many the store has (creating the row), unless open orders hold more
        than ``on_hand``: then nothing changes and the answer is None. Atomic against a
        hold placed at the same time."""
