"""`storelink chat --as NAME`: whose phone this is and which bot it talks to — the running
demo's people and bots (var/demo.json), or any sandbox's — then the chat (chat.py)."""

from __future__ import annotations

import sys
from typing import Any

from bot.sandbox import SandboxClient, SandboxError
from bot.sandbox.demo_file import DEFAULT_SANDBOX_URL, DemoFileError, read_demo_file
from bot.sandbox.terminal.chat import TerminalChat
from bot.sandbox.terminal.screen import bold
from bot.sandbox.terminal.words import HELP


async def run_chat(sandbox_url: str | None, username: str, bot_name: str | None) -> int:
    """`sandbox_url` None: the running demo's, from var/demo.json."""
    try:
        demo = read_demo_file()
    except DemoFileError as exc:
        if sandbox_url is None:
            print(f"storelink chat: {exc}", file=sys.stderr)
            return 1
        demo = {}
    if sandbox_url is None:
        sandbox_url = demo.get("sandbox_url") or DEFAULT_SANDBOX_URL
    elif demo.get("sandbox_url") != sandbox_url.rstrip("/"):
        demo = {}  # another sandbox than the demo's: its bots and staff are not the demo's
    async with SandboxClient(sandbox_url) as client:
        try:
            person, bot = await _resolve(client, username, bot_name, demo)
        except (SandboxError, OSError) as exc:
            print(f"storelink chat: cannot reach the sandbox at {sandbox_url} ({exc}). Is `make demo` running?", file=sys.stderr)
            return 1
        except LookupError as exc:
            print(f"storelink chat: {exc}", file=sys.stderr)
            return 1
        print(bold(f"{person['first_name']} (@{person.get('username')}) chatting with @{bot}"))
        print(HELP)
        chat = TerminalChat(client, person["id"], bot, name=person.get("username"))
        return await chat.run()


async def _resolve(client: SandboxClient, username: str, bot_name: str | None,
                   demo: dict[str, Any]) -> tuple[dict[str, Any], str]:
    wanted = username.lstrip("@").lower()
    people = {str(p.get("username") or "").lower(): p for p in await client.users()}
    if wanted not in people:
        raise LookupError(f"nobody called {username} in the sandbox; known: {', '.join(sorted(n for n in people if n))}")
    bots = demo.get("bots", {})
    if bot_name is None:
        bot_name = "associate" if demo.get("staff", {}).get(wanted) else "consumer"
    if bot_name in bots:
        return people[wanted], bots[bot_name]
    usernames = [b["username"] for b in await client.bots()]
    if len(usernames) == 1:
        return people[wanted], usernames[0]
    raise LookupError(f"which bot? pass --bot consumer or --bot associate (bots: {', '.join(usernames)})")
