"""Onboarding end to end: HQ runs the `storelink` CLI as a separate process against the
running stack's database and Bot API, and associates open their invite links in the
staff bot through the real PTB stack."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image

from bot.interface.links import start_link
from commerce.codes import sign_enrollment_code
from commerce.people import Store
from commerce import onboarding
from commerce.brand_plan import associate_spec
from tests.e2e.conftest import Stack, free_port

SETTINGS_FOR_THE_CLI = ("consumer_bot_token", "associate_bot_token", "bot_api_url", "database_url", "signing_key")


async def storelink(stack: Stack, cwd: Path, *args: str, **changes: str) -> tuple[int, str, str]:
    """`storelink ARGS...` as its own process, configured like the stack (with changes)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("STORELINK_")}
    settings = {name: stack.settings_overrides[name] for name in SETTINGS_FOR_THE_CLI} | changes
    env |= {f"STORELINK_{name.upper()}": str(value) for name, value in settings.items()}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "--log-level", "WARNING", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def a_store(stack: Stack, code: str = "SH1", name: str = "Shanghai Xintiandi") -> Store:
    async with stack.runtime.services.uow() as uow:
        store = await uow.stores.add(Store(brand_id=stack.runtime.services.brand.id, code=code, name=name))
        await uow.commit()
    return store


async def add_associate(stack: Stack, cwd: Path, name: str = "Bob Chen", *extra: str) -> dict:
    code, out, err = await storelink(stack, cwd, "sa", "add", "--store", "SH1", "--name", name, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


async def an_associate(stack: Stack, name: str, locale: str = "en") -> dict:
    """An associate added straight through the domain, where the CLI is not what is tested."""
    services = stack.runtime.services
    async with services.uow() as uow:
        associate, _ = await onboarding.add_associate(
            uow, associate_spec("test", "SH1", name, locale, False), key=stack.settings_overrides["signing_key"].encode(),
            now=services.clock.now())
        await uow.commit()
    return {"id": associate.id, "short_code": associate.short_code}


def payload_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["start"][0]


async def test_an_invite_link_binds_the_associates_telegram_account(stack, tmp_path):
    await a_store(stack)
    added = await add_associate(stack, tmp_path)
    bob = await stack.person("Bob")

    welcome = await stack.reply_to(bob, stack.associate_bot, f"/start {payload_of(added['invite_link'])}")
    status = await stack.reply_to(bob, stack.associate_bot, "/start")

    assert added["invite_link"].startswith(f"https://t.me/{stack.associate_bot}?start=i")
    assert (added["name"], added["store"], len(added["short_code"])) == ("Bob Chen", "SH1", 6)
    assert "Welcome, Bob Chen!" in welcome["text"] and "associate of Shanghai Xintiandi" in welcome["text"]
    assert "/qr" in welcome["text"] and "/help" in welcome["text"]
    assert "signed in as an associate of Shanghai Xintiandi" in status["text"]


async def test_an_invite_works_once(stack, tmp_path):
    await a_store(stack)
    link = (await add_associate(stack, tmp_path))["invite_link"]
    bob, mallory = await stack.person("Bob"), await stack.person("Mallory")
    await stack.reply_to(bob, stack.associate_bot, f"/start {payload_of(link)}")

    reused = await stack.reply_to(mallory, stack.associate_bot, f"/start {payload_of(link)}")
    status = await stack.reply_to(mallory, stack.associate_bot, "/start")

    assert "This invite link has already been used" in reused["text"]
    assert "Ask your manager for an invite link" in status["text"]


async def test_an_expired_invite_asks_for_a_new_one(stack, tmp_path):
    await a_store(stack)
    added = await add_associate(stack, tmp_path)
    services = stack.runtime.services
    async with services.uow() as uow:
        associate = await uow.associates.get(added["id"])
        await onboarding.issue_invite(uow, associate, token="expired-token", now=services.clock.now() - timedelta(days=8))
        await uow.commit()
    bob = await stack.person("Bob", language_code="zh-hans")

    expired = await stack.reply_to(bob, stack.associate_bot, "/start iexpired-token")

    assert expired["text"] == "该邀请链接已过期，请向店长索取新的链接。"


async def test_a_deactivated_associates_invite_is_refused(stack, tmp_path):
    await a_store(stack)
    added = await add_associate(stack, tmp_path, "Wang Wei")
    code, out, _ = await storelink(stack, tmp_path, "sa", "deactivate", added["short_code"].lower())
    wei = await stack.person("Wei")

    refused = await stack.reply_to(wei, stack.associate_bot, f"/start {payload_of(added['invite_link'])}")

    assert (code, out) == (0, f"associate {added['id']} (Wang Wei, {added['short_code']}) deactivated\n")
    assert "deactivated" in refused["text"]
    async with stack.runtime.services.uow() as uow:
        assert await uow.associates.by_telegram_user(wei) is None


async def test_a_fresh_invite_from_the_cli_binds_too(stack, tmp_path):
    await a_store(stack)
    added = await add_associate(stack, tmp_path)
    code, out, err = await storelink(stack, tmp_path, "sa", "invite", str(added["id"]), "--invite-days", "2")
    bob = await stack.person("Bob")

    welcome = await stack.reply_to(bob, stack.associate_bot, f"/start {payload_of(out.splitlines()[-1])}")

    assert code == 0, err
    assert out.startswith(f"invite link for Bob Chen ({added['short_code']}), single use, valid until ")
    assert "associate of Shanghai Xintiandi" in welcome["text"]


async def test_a_brand_file_prints_invite_links_for_new_associates(stack, tmp_path):
    bob = await stack.person("Bob")
    brand_file = tmp_path / "brand.yaml"
    brand_file.write_text(
        "stores:\n  - {code: BJ, name: Beijing Sanlitun}\n"
        f"associates:\n  - {{name: Wang Wei, store: BJ}}\n  - {{name: Bob Chen, store: BJ, telegram: {bob}}}\n",
        encoding="utf-8",
    )

    code, out, err = await storelink(stack, tmp_path, "brand", "load", str(brand_file))
    again = await storelink(stack, tmp_path, "brand", "load", str(brand_file))
    status = await stack.reply_to(bob, stack.associate_bot, "/start")

    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "brand.yaml loaded" and "invite link for the new associate (single use" in out
    invites = [line for line in lines if f"https://t.me/{stack.associate_bot}?start=i" in line]
    assert len(invites) == 1 and invites[0].strip().startswith("Wang Wei (BJ, ")  # Bob is bound by the file
    assert "invite links" not in again[1] and "associates:   0 created, 0 updated, 2 unchanged" in again[1]
    assert "associate of Beijing Sanlitun" in status["text"]


async def test_a_poster_scans_to_the_associates_exact_consumer_deep_link(stack, tmp_path):
    await a_store(stack)
    added = await an_associate(stack, "李娜", "zh-Hans")
    poster = tmp_path / "lina.png"

    code, out, err = await storelink(stack, tmp_path, "sa", "qr", added["short_code"], "--out", str(poster))

    key = stack.settings_overrides["signing_key"].encode()
    expected = start_link(stack.consumer_bot, sign_enrollment_code(added["id"], key))
    assert code == 0, err
    assert expected in out
    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(poster))]
    assert decoded == [expected]


