"""The catalog's text search through each database's index (pg_trgm on PostgreSQL, FTS5 on
SQLite) finds exactly what the portable definition finds: every folded query word is a
substring of the product's folded search text; ordered by name, then id."""

from __future__ import annotations

import random

import sqlalchemy as sa

from commerce.catalog import Product, Variant, search_text, search_words
from storage.uow import Database
from tests.fixtures_db import T0, Shop


def a_product(shop: Shop, code: str, name: str, *, category: str = "Scarves", tags: tuple[str, ...] = ()) -> Product:
    return Product(brand_id=shop.brand.id, code=code, name=name, category=category, currency="CNY", tags=tags,
                   created_at=T0, updated_at=T0)


async def add_products(database: Database, shop: Shop, products: list[Product]) -> None:
    async with database.uow() as uow:
        for product in products:
            saved = await uow.catalog.upsert_product(product)
            await uow.catalog.upsert_variant(Variant(shop.brand.id, saved.id, f"{product.code}-A", 100_00))
        await uow.commit()


async def found(database: Database, shop: Shop, query: str, *, offset: int = 0, limit: int = 50) -> list[str]:
    async with database.uow() as uow:
        page = await uow.catalog.search(shop.brand.id, search_words(query), offset=offset, limit=limit)
    return [item.product.code for item in page.items]


async def test_a_word_matches_anywhere_inside_a_word_whatever_its_length(database: Database, shop: Shop) -> None:
    await add_products(database, shop, [
        a_product(shop, "SC-1", "Cashmere scarf", tags=("winter",)),
        a_product(shop, "SH-2", "Silk shirt", category="Shirts"),
        a_product(shop, "BG-3", "Leather tote", category="Bags", tags=("gift",)),
    ])

    assert await found(database, shop, "ashmer") == ["SC-1"], "inside a word"
    assert await found(database, shop, "sc") == ["SC-1"], "two letters (no trigram): still found"
    assert await found(database, shop, "s") == ["SC-1", "BG-3", "SH-2"], "one letter (in 'Bags' too), by name"
    assert await found(database, shop, "ilk hir") == ["SH-2"], "every word, each a piece of a word"
    assert await found(database, shop, "arf gi") == [], "each word must be found: 'gi' is only in the tote's tag"
    assert await found(database, shop, "er tot") == ["BG-3"]
    assert await found(database, shop, "SC-1 winter") == ["SC-1"], "code and tags"


async def test_unicode_folds_the_same_way_in_the_text_and_in_the_query(database: Database, shop: Shop) -> None:
    await add_products(database, shop, [
        a_product(shop, "DE-1", "Straße Mantel"),
        a_product(shop, "CN-1", "真丝围巾 春季", category="围巾"),
        a_product(shop, "FW-1", "ＧＯＬＤ chain", category="Jewellery"),
        a_product(shop, "FR-1", "Écharpe d'été"),
    ])

    assert await found(database, shop, "STRASSE") == ["DE-1"], "ß folds to ss"
    assert await found(database, shop, "丝围巾") == ["CN-1"], "three Chinese characters: through the index"
    assert await found(database, shop, "围巾") == ["CN-1"], "two: without it"
    assert await found(database, shop, "gold") == ["FW-1"], "full-width letters fold to ASCII"
    assert await found(database, shop, "ÉTÉ") == ["FR-1"]
    assert await found(database, shop, "ete") == [], "accents are kept: é is not e"
    assert await found(database, shop, '"d\'été"') == [], "quotes are plain characters, not FTS syntax"
    assert await found(database, shop, "d'été") == ["FR-1"]


async def test_results_are_ranked_by_name_then_id_and_pages_do_not_overlap(database: Database, shop: Shop) -> None:
    names = ["silk B", "Silk a", "silk c", "Silk a", "SILK d", "wool e"]
    await add_products(database, shop, [a_product(shop, f"P-{n}", name) for n, name in enumerate(names)])

    everything = await found(database, shop, "silk")
    pages = [await found(database, shop, "silk", offset=offset, limit=2) for offset in (0, 2, 4)]

    # Names compare as written, by code point (upper case first), the same on both databases.
    assert everything == ["P-4", "P-1", "P-3", "P-0", "P-2"]
    assert [code for page in pages for code in page] == everything


async def test_renaming_or_deactivating_a_product_moves_it_in_the_search(database: Database, shop: Shop) -> None:
    await add_products(database, shop, [a_product(shop, "SC-1", "Cashmere scarf")])

    async with database.uow() as uow:
        await uow.catalog.upsert_product(a_product(shop, "SC-1", "Merino stole"))
        await uow.commit()

    assert await found(database, shop, "cashmere") == []
    assert await found(database, shop, "merino") == ["SC-1"]
    async with database.uow() as uow:
        await uow.session.execute(sa.text("UPDATE product SET active = false"))
        await uow.commit()
    assert await found(database, shop, "merino") == [], "an inactive product is not offered"


async def test_the_indexed_search_finds_what_the_portable_definition_finds(database: Database, shop: Shop) -> None:
    # A seeded random catalog of unicode names, and queries cut from them or made up.
    rng = random.Random(20261209)
    alphabet = "abcdeéßSTRÅ丝巾围真 _%'\"-ＧＯ1"
    products = [a_product(shop, f"R-{n}", "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 14))),
                          category=rng.choice(["Scarves", "围巾", "Bags"]))
                for n in range(120)]
    await add_products(database, shop, products)
    queries = []
    for _ in range(80):
        text = search_text(rng.choice(products))
        start = rng.randrange(len(text))
        queries.append(text[start:start + rng.randint(1, 6)])
    queries += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))) for _ in range(40)]

    for query in queries:
        words = search_words(query)
        expected = sorted((p for p in products if all(word in search_text(p) for word in words)),
                          key=lambda p: (p.name, int(p.code[2:])))
        assert await found(database, shop, query, limit=200) == [p.code for p in expected], repr(query)


async def test_each_database_has_its_search_index(database: Database, shop: Shop) -> None:
    await add_products(database, shop, [a_product(shop, "SC-1", "Cashmere scarf")])
    async with database.uow() as uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            await uow.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join((await uow.session.execute(sa.text(
                "EXPLAIN SELECT id FROM product WHERE search_text LIKE '%ashmer%'"))).scalars())
            assert "ix_product_search_text_trgm" in plan
        else:
            rows = (await uow.session.execute(sa.text(
                "SELECT rowid FROM product_fts WHERE search_text MATCH '\"ashmer\"'"))).scalars().all()
            assert len(rows) == 1


async def test_a_search_in_a_big_catalog_pages_through_every_match(database: Database, shop: Shop) -> None:
    products = [a_product(shop, f"B-{n:04d}", f"{'Navy' if n % 3 == 0 else 'Red'} scarf {n:04d}") for n in range(300)]
    await add_products(database, shop, products)
    async with database.uow() as uow:
        page = await uow.catalog.search(shop.brand.id, search_words("navy SCARF"), offset=90, limit=20)
    assert page.total == 100
    assert [item.product.code for item in page.items] == [f"B-{n:04d}" for n in range(270, 300, 3)]
    assert not page.has_more
