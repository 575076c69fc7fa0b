"""Catalog text search at scale: `python -m bench.catalog_search [--skus 50000] [--queries 200]
[--database-url postgresql+asyncpg://...]`.

A generated catalog of N SKUs (each SKU a product of its own, the hardest case: the search
looks at products), with English and Chinese names, codes and tags, on a SQLite file and,
with --database-url, on PostgreSQL in a schema of its own (dropped at the end). The same
queries (common and rare words, pieces of words, two words, a code, Chinese, a miss) run
through the repository's search (a page of 10 with the total), which uses each database's
index — pg_trgm GIN on PostgreSQL, the FTS5 trigram table on SQLite — and through the same
count and page with a plain ILIKE on the search text instead (on PostgreSQL with the trigram
index dropped for it: ILIKE would use it too). Prints p50/p99 per database and method, and
whether both found the same products for every query. Numbers, not asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench.places import Schema
from commerce.catalog import Product, search_text, search_words
from commerce.people import Brand
from storage.migrate import upgrade
from storage.repositories.catalog import _offered
from storage.tables.catalog import TRGM_INDEX, ProductRow, VariantRow
from storage.uow import Database

NOW = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
COLOURS = ["navy", "ivory", "black", "camel", "burgundy", "olive", "藏青", "米白"]
MATERIALS = ["cashmere", "silk", "wool", "linen", "leather", "cotton", "真丝", "羊绒"]
ITEMS = ["scarf", "stole", "shirt", "tote", "coat", "loafer", "cardigan", "围巾", "衬衫", "大衣"]
STYLES = ["classic", "oversized", "pleated", "quilted", "tailored", "cropped", "经典", "宽松"]
CATEGORIES = ["Scarves", "Shirts", "Bags", "Coats", "Shoes", "Knitwear"]
TAGS = ["winter", "summer", "gift", "runway", "essentials", "limited"]
CHUNK = 5_000


def catalog(brand_id: int, skus: int, rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for n in range(skus):
        name = f"{rng.choice(STYLES)} {rng.choice(COLOURS)} {rng.choice(MATERIALS)} {rng.choice(ITEMS)}".title()
        product = Product(brand_id=brand_id, code=f"P{n:06d}", name=name, category=rng.choice(CATEGORIES),
                          currency="CNY", tags=tuple(rng.sample(TAGS, 2)))
        rows.append({"brand_id": brand_id, "code": product.code, "name": product.name, "description": "",
                     "category": product.category, "tags": list(product.tags), "is_new": False, "currency": "CNY",
                     "active": True, "search_text": search_text(product), "created_at": NOW, "updated_at": NOW})
    return rows


KINDS = ("common word", "piece of a word", "two words", "three words", "code", "Chinese, 3+ chars",
         "two characters", "no match")


def queries(count: int, skus: int, rng: random.Random) -> list[str]:
    """A mix of what people type, one of each KINDS in turn."""
    kinds: list[Callable[[], str]] = [
        lambda: rng.choice(MATERIALS + ITEMS),  # a common word
        lambda: rng.choice(STYLES)[1:5],  # a piece of a word
        lambda: f"{rng.choice(COLOURS)} {rng.choice(ITEMS)[:4]}",  # two words
        lambda: f"{rng.choice(STYLES)} {rng.choice(COLOURS)} {rng.choice(MATERIALS)}",  # three words
        lambda: f"p{rng.randrange(skus):06d}",  # a code
        lambda: rng.choice(["羊绒围", "真丝衬", "藏青真丝", "经典米白"]),  # Chinese, three characters or more
        lambda: rng.choice(["围巾", "大衣", "sc", "ow"]),  # two characters: no trigram
        lambda: rng.choice(["zebra", "velvet", "tweed"]),  # nothing matches
    ]
    return [kinds[n % len(kinds)]() for n in range(count)]


async def seed(db: Database, skus: int, rng: random.Random) -> int:
    async with db.uow() as uow:
        brand = await uow.brands.add(Brand(name="Bench catalog"))
        assert brand.id is not None
        rows = catalog(brand.id, skus, rng)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            ids = (await uow.session.execute(sa.insert(ProductRow).returning(ProductRow.id, ProductRow.code), chunk)).all()
            await uow.session.execute(sa.insert(VariantRow), [
                {"brand_id": brand.id, "product_id": product_id, "sku": f"{code}-1", "price_minor": 128_000, "active": True}
                for product_id, code in ids])
        await uow.commit()
    return brand.id


async def indexed(db: Database, brand_id: int, query: str) -> list[str]:
    async with db.uow() as uow:
        page = await uow.catalog.search(brand_id, search_words(query))
    return [item.product.code for item in page.items]


async def ilike_scan(db: Database, brand_id: int, query: str) -> list[str]:
    """The repository's own count and page (and the page's variants and pictures), with a
    plain ILIKE per word in place of its indexed match."""
    async with db.uow() as uow:
        where = [*_offered(brand_id), *(ProductRow.search_text.ilike(f"%{word}%") for word in search_words(query))]
        order = ProductRow.name.collate("C") if uow.session.get_bind().dialect.name == "postgresql" else ProductRow.name
        page = await uow.catalog._page(where, [order, ProductRow.id], 0, 10)  # type: ignore[attr-defined]
    return [item.product.code for item in page.items]


async def timed(search: Callable[[str], Awaitable[list[str]]], texts: list[str]) -> tuple[list[float], list[list[str]]]:
    for text in texts[:10]:  # warm caches and the connection pool
        await search(text)
    times, found = [], []
    for text in texts:
        started = time.perf_counter()
        found.append(await search(text))
        times.append((time.perf_counter() - started) * 1000)
    return times, found


def line(label: str, times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return f"  {label:<34} p50 {cuts[49]:8.2f} ms   p99 {cuts[98]:8.2f} ms   max {max(times):8.2f} ms"


async def bench(url: str, label: str, args: argparse.Namespace) -> None:
    await upgrade(url)
    db = await Database.open(url, migrate=False)
    rng = random.Random(args.seed)
    try:
        started = time.perf_counter()
        brand_id = await seed(db, args.skus, rng)
        texts = queries(args.queries, args.skus, rng)
        postgres = db.engine.dialect.name == "postgresql"
        index_ddl = await _trigram_ddl(db) if postgres else None
        if postgres and index_ddl is None:
            print(f"{label}: no {TRGM_INDEX} (pg_trgm not available): the indexed search scans too")
        async with db.uow() as uow:
            await uow.session.execute(sa.text("ANALYZE"))
            await uow.commit()
        print(f"{label}: {args.skus:,} SKUs seeded in {time.perf_counter() - started:.1f} s; {len(texts)} queries")
        if index_ddl is not None:
            await _execute(db, f"DROP INDEX {TRGM_INDEX}")
        base_times, base_found = await timed(lambda text: ilike_scan(db, brand_id, text), texts)
        if index_ddl is not None:
            await _execute(db, index_ddl)
            await _execute(db, "ANALYZE product")
        times, found = await timed(lambda text: indexed(db, brand_id, text), texts)
        name = "pg_trgm GIN index" if postgres else "FTS5 trigram table"
        print(line(f"{name} (the repository)", times))
        print(line("plain ILIKE scan (baseline)", base_times))
        same = sum(a == b for a, b in zip(found, base_found, strict=True))
        for n, kind in enumerate(KINDS):
            ours, theirs = times[n::len(KINDS)], base_times[n::len(KINDS)]
            print(f"    {kind:<20} median {statistics.median(ours):8.2f} ms  vs  {statistics.median(theirs):8.2f} ms")
        print(f"  same products for {same} of {len(texts)} queries; "
              f"p50 ratio {statistics.median(base_times) / statistics.median(times):.1f}x")
    finally:
        await db.dispose()


async def _trigram_ddl(db: Database) -> str | None:
    async with db.uow() as uow:
        found = (await uow.session.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name "
                                                   "AND schemaname = current_schema()"), {"name": TRGM_INDEX})).scalar()
    return found


async def _execute(db: Database, ddl: str) -> None:
    async with db.uow() as uow:
        await uow.session.execute(sa.text(ddl))
        await uow.commit()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await bench(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite", args)
    if args.database_url:
        async with Schema(args.database_url) as schema:
            await bench(schema.url, "PostgreSQL", args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to run on as well")
    asyncio.run(main(parser.parse_args()))
