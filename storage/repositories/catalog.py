"""The catalog (products, variants, member prices, pictures) and the stock per store.

Rows become commerce.catalog values here (the catalog's mapping lives beside its queries).
Long lists of ids go to the database in chunks: SQLite and asyncpg both cap the number of
parameters of one statement.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from commerce.catalog import (
    CatalogItem,
    CatalogPage,
    MemberPrice,
    Product,
    StockLevel,
    Variant,
    search_text,
)
from storage.repositories.base import _Repository
from storage.tables.catalog import (
    FTS_TABLE,
    MemberPriceRow,
    ProductImageRow,
    ProductRow,
    StockRow,
    VariantRow,
)

CHUNK = 500
T = TypeVar("T")
_PRODUCT_FIELDS = ("brand_id", "code", "name", "description", "category", "is_new", "currency", "active")


class SqlCatalogRepository(_Repository):
    async def item(self, product_id: int) -> CatalogItem | None:
        items = await self._items(await self._all(sa.select(ProductRow).where(ProductRow.id == product_id)))
        return items[0] if items else None

    async def item_by_code(self, brand_id: int, code: str) -> CatalogItem | None:
        return (await self.items_by_codes(brand_id, [code])).get(code)

    async def items_by_codes(self, brand_id: int, codes: Collection[str]) -> Mapping[str, CatalogItem]:
        rows: list[ProductRow] = []
        for chunk in _chunks(sorted(set(codes))):
            rows += await self._all(sa.select(ProductRow).where(ProductRow.brand_id == brand_id, ProductRow.code.in_(chunk)))
        return {item.product.code: item for item in await self._items(rows)}

    async def variant(self, variant_id: int) -> Variant | None:
        rows = await self._all(sa.select(VariantRow).where(VariantRow.id == variant_id))
        variants = await self._variants(rows)
        return variants[0] if variants else None

    async def variant_by_sku(self, brand_id: int, sku: str) -> Variant | None:
        return (await self.variants_by_skus(brand_id, [sku])).get(sku)

    async def variants_by_skus(self, brand_id: int, skus: Collection[str]) -> Mapping[str, Variant]:
        rows: list[VariantRow] = []
        for chunk in _chunks(sorted(set(skus))):
            rows += await self._all(sa.select(VariantRow).where(VariantRow.brand_id == brand_id, VariantRow.sku.in_(chunk)))
        return {variant.sku: variant for variant in await self._variants(rows)}

    async def upsert_product(self, product: Product) -> Product:
        values = {name: getattr(product, name) for name in _PRODUCT_FIELDS}
        values |= {"tags": list(product.tags), "search_text": search_text(product), "updated_at": product.updated_at}
        insert = self._dialect_insert(ProductRow)
        stmt = (insert.values(**values, created_at=product.created_at or product.updated_at)
                .on_conflict_do_update(index_elements=["brand_id", "code"],
                                       set_={name: insert.excluded[name] for name in values if name not in ("brand_id", "code")})
                .returning(*ProductRow.__table__.c))  # type: ignore[attr-defined]
        row = (await self.session.execute(stmt)).one()
        return _product(row)

    async def upsert_variant(self, variant: Variant) -> Variant:
        values = {"brand_id": variant.brand_id, "product_id": variant.product_id, "sku": variant.sku, "size": variant.size,
                  "colour": variant.colour, "price_minor": variant.price_minor, "active": variant.active}
        insert = self._dialect_insert(VariantRow)
        stmt = (insert.values(**values)
                .on_conflict_do_update(index_elements=["brand_id", "sku"],
                                       set_={name: insert.excluded[name] for name in values if name not in ("brand_id", "sku")})
                .returning(VariantRow.id))
        variant_id = (await self.session.execute(stmt)).scalar_one()
        prices = await self._member_prices([variant_id])
        return Variant(**values, member_prices=prices.get(variant_id, ()), id=variant_id)

    async def set_member_prices(self, variant_id: int, prices: Sequence[MemberPrice]) -> None:
        await self.session.execute(sa.delete(MemberPriceRow).where(MemberPriceRow.variant_id == variant_id),
                                   execution_options={"synchronize_session": False})
        if prices:
            await self.session.execute(sa.insert(MemberPriceRow), [
                {"variant_id": variant_id, "tier": price.tier, "price_minor": price.price_minor} for price in prices])

    async def set_images(self, product_id: int, blob_ids: Sequence[int]) -> None:
        await self.session.execute(sa.delete(ProductImageRow).where(ProductImageRow.product_id == product_id),
                                   execution_options={"synchronize_session": False})
        if blob_ids:
            await self.session.execute(sa.insert(ProductImageRow), [
                {"product_id": product_id, "position": position, "blob_id": blob_id}
                for position, blob_id in enumerate(blob_ids)])

    async def categories(self, brand_id: int) -> Sequence[tuple[str, int]]:
        stmt = (sa.select(ProductRow.category, sa.func.count())
                .where(*_offered(brand_id))
                .group_by(ProductRow.category)
                .order_by(ProductRow.category))
        return [(category, count) for category, count in (await self.session.execute(stmt)).all()]

    async def browse(self, brand_id: int, *, category: str | None = None, new_only: bool = False,
                     offset: int = 0, limit: int = 10) -> CatalogPage:
        where = list(_offered(brand_id))
        if category is not None:
            where.append(ProductRow.category == category)
        if new_only:
            where.append(ProductRow.is_new.is_(True))  # type: ignore[attr-defined]
        return await self._page(where, [ProductRow.created_at.desc(), ProductRow.id.desc()], offset, limit)  # type: ignore[attr-defined]

    async def search(self, brand_id: int, words: Sequence[str], *, offset: int = 0, limit: int = 10) -> CatalogPage:
        """Products whose search text holds every word (folded, as commerce.catalog.search_words
        gives them), by name. The same matches on both dialects, through each one's index."""
        where = list(_offered(brand_id)) + await self._text_matches(words)
        by_name: Any = ProductRow.name
        if self.session.get_bind().dialect.name == "postgresql":
            by_name = by_name.collate("C")  # by code point, as SQLite compares, whatever the server's collation
        return await self._page(where, [by_name, ProductRow.id], offset, limit)

    async def _text_matches(self, words: Sequence[str]) -> list[Any]:
        if self.session.get_bind().dialect.name == "postgresql":
            # Plain LIKE (backslash, PostgreSQL's default escape): the pg_trgm index serves it.
            return [ProductRow.search_text.like(f"%{_escaped(word)}%") for word in words]  # type: ignore[attr-defined]
        if not await self._has_fts():
            return [_contains(word) for word in words]
        # FTS5's trigram tokenizer matches a phrase of three characters or more as a
        # substring; shorter words have no trigram and are matched with LIKE.
        long_words = [word for word in words if len(word) >= 3]
        where = [_contains(word) for word in words if len(word) < 3]
        if long_words:
            query = " ".join('"' + word.replace('"', '""') + '"' for word in long_words)
            fts = sa.table(FTS_TABLE, sa.column("rowid"), sa.column("search_text"))
            where.append(ProductRow.id.in_(sa.select(fts.c.rowid).where(fts.c.search_text.op("MATCH")(query))))  # type: ignore[union-attr]
        return where

    async def _has_fts(self) -> bool:
        engine = self.session.get_bind()
        found = _FTS_PRESENT.get(engine)
        if found is None:
            stmt = sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name")
            found = (await self.session.execute(stmt, {"name": FTS_TABLE})).first() is not None
            _FTS_PRESENT[engine] = found
        return found

    async def _page(self, where: list[Any], order: list[Any], offset: int, limit: int) -> CatalogPage:
        total = (await self.session.execute(sa.select(sa.func.count()).select_from(ProductRow).where(*where))).scalar_one()
        rows = await self._all(sa.select(ProductRow).where(*where).order_by(*order).offset(offset).limit(limit))
        by_id = {item.product.id: item for item in await self._items(rows)}
        return CatalogPage([by_id[row.id] for row in rows], total, offset)

    async def _items(self, rows: Sequence[ProductRow]) -> list[CatalogItem]:
        ids = [row.id for row in rows]
        variants: dict[int, list[Variant]] = defaultdict(list)
        images: dict[int, list[int]] = defaultdict(list)
        for chunk in _chunks(ids):
            variant_rows = await self._all(sa.select(VariantRow).where(VariantRow.product_id.in_(chunk)).order_by(VariantRow.sku))
            for variant in await self._variants(variant_rows):
                variants[variant.product_id].append(variant)
            image_stmt = (sa.select(ProductImageRow.product_id, ProductImageRow.blob_id)
                          .where(ProductImageRow.product_id.in_(chunk))
                          .order_by(ProductImageRow.product_id, ProductImageRow.position))
            for product_id, blob_id in (await self.session.execute(image_stmt)).all():
                images[product_id].append(blob_id)
        return [CatalogItem(_product(row), tuple(variants[row.id]), tuple(images[row.id])) for row in rows]

    async def _variants(self, rows: Sequence[VariantRow]) -> list[Variant]:
        prices = await self._member_prices([row.id for row in rows])
        return [Variant(brand_id=row.brand_id, product_id=row.product_id, sku=row.sku, price_minor=row.price_minor,
                        size=row.size, colour=row.colour, member_prices=prices.get(row.id, ()), active=row.active, id=row.id)
                for row in rows]

    async def _member_prices(self, variant_ids: Sequence[int | None]) -> dict[int, tuple[MemberPrice, ...]]:
        found: dict[int, list[MemberPrice]] = defaultdict(list)
        for chunk in _chunks([variant_id for variant_id in variant_ids if variant_id is not None]):
            stmt = (sa.select(MemberPriceRow)
                    .where(MemberPriceRow.variant_id.in_(chunk))
                    .order_by(MemberPriceRow.variant_id, MemberPriceRow.tier))
            for row in await self._all(stmt):
                found[row.variant_id].append(MemberPrice(row.tier, row.price_minor))
        return {variant_id: tuple(prices) for variant_id, prices in found.items()}


