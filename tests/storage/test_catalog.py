"""The catalog and stock repositories on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from commerce.catalog import MemberPrice, Product, Variant, search_words
from commerce.people import Store
from storage.uow import Database
from tests.fixtures_db import T0, Shop


def a_product(shop: Shop, code: str, name: str, category: str = "Scarves", **fields: object) -> Product:
    values: dict[str, object] = {"created_at": T0, "updated_at": T0} | fields
    return Product(brand_id=shop.brand.id, code=code, name=name, category=category, currency="CNY", **values)  # type: ignore[arg-type]


async def add_item(database: Database, shop: Shop, product: Product, *skus: str, price: int = 128000) -> None:
    async with database.uow() as uow:
        saved = await uow.catalog.upsert_product(product)
        for sku in skus:
            await uow.catalog.upsert_variant(Variant(shop.brand.id, saved.id, sku, price, size="M", colour="navy"))
        await uow.commit()


async def test_a_product_is_inserted_then_updated_in_place_by_its_code(database: Database, shop: Shop) -> None:
    first = a_product(shop, "SC-100", "Cashmere scarf", tags=("winter",))
    await add_item(database, shop, first, "SC-100-NV")

    async with database.uow() as uow:
        again = await uow.catalog.upsert_product(a_product(shop, "SC-100", "Cashmere scarf, navy", updated_at=T0 + timedelta(days=1)))
        item = await uow.catalog.item(again.id)
        await uow.commit()

    assert item is not None and item.product.name == "Cashmere scarf, navy"
    assert item.product.created_at == T0, "an update keeps when the product was created"
    assert item.product.updated_at == T0 + timedelta(days=1)
    assert [variant.sku for variant in item.variants] == ["SC-100-NV"]
    async with database.uow() as uow:
        count = (await uow.session.execute(sa.text("SELECT count(*) FROM product"))).scalar_one()
    assert count == 1


async def test_member_prices_and_images_are_replaced_as_a_whole(database: Database, shop: Shop) -> None:
    await add_item(database, shop, a_product(shop, "SC-100", "Cashmere scarf"), "SC-100-NV")
    async with database.uow() as uow:
        variant = await uow.catalog.variant_by_sku(shop.brand.id, "SC-100-NV")
        await uow.catalog.set_member_prices(variant.id, [MemberPrice("Gold", 118000), MemberPrice("Platinum", 108000)])
        await uow.catalog.set_member_prices(variant.id, [MemberPrice("Gold", 115000)])
        blob_ids = [(await uow.blobs.put(_blob(n))).id for n in range(3)]
        await uow.catalog.set_images(variant.product_id, blob_ids)
        await uow.catalog.set_images(variant.product_id, list(reversed(blob_ids[1:])))
        await uow.commit()

    async with database.uow() as uow:
        item = await uow.catalog.item_by_code(shop.brand.id, "SC-100")

    assert item.variants[0].member_prices == (MemberPrice("Gold", 115000),)
    assert item.variants[0].member_price("gold") == 115000, "tiers match ignoring case"
    assert item.image_blob_ids == (blob_ids[2], blob_ids[1])


async def test_browsing_pages_through_offered_products_of_a_category(database: Database, shop: Shop) -> None:
    for n in range(5):
        await add_item(database, shop, a_product(shop, f"SC-{n}", f"Scarf {n}", created_at=T0 + timedelta(minutes=n)), f"SC-{n}-A")
    await add_item(database, shop, a_product(shop, "BG-1", "Tote bag", category="Bags", is_new=True), "BG-1-A")
    await add_item(database, shop, a_product(shop, "BG-2", "Old bag", category="Bags", active=False), "BG-2-A")
    await add_item(database, shop, a_product(shop, "BG-3", "No variants", category="Bags"))

    async with database.uow() as uow:
        first = await uow.catalog.browse(shop.brand.id, category="Scarves", limit=2)
        last = await uow.catalog.browse(shop.brand.id, category="Scarves", offset=4, limit=2)
        new = await uow.catalog.browse(shop.brand.id, new_only=True)
        categories = await uow.catalog.categories(shop.brand.id)

    assert [item.product.code for item in first.items] == ["SC-4", "SC-3"], "newest first"
    assert first.total == 5 and first.has_more
    assert [item.product.code for item in last.items] == ["SC-0"] and not last.has_more
    assert [item.product.code for item in new.items] == ["BG-1"]
    assert categories == [("Bags", 1), ("Scarves", 5)], "inactive products and products without variants are not offered"


async def test_search_matches_every_word_in_name_code_category_and_tags_ignoring_case(database: Database, shop: Shop) -> None:
    await add_item(database, shop, a_product(shop, "SC-100", "Cachemire Écharpe", tags=("winter", "gift")), "SC-100-A")
    await add_item(database, shop, a_product(shop, "TS-200", "Linen shirt", category="Shirts", tags=("summer",)), "TS-200-A")
    await add_item(database, shop, a_product(shop, "BG-300", "Silk 丝巾 100%_square", category="Scarves"), "BG-300-A")

    async def codes(query: str) -> list[str]:
        async with database.uow() as uow:
            page = await uow.catalog.search(shop.brand.id, search_words(query))
        return [item.product.code for item in page.items]

    assert await codes("ÉCHARPE") == ["SC-100"], "non-ASCII letters fold on both databases"
    assert await codes("cachemire GIFT") == ["SC-100"]
    assert await codes("scarves") == ["SC-100", "BG-300"], "ordered by name"
    assert await codes("ts-200") == ["TS-200"]
    assert await codes("丝巾") == ["BG-300"]
    assert await codes("100%_") == ["BG-300"], "% and _ in a query are plain characters"
    assert await codes("0%") == ["BG-300"]
    assert await codes("shirt winter") == []


async def test_stock_is_set_per_store_and_never_below_what_is_held(database: Database, shop: Shop) -> None:
    await add_item(database, shop, a_product(shop, "SC-100", "Scarf"), "SC-100-A")
    async with database.uow() as uow:
        other = await uow.stores.add(Store(brand_id=shop.brand.id, code="LYO01", name="Lyon"))
        variant = await uow.catalog.variant_by_sku(shop.brand.id, "SC-100-A")
        created = await uow.stock.set_on_hand(shop.store.id, variant.id, 5, T0)
        await uow.stock.set_on_hand(other.id, variant.id, 2, T0)
        await uow.session.execute(sa.text("UPDATE stock SET held = 3 WHERE store_id = :s"), {"s": shop.store.id})
        refused = await uow.stock.set_on_hand(shop.store.id, variant.id, 2, T0 + timedelta(hours=1))
        lowered = await uow.stock.set_on_hand(shop.store.id, variant.id, 3, T0 + timedelta(hours=2))
        await uow.commit()

    async with database.uow() as uow:
        levels = await uow.stock.of_variant(variant.id)
        at_store = await uow.stock.at_store(other.id, [variant.id, 999])
        by_pair = await uow.stock.levels([(shop.store.id, variant.id), (other.id, 12345)])

    assert created.on_hand == 5 and created.held == 0
    assert refused is None, "3 are held: the store cannot have only 2"
    assert lowered.on_hand == 3 and lowered.available == 0
    assert [(level.store_id, level.on_hand, level.held) for level in levels] == [(shop.store.id, 3, 3), (other.id, 2, 0)]
    assert list(at_store) == [variant.id] and at_store[variant.id].on_hand == 2
    assert list(by_pair) == [(shop.store.id, variant.id)]


async def test_many_codes_are_looked_up_in_chunks(database: Database, shop: Shop) -> None:
    async with database.uow() as uow:
        for n in range(1200):
            product = await uow.catalog.upsert_product(a_product(shop, f"P{n:05}", f"Product {n}"))
            await uow.catalog.upsert_variant(Variant(shop.brand.id, product.id, f"S{n:05}", 100))
        await uow.commit()

    async with database.uow() as uow:
        items = await uow.catalog.items_by_codes(shop.brand.id, [f"P{n:05}" for n in range(1300)])
        variants = await uow.catalog.variants_by_skus(shop.brand.id, [f"S{n:05}" for n in range(1300)])

    assert len(items) == 1200 and len(variants) == 1200
    assert items["P01199"].variants[0].sku == "S01199"


def _blob(n: int):
    import hashlib

    from commerce.outbox import Blob

    content = f"picture {n}".encode()
    return Blob(hashlib.sha256(content).hexdigest(), content, "image/png", f"{n}.png", T0)
