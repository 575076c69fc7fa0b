"""`storelink demo` as a new user meets it: the printed people and walk-through, a demo
brand in which the relay's features can be seen (a manager, a store team for escalations,
escalation in minutes), staff whose chats are open, and the walk-through's own commands
working as printed — the scan from the terminal client, the HQ tier command."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shlex
import sys
from pathlib import Path

import pytest
from telegram import Bot, BotCommandScopeChat

from bot.sandbox.client import SandboxClient
from bot.sandbox.demo import Demo
from bot.sandbox.terminal.chat import TerminalChat
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    for name in list(os.environ):
        if name.startswith("STORELINK_"):
            monkeypatch.delenv(name)
    del capsys  # requested first, so that it captures what the demo prints on start
    monkeypatch.chdir(tmp_path)  # the demo keeps its database and files under ./var
    running = Demo(sandbox_port=free_port(), http_port=free_port())
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def test_the_demo_prints_its_story_and_the_story_works_as_printed(demo: Demo, capsys):
    printed = capsys.readouterr().out
    for line in ("chat --as bob       # Bob Chen, associate, SH-XTD, manager", "chat --as carol     # Carol Wu, associate, SH-XTD",
                 "chat --as hannah    # Hannah (HQ), HQ operator", "chat --as alice     # Alice, shopper",
                 "/album 3", "/reply N /tag vip", "✍️ Write", "/members tag:vip unread", "/away 2h", "/back",
                 "unanswered for 3 minutes", "/escalations", "/switch", "/stopchat"):
        assert line in printed, line
    assert re.search(r"^  李娜       [A-Z0-9]{6}  https://t\.me/", printed, re.M), "CJK names line up with the others"

    services = demo.runtime.services
    async with services.uow() as uow:
        brand = await uow.brands.first()
        team = {a.display_name: a for a in await uow.associates.list_all()}
    assert brand.escalation_minutes == 3
    assert team["Bob Chen"].is_manager and not team["Carol Wu"].is_manager
    assert {team[name].store_id for name in ("Bob Chen", "李娜", "Carol Wu")} == {team["Bob Chen"].store_id}

    people = {username: person["id"] for username, person in demo.people.items()}
    async with TerminalChatOf(demo, people["alice"], "MaisonLumiereBot") as alice:
        # Every member of staff has the associate bot open, so the bot may write to them first.
        for username in ("bob", "lina", "carol", "wei", "hannah"):
            opened = await alice.client.transcript(people[username], "MaisonStaffBot")
            assert [m for m in opened if m["sender"] == "bot"], f"{username} has not opened the associate bot"

        link = re.search(r"alice: /scan (\S+)", printed).group(1)
        await alice.act(f"/scan {link}")
        await alice.client.wait_for(people["alice"], "MaisonLumiereBot", lambda m: "Welcome to Maison Lumière" in (m["text"] or ""), 10)

        # The HQ command, exactly as printed.
        command = re.search(r"^\s+7\. (.*member tier.*)$", printed, re.M).group(1)
        assignment, *program = shlex.split(command)
        name, value = assignment.split("=", 1)
        env = {**os.environ, name: value}
        assert program[0] == ".venv/bin/storelink"
        tier = await asyncio.create_subprocess_exec(str(Path(sys.executable).parent / "storelink"), *program[1:], env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await tier.communicate()
        assert tier.returncode == 0, err.decode()
        assert "-> Gold" in out.decode()

        await alice.act("Do you have the navy scarf in M?")
        relayed = await alice.client.wait_for(people["bob"], "MaisonStaffBot", lambda m: "navy scarf" in (m["text"] or ""), 10)
        assert relayed["text"].startswith("💬 Alice · Gold · Shanghai Xintiandi")


class TerminalChatOf:
    """The terminal client of one person of the demo, with its own connection to the sandbox."""

    def __init__(self, demo: Demo, user_id: int, bot: str) -> None:
        from bot.sandbox import SandboxClient

        self.client = SandboxClient(demo.sandbox.url)
        self.chat = TerminalChat(self.client, user_id, bot)

    async def __aenter__(self) -> TerminalChat:
        return self.chat

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()


@pytest.fixture
def start_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)  # requested before the demo starts, so its start is captured
    return caplog


async def test_the_demo_starts_without_a_warning_and_the_hq_operator_has_the_hq_menu(start_logs, demo: Demo):
    warnings = [f"{r.name}: {r.getMessage()}" for r in start_logs.get_records("setup")
                if r.levelno >= logging.WARNING]
    async with SandboxClient(demo.sandbox.url) as client:
        token = next(bot["token"] for bot in await client.bots() if bot["username"] == "MaisonStaffBot")
    async with Bot(token, base_url=f"{demo.sandbox.url}/bot") as bot:
        menu = await bot.get_my_commands(scope=BotCommandScopeChat(demo.people["hannah"]["id"]))

    assert warnings == []
    assert [c.command for c in menu] == ["start", "leaderboard", "help"]


def _data(message: dict, label_part: str) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return next(b["callback_data"] for row in rows for b in row if label_part in b["text"])


async def _after(client: SandboxClient, user: int, bot: str, needle: str, after: int = 0) -> dict:
    return await client.wait_for(user, bot, lambda m: needle in (m["text"] or m.get("caption") or ""), 15,
                                 after_message_id=after)


async def test_the_demo_sells_from_a_pick_to_a_paid_order_as_the_walk_through_says(demo: Demo, capsys):
    printed = capsys.readouterr().out
    for line in ("/key 📱 Share my phone", "/pay N", "/order K packed", "/order K ship SF SF1234567890", "/points"):
        assert line in printed, line
    assert demo.runtime.services.settings.takes_invoices, "the demo bills by invoice, in the sandbox"
    people = {username: person["id"] for username, person in demo.people.items()}
    alice, bob = people["alice"], people["bob"]
    shop, staff = "MaisonLumiereBot", "MaisonStaffBot"
    async with TerminalChatOf(demo, alice, shop) as chat:
        client = chat.client
        link = re.search(r"alice: /scan (\S+)", printed).group(1)
        await chat.act(f"/scan {link}")
        await _after(client, alice, shop, "Welcome to Maison Lumière")

        # Step 10: bob sends alice the cashmere scarf's card.
        sent = await client.send_text(bob, staff, "/catalog cashmere")
        found = await client.wait_for(bob, staff, lambda m: "Cashmere scarf" in str(m.get("reply_markup")), 15,
                                      after_message_id=sent["message_id"])
        await client.press_button(bob, staff, found["message_id"], _data(found, "Cashmere scarf"))
        card = await client.wait_for(bob, staff, lambda m: "Send to a member" in str(m.get("reply_markup")), 15,
                                     after_message_id=found["message_id"])
        await client.press_button(bob, staff, card["message_id"], _data(card, "Send to a member"))
        picker = await _after(client, bob, staff, "to which member", card["message_id"])
        await client.press_button(bob, staff, picker["message_id"], _data(picker, "Alice"))
        pick = await client.wait_for(alice, shop, lambda m: "Buy" in str(m.get("reply_markup")), 15)

        # Step 12: Buy, a colour, one, express, the phone by the keyboard, an address, Place order.
        await client.press_button(alice, shop, pick["message_id"], _data(pick, "Buy"))
        step = await _after(client, alice, shop, "Choose a size and colour", pick["message_id"])
        await client.press_button(alice, shop, step["message_id"], _data(step, "Navy"))
        step = await client.wait_for(alice, shop, lambda m: m["message_id"] == step["message_id"] and "How many" in m["text"],
                                     15, after_message_id=step["message_id"] - 1)
        await client.press_button(alice, shop, step["message_id"], _data(step, "1"))
        step = await client.wait_for(alice, shop, lambda m: m["message_id"] == step["message_id"] and "get it" in m["text"],
                                     15, after_message_id=step["message_id"] - 1)
        await client.press_button(alice, shop, step["message_id"], _data(step, "Express"))
        asked = await _after(client, alice, shop, "Who receives the order?", step["message_id"])
        await _after(client, alice, shop, "Or type a name and a phone number", asked["message_id"])  # the keyboard's message
        await chat.act("/key 📱 Share my phone")
        where = await _after(client, alice, shop, "Type the delivery address", asked["message_id"])
        await chat.act("1 Xintiandi Road, Shanghai")
        review = await _after(client, alice, shop, "You pay here in the chat", where["message_id"])
        await client.press_button(alice, shop, review["message_id"], _data(review, "Place order"))

        # Step 13: bob confirms the stock; alice pays the invoice with /pay N.
        order_card = await _after(client, bob, staff, "Order #")
        await client.press_button(bob, staff, order_card["message_id"], _data(order_card, "Confirm stock"))
        invoice = await client.wait_for(alice, shop, lambda m: m["kind"] == "invoice", 15)
        await chat.act(f"/pay {invoice['message_id']}")
        receipt = await _after(client, alice, shop, "Receipt", invoice["message_id"])
        assert "CN¥1,150.00" in receipt["text"] or "CN¥1,280.00" in receipt["text"]
