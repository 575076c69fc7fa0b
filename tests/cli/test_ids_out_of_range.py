"""Ids typed at the CLI beyond the database's integer columns name nobody: the command says
so in one line, as for any unknown id, instead of failing in the database (PostgreSQL)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main

HUGE = "999999999999999999"


@pytest.fixture
def storelink(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name in ("STORELINK_CONSUMER_BOT_TOKEN", "STORELINK_ASSOCIATE_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    env = {"STORELINK_DATABASE_URL": database_url, "STORELINK_SIGNING_KEY": secrets.token_urlsafe(32)}
    (tmp_path / "brand.csv").write_text("kind,code,name,address,latitude,longitude,timezone,store\n"
                                        "brand,,Maison Test,,,,Asia/Shanghai,\nstore,SH-1,Shanghai,1 Road,31.2,121.4,,\n")
    return lambda *args: CliRunner().invoke(main, ["--log-level", "WARNING", *args], env=env)


@pytest.mark.parametrize("command, says", [
    (["member", "tier", HUGE, "Gold"], f"no member with id or @username '{HUGE}'"),
    (["sa", "deactivate", HUGE], f"no associate with id or short code '{HUGE}'"),
])
def test_an_id_beyond_the_columns_is_an_unknown_id(storelink, command, says):
    assert storelink("brand", "load", "brand.csv").exit_code == 0

    result = storelink(*command)

    assert result.exit_code == 1, result.output
    assert result.output.strip() == f"storelink: {says}"
