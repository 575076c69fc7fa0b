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