async def test_posters_for_everyone_one_file_per_active_associate(stack, tmp_path):
    await a_store(stack)
    first = await an_associate(stack, "Bob Chen")
    second = await an_associate(stack, "李娜", "zh-Hans")
    left = await an_associate(stack, "Wang Wei")
    async with stack.runtime.services.uow() as uow:
        await onboarding.deactivate_associate(uow, await uow.associates.get(left["id"]), now=stack.runtime.services.clock.now())
        await uow.commit()

    code, out, err = await storelink(stack, tmp_path, "sa", "qr", "--all", "--out", str(tmp_path / "posters"), "--format", "jpeg")

    assert code == 0, err
    assert out == f"2 posters written to {tmp_path / 'posters'}\n"
    assert sorted(path.name for path in (tmp_path / "posters").iterdir()) == sorted(
        [f"SH1-{first['short_code']}.jpg", f"SH1-{second['short_code']}.jpg"])
    image = Image.open(tmp_path / "posters" / f"SH1-{second['short_code']}.jpg")
    assert image.format == "JPEG"
    assert [barcode.text for barcode in zxingcpp.read_barcodes(image)] == [
        start_link(stack.consumer_bot, sign_enrollment_code(second["id"], stack.settings_overrides["signing_key"].encode()))]


async def test_an_unreachable_bot_api_is_one_clear_line(stack, tmp_path):
    await a_store(stack)
    nowhere = f"http://127.0.0.1:{free_port()}"

    code, out, err = await storelink(stack, tmp_path, "sa", "add", "--store", "SH1", "--name", "Bob", bot_api_url=nowhere)

    assert code == 1 and out == ""
    assert err.startswith(f"storelink: cannot reach the Bot API at {nowhere} to look up the associate bot")
    assert len(err.splitlines()) == 1
    async with stack.runtime.services.uow() as uow:  # nothing was written
        assert await uow.associates.list_all() == []
