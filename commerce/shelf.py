"""Browsing the catalog in the chats: the categories with their counts, a category, the new
arrivals or a text search a page at a time, and a product's card as an associate or a
member sees it (prices for a tier, stock where it matters to the viewer).

A view is named by a few short words so that a paging button can carry it within
Telegram's 64 bytes: a category by a digest of its name (matched against the brand's
categories, so a forged or outdated one names nothing), a search by its folded words.
Nothing here trusts the client: a product id from a button is looked up in the viewer's
brand and must still be offered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from commerce.access import offers
from commerce.catalog import CatalogItem, Variant, fold, search_words
from commerce.people import Store
from commerce.ports.uow import UnitOfWork

PAGE_SIZE = 8  # products per page of a listing
MAX_PAGE = 10_000  # a forged page number beyond this is just an empty page
SEARCH_KEY_BYTES = 40  # a search's words travel in its paging buttons up to this size


class ViewKind(StrEnum):
    HOME = "h"  # the categories, with their counts, and the new arrivals' count
    NEW = "n"  # the new arrivals
    CATEGORY = "c"  # one category, named by category_key
    SEARCH = "s"  # products holding every word of the key


@dataclass(frozen=True, slots=True)
class View:
    kind: ViewKind
    key: str = ""  # a category's digest, or a search's folded words

    @classmethod
    def parse(cls, kind: str, key: str) -> View | None:
        """A view as a button carries it; None for one no button of ours makes."""
        try:
            view_kind = ViewKind(kind)
        except ValueError:
            return None
        if view_kind is ViewKind.SEARCH:
            return cls(view_kind, search_key(key)) if search_key(key) else None
        if view_kind is ViewKind.CATEGORY:
            return cls(view_kind, key) if key else None
        return cls(view_kind)


def category_key(category: str) -> str:
    """A category's short name in buttons: 8 hex digits of its folded name."""
    return hashlib.sha256(fold(category).encode()).hexdigest()[:8]


def search_key(query: str) -> str:
    """A search's words as its buttons carry them: folded, single-spaced, no ":" (which
    separates the fields of callback data and means nothing in a search)."""
    return " ".join(search_words(query.replace(":", " ")))


def search_view(query: str) -> View:
    return View(ViewKind.SEARCH, search_key(query)) if search_key(query) else View(ViewKind.HOME)


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a view: the categories (home) or products, and the paging facts."""

    view: View
    page: int
    title: str = ""  # the category's name, or the search's words
    categories: Sequence[tuple[str, int]] = ()  # home: (name, offered products), by name
    new_count: int = 0  # home: how many new arrivals there are
    items: Sequence[CatalogItem] = ()
    total: int = 0

    @property
    def has_more(self) -> bool:
        return (self.page + 1) * PAGE_SIZE < self.total

    @property
    def pageable(self) -> bool:
        """A search whose words are too long for a button shows its first page only."""
        return self.view.kind is not ViewKind.SEARCH or len(self.view.key.encode()) <= SEARCH_KEY_BYTES


@dataclass(frozen=True, slots=True)
class Gone:
    """What a button names is no longer there (a product taken off the catalog, a category
    emptied) or never was (forged data): the button is no longer valid."""


async def browse(uow: UnitOfWork, brand_id: int, view: View, page: int = 0) -> Listing | Gone:
    """A page of the brand's offered products as the view selects them."""
    page = min(max(page, 0), MAX_PAGE)
    offset = page * PAGE_SIZE
    if view.kind is ViewKind.HOME:
        categories = await uow.catalog.categories(brand_id)
        new = await uow.catalog.browse(brand_id, new_only=True, limit=1)
        return Listing(view, 0, categories=categories, new_count=new.total)
    if view.kind is ViewKind.NEW:
        found = await uow.catalog.browse(brand_id, new_only=True, offset=offset, limit=PAGE_SIZE)
        return Listing(view, page, items=found.items, total=found.total)
    if view.kind is ViewKind.SEARCH:
        found = await uow.catalog.search(brand_id, view.key.split(), offset=offset, limit=PAGE_SIZE)
        return Listing(view, page, title=view.key, items=found.items, total=found.total)
    name = next((name for name, _ in await uow.catalog.categories(brand_id) if category_key(name) == view.key), None)
    if name is None:
        return Gone()
    found = await uow.catalog.browse(brand_id, category=name, offset=offset, limit=PAGE_SIZE)
    return Listing(view, page, title=name, items=found.items, total=found.total)


async def offered_item(uow: UnitOfWork, brand_id: int, product_id: int) -> CatalogItem | Gone:
    """The product a button names, if it is the brand's and still offered."""
    item = await uow.catalog.item(product_id)
    return item if item is not None and offers(item, brand_id) else Gone()


# --- cards -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantStock:
    """One offered variant and where it can be had: available units here and elsewhere."""

    variant: Variant
    here: int
    elsewhere: Sequence[tuple[str, int]]  # (store name, available), stores with some only


@dataclass(frozen=True, slots=True)
class StaffCard:
    """A product as an associate sees it: every price, and stock in every store."""

    item: CatalogItem
    store: Store  # the associate's own
    stock: Sequence[VariantStock]

    @property
    def tiers(self) -> list[str]:
        """The tiers with a member price on some offered variant, as HQ names them."""
        seen: dict[str, str] = {}
        for variant in self.item.offered:
            for price in variant.member_prices:
                seen.setdefault(fold(price.tier), price.tier)
        return sorted(seen.values(), key=fold)


async def staff_card(uow: UnitOfWork, brand_id: int, store: Store, product_id: int) -> StaffCard | Gone:
    item = await offered_item(uow, brand_id, product_id)
    if isinstance(item, Gone):
        return item
    names = {s.id: s.name for s in await uow.stores.list(brand_id)}
    stock = []
    for variant in item.offered:
        assert variant.id is not None
        levels = await uow.stock.of_variant(variant.id)
        here = sum(level.available for level in levels if level.store_id == store.id)
        elsewhere = [(names.get(level.store_id, "?"), level.available) for level in levels
                     if level.store_id != store.id and level.available > 0 and level.store_id in names]
        stock.append(VariantStock(variant, max(here, 0), sorted(elsewhere)))
    return StaffCard(item, store, stock)


@dataclass(frozen=True, slots=True)
class MemberCard:
    """A product as a member sees it: their tier's prices, and whether their store has it
    (other stores' numbers are the associate's business)."""

    item: CatalogItem
    tier: str | None
    store: Store | None  # the member's store: their associate's
    in_stock: bool  # some offered variant is available there


async def member_card(uow: UnitOfWork, item: CatalogItem, tier: str | None, store: Store | None) -> MemberCard:
    ids = [variant.id for variant in item.offered if variant.id is not None]
    levels = await uow.stock.at_store(store.id, ids) if store is not None and store.id is not None else {}
    return MemberCard(item, tier, store, any(level.available > 0 for level in levels.values()))


def sizes_and_colours(item: CatalogItem) -> tuple[list[str], list[str]]:
    """The offered sizes and colours, each once, in catalog order."""
    sizes = list(dict.fromkeys(v.size for v in item.offered if v.size))
    colours = list(dict.fromkeys(v.colour for v in item.offered if v.colour))
    return sizes, colours
