"""The catalog as values: products, their variants (SKUs) with list and member prices, the
pictures of a product, and a SKU's stock in one store. Plain values, no I/O.

A product has one currency; each variant has its list price in it, and may have a member
price per loyalty tier (absent: members of that tier pay the list price). Tiers are matched
as HQ names them, ignoring case ("Gold" and "gold" are one tier), as members' tiers are.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.money import Money


@dataclass(frozen=True, slots=True)
class Product:
    brand_id: int
    code: str  # the brand's own style number, unique per brand
    name: str
    category: str
    currency: str  # ISO 4217: every variant's prices are in it
    description: str = ""
    tags: tuple[str, ...] = ()
    is_new: bool = False  # shown among the new arrivals
    active: bool = True  # an inactive product is kept for its orders, never offered
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class MemberPrice:
    tier: str  # as HQ names it ("Gold")
    price_minor: int


@dataclass(frozen=True, slots=True)
class Variant:
    """One SKU: a product in one size and colour, with its list price."""

    brand_id: int
    product_id: int
    sku: str
    price_minor: int
    size: str | None = None
    colour: str | None = None
    member_prices: tuple[MemberPrice, ...] = ()  # sorted by tier
    active: bool = True  # a SKU dropped from the catalog file stays for its orders, inactive
    id: int | None = None

    def member_price(self, tier: str | None) -> int | None:
        """This tier's price in minor units, or None (the tier pays the list price)."""
        if tier is None:
            return None
        wanted = tier_key(tier)
        return next((price.price_minor for price in self.member_prices if tier_key(price.tier) == wanted), None)


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """A product with its variants (by SKU) and its pictures (blob ids, in order)."""

    product: Product
    variants: tuple[Variant, ...] = ()
    image_blob_ids: tuple[int, ...] = ()

    @property
    def offered(self) -> tuple[Variant, ...]:
        return tuple(variant for variant in self.variants if variant.active) if self.product.active else ()

    def price_range(self, tier: str | None = None) -> tuple[Money, Money] | None:
        """The lowest and highest price a member of ``tier`` pays for an offered variant."""
        prices = [price_for(self.product, variant, tier).minor for variant in self.offered]
        if not prices:
            return None
        return Money(min(prices), self.product.currency), Money(max(prices), self.product.currency)


@dataclass(frozen=True, slots=True)
class CatalogPage:
    items: Sequence[CatalogItem]
    total: int  # how many match, on every page
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True, slots=True)
class StockLevel:
    """How many of a SKU one store has, and how many of those open orders hold."""

    store_id: int
    variant_id: int
    on_hand: int
    held: int = 0
    updated_at: datetime | None = None

    @property
    def available(self) -> int:
        return self.on_hand - self.held


def price_for(product: Product, variant: Variant, tier: str | None) -> Money:
    """What a member of ``tier`` pays for one of the variant: the tier's member price when
    there is one and it is lower, else the list price (None: not a member of any tier)."""
    member = variant.member_price(tier)
    minor = variant.price_minor if member is None else min(member, variant.price_minor)
    return Money(minor, product.currency)


def tier_key(tier: str) -> str:
    """Tiers compare ignoring case and width ("GOLD", "gold", "ＧＯＬＤ")."""
    return unicodedata.normalize("NFKC", tier).casefold().strip()


def search_text(product: Product) -> str:
    """What a text search of the catalog looks in, folded as a query is folded (see
    search_words): the product's name, code, category and tags."""
    return fold(" ".join([product.name, product.code, product.category, *product.tags]))


def search_words(query: str) -> list[str]:
    """A query's words, folded; a product matches when its search text holds every one."""
    return [word for word in fold(query).split() if word]


def fold(text: str) -> str:
    """Unicode-aware case folding done here, not in SQL: SQLite's lower() folds ASCII only."""
    return unicodedata.normalize("NFKC", text).casefold()
