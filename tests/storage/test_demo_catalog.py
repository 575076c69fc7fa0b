"""The demo brand's committed catalog: what the generator writes, and what the demo imports."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.demo_catalog import (
    CATALOG_DIR,
    PRODUCTS,
    import_demo_catalog,
    read_demo_catalog,
    write,
)
from commerce.catalog import price_for, search_words
from commerce.money import format_money
from commerce.people import Store
from storage.uow import Database
from tests.fixtures_db import T0, Shop


def test_the_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    write(tmp_path)

    for name in ("catalog.csv", "inventory.csv"):
        assert (tmp_path / name).read_text() == (CATALOG_DIR / name).read_text(), f"run python -m bot.sandbox.demo_catalog ({name})"
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == sorted(p.name for p in (CATALOG_DIR / "images").iterdir())


async def test_the_demo_catalog_loads_with_stock_in_both_stores(database: Database, shop: Shop) -> None:
    plan, pictures = await read_demo_catalog(T0)
    async with database.uow() as uow:
        for code, name in (("SH-XTD", "Shanghai Xintiandi"), ("BJ-SLT", "Beijing Sanlitun")):
            await uow.stores.add(Store(brand_id=shop.brand.id, code=code, name=name))
        catalog, stock = await import_demo_catalog(uow, shop.brand.id, plan, pictures, T0)
        await uow.commit()

    async with database.uow() as uow:
        categories = await uow.catalog.categories(shop.brand.id)
        scarves = await uow.catalog.search(shop.brand.id, search_words("cashmere scarf"))
        variant = await uow.catalog.variant_by_sku(shop.brand.id, "SC-101-NAV")
        levels = await uow.stock.of_variant(variant.id)
        again, _ = await import_demo_catalog(uow, shop.brand.id, plan, pictures, T0)

    assert catalog.tally("product")["created"] == len(PRODUCTS) >= 40
    assert catalog.tally("variant")["created"] > 100 and catalog.images == len(pictures) > 40
    assert sum(count for _, count in categories) == len(PRODUCTS) and len(categories) == 7
    assert [item.product.code for item in scarves.items] == ["SC-101"]
    assert len(scarves.items[0].image_blob_ids) == 2
    assert format_money(price_for(scarves.items[0].product, variant, "gold"), "zh-Hans") == "¥1,150.00"
    assert len(levels) == 2 and len(stock.changes) == 2 * catalog.tally("variant")["created"]
    assert again.tally("product")["unchanged"] == len(PRODUCTS), "importing the demo catalog twice changes nothing"
