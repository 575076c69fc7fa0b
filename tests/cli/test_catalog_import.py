"""`storelink catalog import` and `storelink inventory import` on SQLite and PostgreSQL, run
in-process as a person would type them; pictures from files and from a local HTTP server."""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import socket
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import web
from click.testing import CliRunner
from PIL import Image

from bot.cli.main import main
from storage.uow import Database

BRAND_CSV = """\
kind,code,name,timezone
brand,,Maison Lumière,Asia/Shanghai
store,SH-XTD,Shanghai Xintiandi,
store,BJ-SLT,Beijing Sanlitun,
"""
CATALOG = """\
code,name,category,currency,price,sku,size,colour,member_price:Gold,tags,new,images
SC-100,Cashmere scarf,Scarves,CNY,"1,280.00",SC-100-NV,One size,Navy,1180,"winter, gift",yes,img/scarf.png
SC-100,Cashmere scarf,Scarves,CNY,1280,SC-100-RD,One size,Red,,"winter, gift",yes,img/scarf.png
TS-200,Linen shirt,Shirts,CNY,680,TS-200-M,M,White,,,,
TS-200,Linen shirt,Shirts,CNY,680,TS-200-L,L,White,,,,
"""
INVENTORY = "store,sku,on_hand\nSH-XTD,SC-100-NV,5\nBJ-SLT,SC-100-NV,2\nSH-XTD,TS-200-M,0\n"


