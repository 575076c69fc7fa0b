"""HQ changes the brand while the bots run: the next person meets the new version, with
no restart, once the running process's copy of the brand expires (brand_refresh_seconds)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from bot.cli.main import main
from tests.e2e.conftest import eventually
from tests.e2e.scenario import STORE_NAME, open_shop, scan

NEW_WELCOME = "Bonjour {member}! {associate} at {store} is yours now."


def brand_file(tmp_path: Path, stack) -> Path:
    """The running brand, its store unchanged, with a welcome of its own."""
    path = tmp_path / "brand.yaml"
    path.write_text(f"brand:\n  name: {stack.settings_overrides['brand_name']}\n  welcome_text: \"{NEW_WELCOME}\"\n"
                    f"stores:\n  - code: SH1\n    name: {STORE_NAME}\n", encoding="utf-8")
    return path


async def test_a_welcome_text_loaded_while_running_greets_the_next_member(stack, tmp_path, monkeypatch):
    shop = await open_shop(stack)
    alice, carol = await stack.person("Alice"), await stack.person("Carol")
    before = await scan(stack, alice, shop.code(shop.bob))
    assert before["text"].startswith(f"Hi Alice, I'm Bob from {STORE_NAME}. Welcome to Maison Test!")

    # When HQ loads a brand file with a welcome text, as a person types it, beside the running bots.
    for name in ("STORELINK_CONSUMER_BOT_TOKEN", "STORELINK_ASSOCIATE_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    env = {"STORELINK_DATABASE_URL": stack.settings_overrides["database_url"], "STORELINK_SIGNING_KEY": stack.settings_overrides["signing_key"]}
    loaded = await asyncio.to_thread(CliRunner().invoke, main, ["--log-level", "WARNING", "brand", "load",
                                                                  str(brand_file(tmp_path, stack))], env=env)
    assert loaded.exit_code == 0, loaded.output

    # Then, once the running process reads the brand again (within brand_refresh_seconds),
    # the next member is welcomed with it.
    services = stack.runtime.services

    async def new_welcome_in_use() -> bool:
        async with services.uow() as uow:
            return (await services.current_brand(uow)).welcome_text == NEW_WELCOME

    await eventually(new_welcome_in_use, "the running bots use the new welcome",
                     timeout=services.settings.brand_refresh_seconds + 10)
    after = await scan(stack, carol, shop.code(shop.bob))
    assert after["text"].startswith(f"Bonjour Carol! Bob at {STORE_NAME} is yours now.")
