"""`storelink brand load` on SQLite and PostgreSQL, run in-process as a person would type it."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from storage.uow import Database

BRAND_CSV = """\
kind,code,name,address,latitude,longitude,timezone,store,locale,manager,telegram,percent_off
brand,,Maison Lumière,,,,Asia/Shanghai,,,,,
store,SH-XTD,Shanghai Xintiandi,123 Madang Road,31.2196,121.4747,,,,,,
store,BJ-SLT,Beijing Sanlitun,19 Sanlitun Road,39.9334,116.4551,,,,,,
associate,,Bob Chen,,,,,SH-XTD,en,yes,5000000001,
associate,,李娜,,,,,SH-XTD,zh-Hans,,,
associate,,Wang Wei,,,,,BJ-SLT,zh-Hans,,,
hq,,Hannah,,,,,,,,5000000009,
reward,,,,,,,,,,,10
"""


@pytest.fixture
def storelink(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run `storelink ARGS...` against the test database, without bot tokens."""
    for name in ("STORELINK_CONSUMER_BOT_TOKEN", "STORELINK_ASSOCIATE_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's; var/ stays in tmp_path
    env = {"STORELINK_DATABASE_URL": database_url, "STORELINK_SIGNING_KEY": secrets.token_urlsafe(32)}

    def run(*args: str):
        return CliRunner().invoke(main, ["--log-level", "WARNING", *args], env=env)

    return run


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def counts(database_url: str) -> tuple[int, int, int]:
    database = await Database.open(database_url, migrate=False)
    try:
        async with database.uow() as uow:
            brand = await uow.brands.first()
            stores = await uow.stores.list(brand.id) if brand else []
            operators = await uow.hq.list(brand.id) if brand else []
            return len(stores), len(await uow.associates.list_all()), len(operators)
    finally:
        await database.dispose()


def test_a_brand_file_loads_and_loading_it_again_changes_nothing(storelink, tmp_path, database_url):
    path = write(tmp_path, "brand.csv", BRAND_CSV)

    first = storelink("brand", "load", str(path))
    again = storelink("brand", "load", str(path))

    assert first.exit_code == 0, first.output
    assert "brand:        1 created, 0 updated, 0 unchanged" in first.output, "a fresh database had no brand"
    assert "stores:       2 created, 0 updated, 0 unchanged" in first.output
    assert "associates:   3 created, 0 updated, 0 unchanged" in first.output
    assert "2 new associates have no Telegram account yet" in first.output
    assert again.exit_code == 0, again.output
    assert "brand:        0 created, 0 updated, 1 unchanged" in again.output
    assert "associates:   0 created, 0 updated, 3 unchanged" in again.output
    assert "reward:       0 created, 0 updated, 1 unchanged" in again.output
    listed = storelink("sa", "list", "--store", "SH-XTD")
    assert re.search(r"\n\s+1\s+[A-Z2-9]{6}\s+SH-XTD\s+active\s+bound\s+en\s+Bob Chen \(manager\)", listed.output), listed.output
    assert "李娜" in listed.output and "Wang Wei" not in listed.output


def test_one_new_associate_is_counted_in_the_singular(storelink, tmp_path):
    path = write(tmp_path, "one.csv", "kind,code,name,store\nstore,SH-XTD,Shanghai Xintiandi,\nassociate,,Bob Chen,SH-XTD\n")

    loaded = storelink("brand", "load", str(path))

    assert loaded.exit_code == 0, loaded.output
    assert "1 new associate has no Telegram account yet" in loaded.output
    assert "for their invite link\n" in loaded.output
    assert "brand:        1 created" in loaded.output


def test_a_file_with_one_bad_line_writes_nothing(storelink, tmp_path, database_url):
    bad = BRAND_CSV.replace("39.9334", "north")
    path = write(tmp_path, "stores.csv", bad)

    result = storelink("brand", "load", str(path))

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "stores.csv line 4: latitude 'north' is not a number",
        "storelink: nothing was written (1 problem)",
    ]
    assert "Traceback" not in result.output
    assert asyncio.run(counts(database_url)) == (0, 0, 0)


def test_bad_input_never_shows_a_traceback(storelink, tmp_path):
    missing = storelink("brand", "load", str(tmp_path / "nope.yaml"))
    wrong_kind = storelink("brand", "load", str(write(tmp_path, "brand.json", "{}")))
    broken = storelink("brand", "load", str(write(tmp_path, "brand.yaml", "stores: [\n")))
    unknown = storelink("sa", "deactivate", "ZZZZZZ")
    no_store = storelink("sa", "list", "--store", "XX")

    assert [r.exit_code for r in (missing, wrong_kind, broken, unknown, no_store)] == [1, 1, 1, 1, 1]
    assert missing.stderr.startswith(f"{tmp_path / 'nope.yaml'}: no such file")
    assert wrong_kind.stderr.startswith("brand.json: a brand file ends in .yaml, .yml or .csv")
    assert broken.stderr.startswith("brand.yaml line 2: not valid YAML")
    assert unknown.stderr == "storelink: no associate with id or short code 'ZZZZZZ'\n"
    assert no_store.stderr == "storelink: store 'XX' does not exist\n"
    assert all("Traceback" not in r.output for r in (missing, wrong_kind, broken, unknown, no_store))


def test_commands_that_talk_to_telegram_need_the_tokens(storelink):
    result = storelink("sa", "add", "--store", "SH-XTD", "--name", "Bob")
    assert result.exit_code == 1
    assert "STORELINK_CONSUMER_BOT_TOKEN is missing" in result.stderr


def test_deactivating_keeps_the_associate_listed(storelink, tmp_path):
    storelink("brand", "load", str(write(tmp_path, "brand.csv", BRAND_CSV)))

    first = storelink("sa", "deactivate", "3")
    again = storelink("sa", "deactivate", "3")
    listed = json.loads(storelink("sa", "list", "--json").output)

    wei = listed[2]
    assert first.output == f"associate 3 (Wang Wei, {wei['short_code']}) deactivated\n"
    assert again.output.endswith("was already deactivated\n")
    assert [a["status"] for a in listed] == ["active", "active", "deactivated"]