def png(colour: str, size: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def storelink(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name in ("STORELINK_CONSUMER_BOT_TOKEN", "STORELINK_ASSOCIATE_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    env = {"STORELINK_DATABASE_URL": database_url, "STORELINK_SIGNING_KEY": secrets.token_urlsafe(32)}

    def run(*args: str):
        return CliRunner().invoke(main, ["--log-level", "WARNING", *args], env=env)

    write(tmp_path, "brand.csv", BRAND_CSV)
    assert run("brand", "load", "brand.csv").exit_code == 0
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "scarf.png").write_bytes(png("navy"))
    return run


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


async def table_counts(database_url: str) -> dict[str, int]:
    database = await Database.open(database_url, migrate=False)
    try:
        async with database.uow() as uow:
            return {table: (await uow.session.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()
                    for table in ("product", "variant", "member_price", "product_image", "stock", "blob")}
    finally:
        await database.dispose()


def test_a_catalog_imports_and_importing_it_again_changes_nothing(storelink, tmp_path, database_url):
    write(tmp_path, "catalog.csv", CATALOG)

    first = storelink("catalog", "import", "catalog.csv")
    again = storelink("catalog", "import", "catalog.csv", "--json")

    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "catalog.csv imported",
        "  products:  2 created, 0 updated, 0 unchanged",
        "  variants:  4 created, 0 updated, 0 unchanged",
        "  pictures:  1",
    ]
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == {
        "ok": True, "file": "catalog.csv", "dry_run": False, "images": 1, "changes": [],
        "products": {"created": 0, "updated": 0, "unchanged": 2},
        "variants": {"created": 0, "updated": 0, "unchanged": 4},
    }
    assert asyncio.run(table_counts(database_url)) == {
        "product": 2, "variant": 4, "member_price": 1, "product_image": 1, "stock": 0, "blob": 1}


def test_an_edited_file_says_which_fields_changed_and_drops_missing_skus_from_sale(storelink, tmp_path):
    write(tmp_path, "catalog.csv", CATALOG)
    storelink("catalog", "import", "catalog.csv")
    (tmp_path / "img" / "scarf.png").write_bytes(png("darkred"))
    edited = (CATALOG.replace("TS-200,Linen shirt,Shirts,CNY,680,TS-200-L,L,White,,,,\n", "")
              .replace("Linen shirt", '"Linen shirt, relaxed"').replace(",1180,", ",1080,"))
    write(tmp_path, "catalog.csv", edited)

    result = storelink("catalog", "import", "catalog.csv", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["products"] == {"created": 0, "updated": 2, "unchanged": 0}
    assert report["variants"] == {"created": 0, "updated": 2, "unchanged": 2}
    assert report["changes"] == [
        {"kind": "product", "key": "SC-100", "outcome": "updated", "fields": ["images"]},
        {"kind": "variant", "key": "SC-100-NV", "outcome": "updated", "fields": ["member_prices"]},
        {"kind": "product", "key": "TS-200", "outcome": "updated", "fields": ["name"]},
        {"kind": "variant", "key": "TS-200-L", "outcome": "updated", "fields": ["active"]},
    ]


def test_a_bad_row_among_good_ones_writes_nothing_and_every_problem_is_listed(storelink, tmp_path, database_url):
    bad = CATALOG.replace('"1,280.00"', "1280.001").replace("TS-200-L,L", "TS-200-M,L") + "BG-1,Tote,Bags,CNY,-5,BG-1-A,,,,,,\n"
    write(tmp_path, "catalog.csv", bad)

    text = storelink("catalog", "import", "catalog.csv")
    as_json = storelink("catalog", "import", "catalog.csv", "--json")

    problems = [
        "catalog.csv line 2: price: '1280.001' has more decimals than CNY allows (at most 2 decimals)",
        "catalog.csv line 5: sku: 'TS-200-M' is already at line 4",
        "catalog.csv line 6: price: '-5' is negative",
    ]
    assert text.exit_code == 2 and text.stderr.splitlines() == [*problems, "storelink: nothing was written (3 problems)"]
    assert text.stdout == ""
    assert as_json.exit_code == 2 and json.loads(as_json.stdout) == {"file": "catalog.csv", "ok": False, "problems": problems}
    assert asyncio.run(table_counts(database_url))["product"] == 0


def test_a_missing_picture_is_a_problem_of_its_product(storelink, tmp_path, database_url):
    write(tmp_path, "catalog.csv", CATALOG.replace("img/scarf.png", "img/nope.png"))
    (tmp_path / "img" / "notes.png").write_text("not a picture")
    write(tmp_path, "second.csv", CATALOG.replace("img/scarf.png", "img/notes.png"))

    missing = storelink("catalog", "import", "catalog.csv")
    not_picture = storelink("catalog", "import", "second.csv")

    assert missing.exit_code == 2
    assert len(missing.stderr.splitlines()) == 2, "a product's picture is said once, at the product's first row"
    assert missing.stderr.splitlines()[0] == f"catalog.csv line 2: images: 'img/nope.png' is not there (looked for {tmp_path / 'img' / 'nope.png'})"
    assert not_picture.stderr.splitlines() == [
        "second.csv line 2: images: 'img/notes.png' is not a picture (PNG, JPEG or WebP)",
        "storelink: nothing was written (1 problem)",
    ]
    assert asyncio.run(table_counts(database_url))["blob"] == 0


class PictureServer:
    """A local HTTP server in its own thread (the CLI runs its own event loop)."""

    def __init__(self, routes: dict[str, bytes]) -> None:
        self.routes = routes
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()

        async def handle(request: web.Request) -> web.StreamResponse:
            if request.path not in self.routes:
                return web.Response(status=404)
            return web.Response(body=self.routes[request.path], content_type="image/png")

        app.router.add_get("/{name}", handle)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self) -> str:
        self.thread.start()
        self.ready.wait(10)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_pictures_come_from_urls_too_with_a_size_cap(storelink, tmp_path, database_url, monkeypatch):
    import bot.cli.catalog_images as images

    monkeypatch.setattr(images, "MAX_BYTES", 20_000)
    routes = {"/scarf.png": png("navy"), "/huge.png": png("red", 400) + b"\0" * 30_000}
    with PictureServer(routes) as base:
        write(tmp_path, "good.csv", CATALOG.replace("img/scarf.png", f"{base}/scarf.png"))
        write(tmp_path, "bad.csv", CATALOG.replace("img/scarf.png", f"{base}/huge.png").replace(
            "TS-200-M,M,White,,,,", f"TS-200-M,M,White,,,,{base}/gone.png"))
        good = storelink("catalog", "import", "good.csv", "--json")
        bad = storelink("catalog", "import", "bad.csv", "--json")

    assert good.exit_code == 0, good.output
    assert json.loads(good.stdout)["images"] == 1
    assert asyncio.run(table_counts(database_url))["blob"] == 1
    assert bad.exit_code == 2
    assert json.loads(bad.stdout)["problems"] == [
        f"bad.csv line 2: images: '{base}/huge.png' is larger than 19 KB",
        f"bad.csv line 4: images: '{base}/gone.png' answered HTTP 404",
    ]


def test_inventory_sets_stock_per_store_and_says_what_changed(storelink, tmp_path, database_url):
    write(tmp_path, "catalog.csv", CATALOG)
    storelink("catalog", "import", "catalog.csv")
    write(tmp_path, "stock.csv", INVENTORY)

    dry = storelink("inventory", "import", "stock.csv", "--dry-run")
    first = storelink("inventory", "import", "stock.csv")
    write(tmp_path, "stock.csv", INVENTORY.replace("SH-XTD,SC-100-NV,5", "SH-XTD,SC-100-NV,7"))
    second = storelink("inventory", "import", "stock.csv", "--json")

    assert dry.exit_code == 0 and dry.output.splitlines()[0] == "stock.csv checked: nothing was written (--dry-run)"
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "stock.csv imported",
        "  stock:     3 changed, 0 unchanged",
        "  SH-XTD SC-100-NV: none → 5",
        "  BJ-SLT SC-100-NV: none → 2",
        "  SH-XTD TS-200-M: none → 0",
    ]
    assert json.loads(second.output) == {"ok": True, "file": "stock.csv", "dry_run": False, "changed": 1, "unchanged": 2,
                                         "changes": [{"store": "SH-XTD", "sku": "SC-100-NV", "before": 5, "after": 7}]}


def test_stock_below_what_open_orders_hold_is_refused_for_that_row(storelink, tmp_path, database_url):
    write(tmp_path, "catalog.csv", CATALOG)
    storelink("catalog", "import", "catalog.csv")
    write(tmp_path, "stock.csv", INVENTORY)
    storelink("inventory", "import", "stock.csv")
    asyncio.run(_hold(database_url, "SC-100-NV", "SH-XTD", 4))
    write(tmp_path, "stock.csv", INVENTORY.replace("SH-XTD,SC-100-NV,5", "SH-XTD,SC-100-NV,3")
          .replace("BJ-SLT,SC-100-NV,2", "BJ-SLT,SC-100-NV,9") + "XX-1,SC-100-NV,1\nSH-XTD,NOPE,1\n")

    result = storelink("inventory", "import", "stock.csv")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "stock.csv line 5: store: 'XX-1' is not a store of the brand",
        "stock.csv line 6: sku: 'NOPE' is not in the catalog",
        "storelink: nothing was written (2 problems)",
    ]
    write(tmp_path, "stock.csv", INVENTORY.replace("SH-XTD,SC-100-NV,5", "SH-XTD,SC-100-NV,3")
          .replace("BJ-SLT,SC-100-NV,2", "BJ-SLT,SC-100-NV,9"))
    below = storelink("inventory", "import", "stock.csv", "--json")
    assert below.exit_code == 2
    assert json.loads(below.stdout)["problems"] == [
        "stock.csv line 2: on_hand: 3 is below the 4 held by open orders at that store"]
    assert asyncio.run(_on_hand(database_url)) == [2, 5], "the good row of the file was not written either"