class SqlStockRepository(_Repository):
    async def levels(self, pairs: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], StockLevel]:
        found: dict[tuple[int, int], StockLevel] = {}
        for chunk in _chunks(sorted(set(pairs))):
            stmt = sa.select(StockRow).where(sa.tuple_(StockRow.store_id, StockRow.variant_id).in_(chunk))
            for row in await self._all(stmt):
                found[(row.store_id, row.variant_id)] = _level(row)
        return found

    async def of_variant(self, variant_id: int) -> Sequence[StockLevel]:
        stmt = sa.select(StockRow).where(StockRow.variant_id == variant_id).order_by(StockRow.store_id)
        return [_level(row) for row in await self._all(stmt)]

    async def at_store(self, store_id: int, variant_ids: Collection[int]) -> Mapping[int, StockLevel]:
        found: dict[int, StockLevel] = {}
        for chunk in _chunks(sorted(set(variant_ids))):
            stmt = sa.select(StockRow).where(StockRow.store_id == store_id, StockRow.variant_id.in_(chunk))
            found |= {row.variant_id: _level(row) for row in await self._all(stmt)}
        return found

    async def set_on_hand(self, store_id: int, variant_id: int, on_hand: int, at: datetime) -> StockLevel | None:
        # One statement: the guard reads `held` as the row is written, so a hold committed
        # meanwhile by another transaction is seen (PostgreSQL re-checks the updated row).
        insert = self._dialect_insert(StockRow)
        stmt = (insert.values(store_id=store_id, variant_id=variant_id, on_hand=on_hand, held=0, updated_at=at)
                .on_conflict_do_update(index_elements=["store_id", "variant_id"],
                                       set_={"on_hand": insert.excluded.on_hand, "updated_at": insert.excluded.updated_at},
                                       where=StockRow.held <= insert.excluded.on_hand)
                .returning(*StockRow.__table__.c))  # type: ignore[attr-defined]
        row = (await self.session.execute(stmt)).one_or_none()
        return _level(row) if row is not None else None


# Whether a SQLite database has the FTS5 table (migration 0014 skips it where SQLite lacks
# FTS5 or its trigram tokenizer), asked once per engine.
_FTS_PRESENT: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _contains(word: str) -> Any:
    return ProductRow.search_text.contains(word, autoescape=True)  # type: ignore[attr-defined]


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _offered(brand_id: int) -> tuple[Any, ...]:
    """A product people may be offered: active, with at least one active variant."""
    has_variant = (sa.select(VariantRow.id)
                   .where(VariantRow.product_id == ProductRow.id, VariantRow.active.is_(True))  # type: ignore[attr-defined]
                   .exists())
    return ProductRow.brand_id == brand_id, ProductRow.active.is_(True), has_variant  # type: ignore[attr-defined]


def _product(row: Any) -> Product:
    return Product(brand_id=row.brand_id, code=row.code, name=row.name, category=row.category, currency=row.currency,
                   description=row.description, tags=tuple(row.tags or ()), is_new=row.is_new, active=row.active,
                   created_at=row.created_at, updated_at=row.updated_at, id=row.id)


def _level(row: Any) -> StockLevel:
    return StockLevel(row.store_id, row.variant_id, row.on_hand, row.held, row.updated_at)


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]
