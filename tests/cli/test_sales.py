"""`storelink sales` on SQLite and PostgreSQL: HQ's table per store and associate with the
money written for the locale, the same numbers as JSON in minor units, and plain words
when there is nothing to show."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from commerce.people import Associate, Brand, Store
from storage.uow import Database
from tests.fixtures_db import Shop
from tests.orders_fixtures import a_linked_member, another_associate
from tests.shop_fixtures import a_picked_up_order


@pytest.fixture
def storelink(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name in ("STORELINK_CONSUMER_BOT_TOKEN", "STORELINK_ASSOCIATE_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    env = {"STORELINK_DATABASE_URL": database_url, "STORELINK_SIGNING_KEY": secrets.token_urlsafe(32)}
    return lambda *args, locale="en": CliRunner().invoke(main, ["--log-level", "WARNING", *args],
                                                         env=env | {"STORELINK_DEFAULT_LOCALE": locale})


async def _sales(database_url: str) -> None:
    """Two associates of one store: Claire sold ¥2,500 and ¥1,280, Marc ¥99.50, a minute ago."""
    database = await Database.open(database_url, migrate=False)
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    try:
        async with database.uow() as uow:
            brand = await uow.brands.add(Brand(name="Maison Test"))
            store = await uow.stores.add(Store(brand_id=brand.id, code="SH-XTD", name="Shanghai Xintiandi"))  # type: ignore[arg-type]
            claire = await uow.associates.add(Associate(store_id=store.id, display_name="Claire", short_code="CLAIRE1",  # type: ignore[arg-type]
                                                        telegram_user_id=5_000_000_001, created_at=a_minute_ago))
            await uow.commit()
        shop = Shop(brand, store, claire)
        marc = await another_associate(database, shop, "Marc")
        ana = await a_linked_member(database, shop, 7_000_000_001)
        bo = await a_linked_member(database, shop, 7_000_000_002, associate=marc)
        await a_picked_up_order(database, shop, ana, 2_500_00, a_minute_ago)
        await a_picked_up_order(database, shop, ana, 1_280_00, a_minute_ago)
        await a_picked_up_order(database, shop, bo, 99_50, a_minute_ago, associate=marc)
    finally:
        await database.dispose()


def test_hq_reads_each_associates_sales_as_a_table_and_as_json(storelink, database_url):
    asyncio.run(_sales(database_url))

    shown = storelink("sales", "--days", "2")
    chinese = storelink("sales", "--days", "2", locale="zh-Hans")
    as_json = storelink("sales", "--days", "2", "--json")

    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].startswith("sales ") and lines[0].endswith("(UTC): orders delivered or picked up, refunds subtracted")
    assert [line.split() for line in lines[1:]] == [
        ["store", "associate", "orders", "refunds", "revenue"],
        ["SH-XTD", "Shanghai", "Xintiandi", "Claire", "2", "0", "CN¥3,780.00"],
        ["SH-XTD", "Shanghai", "Xintiandi", "Marc", "1", "0", "CN¥99.50"],
        ["SH-XTD", "Shanghai", "Xintiandi", "store", "total", "3", "0", "CN¥3,879.50"],
        ["all", "stores", "3", "0", "CN¥3,879.50"],
    ]
    assert "¥3,879.50" in chinese.output and "CN¥" not in chinese.output
    report = json.loads(as_json.output)
    [store] = report["stores"]
    assert (store["code"], store["totals"]["CNY"]["net_minor"]) == ("SH-XTD", 3_879_50)
    assert [(a["name"], a["orders"], a["revenue_minor"], a["net_minor"], sum(d["orders"] for d in a["days"]))
            for a in store["associates"]] == [("Claire", 2, 3_780_00, 3_780_00, 2), ("Marc", 1, 99_50, 99_50, 1)]


def test_no_sales_no_brand_and_a_bad_number_of_days_are_said_plainly(storelink, database_url):
    no_brand = storelink("sales")
    asyncio.run(_a_brand(database_url))
    nothing = storelink("sales", "--days", "7")
    zero = storelink("sales", "--days", "0")

    assert no_brand.exit_code != 0 and "no brand yet" in no_brand.output and "Traceback" not in no_brand.output
    assert nothing.exit_code == 0 and nothing.output.splitlines()[-1] == "no sales"
    assert zero.exit_code == 2 and "--days" in zero.output


async def _a_brand(database_url: str) -> None:
    database = await Database.open(database_url, migrate=False)
    try:
        async with database.uow() as uow:
            await uow.brands.add(Brand(name="Maison Test"))
            await uow.commit()
    finally:
        await database.dispose()
