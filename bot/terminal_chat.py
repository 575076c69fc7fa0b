"""`storelink chat --as NAME`: a person's side of a chat, in the terminal, over the sandbox.

Type to send; a number presses that button of the latest message with buttons; /quit leaves.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from typing import Any

from bot.sandbox import SandboxClient, SandboxError

DEMO_FILE = Path("var/demo.json")
HELP = (
    "Type a message and press Enter. A number presses a button, /scan LINK opens a QR code's link,\n"
    "/photo PATH sends a picture, /quit leaves. Pictures you receive are saved under var/chat/."
)
SAVED = Path("var/chat")


def _bold(text: str) -> str:
    return f"\033[1m{text}\033[0m" if sys.stdout.isatty() else text


async def run_chat(sandbox_url: str, username: str, bot_name: str | None) -> int:
    async with SandboxClient(sandbox_url) as client:
        try:
            person, bot = await _resolve(client, username, bot_name)
        except (SandboxError, OSError) as exc:
            print(f"storelink chat: cannot reach the sandbox at {sandbox_url} ({exc}). Is `make demo` running?", file=sys.stderr)
            return 1
        except LookupError as exc:
            print(f"storelink chat: {exc}", file=sys.stderr)
            return 1
        print(_bold(f"{person['first_name']} (@{person.get('username')}) chatting with @{bot}"))
        print(HELP)
        chat = TerminalChat(client, person["id"], bot)
        return await chat.run()


async def _resolve(client: SandboxClient, username: str, bot_name: str | None) -> tuple[dict[str, Any], str]:
    wanted = username.lstrip("@").lower()
    people = {str(p.get("username") or "").lower(): p for p in await client.users()}
    if wanted not in people:
        raise LookupError(f"nobody called {username} in the sandbox; known: {', '.join(sorted(n for n in people if n))}")
    demo = json.loads(DEMO_FILE.read_text()) if DEMO_FILE.exists() else {}
    bots = demo.get("bots", {})
    if bot_name is None:
        bot_name = "associate" if demo.get("staff", {}).get(wanted) else "consumer"
    if bot_name in bots:
        return people[wanted], bots[bot_name]
    usernames = [b["username"] for b in await client.bots()]
    if len(usernames) == 1:
        return people[wanted], usernames[0]
    raise LookupError(f"which bot? pass --bot consumer or --bot associate (bots: {', '.join(usernames)})")


class TerminalChat:
    def __init__(self, client: SandboxClient, user_id: int, bot: str) -> None:
        self.client, self.user_id, self.bot = client, user_id, bot
        self.seen: dict[int, int] = {}  # message_id -> number of edits shown
        self.buttons: list[dict[str, Any]] = []
        self.buttons_message: int | None = None

    async def run(self) -> int:
        watcher = asyncio.create_task(self._watch())
        try:
            await self._type()
        finally:
            watcher.cancel()
        return 0

    async def _type(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "/quit":
                return
            line = line.strip()
            if not line:
                continue
            try:
                await self._act(line)
            except SandboxError as exc:
                print(f"  (not sent: {exc})")

    async def _act(self, line: str) -> None:
        if line.isdigit() and self.buttons:
            index = int(line) - 1
            if not 0 <= index < len(self.buttons):
                print(f"  (no button {line}; there are {len(self.buttons)})")
                return
            await self._press(self.buttons[index])
        elif line.startswith("/scan "):
            # What a phone camera does with the poster: open t.me/<bot>?start=<code>.
            query = parse_qs(urlsplit(line.removeprefix("/scan ").strip()).query)
            payload = (query.get("start") or [""])[0]
            await self.client.send_text(self.user_id, self.bot, f"/start {payload}".strip())
        elif line.startswith("/photo "):
            path = Path(line.removeprefix("/photo ").strip()).expanduser()
            await self.client.send_photo(self.user_id, self.bot, path.read_bytes())
        else:
            await self.client.send_text(self.user_id, self.bot, line)

    async def _press(self, button: dict[str, Any]) -> None:
        if "callback_data" in button:
            answer = await self.client.press_button(self.user_id, self.bot, self.buttons_message, button["callback_data"])
            if answer.get("text"):
                print(f"  ({answer['text']})")
        elif button.get("request_contact"):
            await self.client.send_contact(self.user_id, self.bot, "+15550100", "Demo")
        elif "url" in button:
            print(f"  link: {button['url']}")
        else:
            await self.client.send_text(self.user_id, self.bot, button["text"])

    async def _watch(self) -> None:
        version = -1
        while True:
            page = await self.client.watch(self.user_id, self.bot, after_version=version, wait=20)
            version = page["version"]
            for message in page["messages"]:
                self._show(message)

    def _show(self, message: dict[str, Any]) -> None:
        shown = self.seen.get(message["message_id"])
        edits = len(message.get("edits") or [])
        if shown is not None and shown == edits:
            return
        self.seen[message["message_id"]] = edits
        if message["sender"] != "bot":
            return  # the person's own words are on screen already
        body = message.get("text") or message.get("caption") or ""
        prefix = "(edited) " if shown is not None else ""
        label = {"photo": "[photo]", "document": "[file]", "voice": "[voice]", "video": "[video]", "location": "[location]"}.get(message["kind"], "")
        print(_bold(f"\n@{self.bot} ›") + f" {prefix}{label}")
        if message.get("file") and shown is None:
            asyncio.create_task(self._save(message))
        for paragraph in body.splitlines() or [""]:
            print(textwrap.fill(paragraph, width=78, initial_indent="  ", subsequent_indent="  ") or "")
        self._show_buttons(message)

    async def _save(self, message: dict[str, Any]) -> None:
        info = message["file"]
        try:
            data = await self.client.download_file(info["file_unique_id"])
        except (SandboxError, KeyError):
            return
        SAVED.mkdir(parents=True, exist_ok=True)
        suffix = Path(info.get("file_name") or info.get("file_path") or "").suffix or (".jpg" if message["kind"] == "photo" else ".bin")
        path = SAVED / f"{self.bot}-{message['message_id']}{suffix}"
        path.write_bytes(data)
        print(f"  saved {path}")

    def _show_buttons(self, message: dict[str, Any]) -> None:
        markup = message.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        if not rows:
            return
        self.buttons = [button for row in rows for button in row]
        self.buttons_message = message["message_id"]
        labels = [f"[{n}] {button['text']}" for n, button in enumerate(self.buttons, 1)]
        print("  " + "   ".join(labels))