def test_catalog_commands_need_a_brand_and_an_existing_database(storelink, tmp_path, monkeypatch):
    write(tmp_path, "catalog.csv", CATALOG)
    typo = tmp_path / "vra" / "storelink.db"

    other = storelink("catalog", "import", "catalog.csv", "--brand", "Someone Else")
    result = CliRunner().invoke(main, ["catalog", "import", "catalog.csv"],
                                env={"STORELINK_DATABASE_URL": f"sqlite+aiosqlite:///{typo}"})

    assert other.exit_code == 1
    assert other.stderr == "storelink: no brand named 'Someone Else' (this deployment's brand is 'Maison Lumière')\n"
    assert result.exit_code == 1 and f"no database at {typo}" in result.stderr and not typo.parent.exists()


def test_a_large_file_reports_progress_on_stderr(storelink, tmp_path):
    rows = "".join(f"P{n},Product {n},Things,CNY,{n}.50,P{n}-A,,,,,,\n" for n in range(450))
    write(tmp_path, "big.csv", CATALOG.splitlines()[0] + "\n" + rows)

    result = storelink("catalog", "import", "big.csv")

    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("big.csv: rows")]
    assert progress[0] == "big.csv: rows: 45/450" and progress[-1] == "big.csv: rows: 450/450"
    assert len(progress) == 10, "a line at every tenth, not one per row"
    assert "variants:  450 created" in result.stdout


async def _hold(database_url: str, sku: str, store: str, held: int) -> None:
    database = await Database.open(database_url, migrate=False)
    try:
        async with database.uow() as uow:
            await uow.session.execute(sa.text(
                "UPDATE stock SET held = :held WHERE variant_id = (SELECT id FROM variant WHERE sku = :sku)"
                " AND store_id = (SELECT id FROM store WHERE code = :store)"), {"held": held, "sku": sku, "store": store})
            await uow.commit()
    finally:
        await database.dispose()


async def _on_hand(database_url: str) -> list[int]:
    database = await Database.open(database_url, migrate=False)
    try:
        async with database.uow() as uow:
            rows = await uow.session.execute(sa.text(
                "SELECT on_hand FROM stock JOIN variant ON variant.id = stock.variant_id WHERE sku = 'SC-100-NV'"
                " ORDER BY on_hand"))
            return [row[0] for row in rows]
    finally:
        await database.dispose()
