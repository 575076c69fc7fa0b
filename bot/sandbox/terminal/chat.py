"""The terminal chat itself: what the person types is acted on (bot/sandbox/terminal/words.py),
and the chat is watched and shown as it changes (screen.py), received files saved (files.py).

Every message shows its number (`#12`), because a chat app lets people point at any
message, not only the last one: to reply to it, press one of its buttons or edit it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from bot.sandbox import SandboxClient, SandboxError
from bot.sandbox.terminal.files import SAVED, sample_picture, save_received
from bot.sandbox.terminal.keyboard import Keyboard
from bot.sandbox.terminal.screen import (
    bold,
    buttons_of,
    in_albums,
    render_album,
    render_message,
)
from bot.sandbox.terminal.words import (
    DEFAULT_PLACE,
    HELP,
    Action,
    Album,
    Edit,
    File,
    KeyButton,
    Keys,
    Location,
    Paste,
    Pay,
    Photo,
    Press,
    Reply,
    Scan,
    Text,
    Unclear,
    parse_line,
)

RECONNECT_EVERY = 2.0  # seconds between tries while the sandbox does not answer


class TerminalChat:
    def __init__(self, client: SandboxClient, user_id: int, bot: str, *, name: str | None = None,
                 keyboard: Keyboard | None = None) -> None:
        self.client, self.user_id, self.bot = client, user_id, bot
        self.keyboard = keyboard or Keyboard()
        self.name = name or str(user_id)  # whose files these are, in the names they are saved under
        self.seen: dict[int, int] = {}  # message_id -> number of edits shown
        self.buttons_of: dict[int, list[dict[str, Any]]] = {}  # message_id -> its buttons, as last shown
        self.buttons_message: int | None = None  # the latest message shown with buttons
        self.samples = 0

    async def run(self) -> int:
        watcher = asyncio.create_task(self.watch())
        try:
            await self._type()
        finally:
            watcher.cancel()
        return 0

    async def _type(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                line = await loop.run_in_executor(None, self.keyboard.line)
            except Unclear as exc:  # a line the terminal cut: said, not sent
                print(f"  ({exc})")
                continue
            if line is None or line.strip() == "/quit":
                return
            if line.strip():
                await self.act(line)

    async def act(self, line: str) -> None:
        """Do what the line says; a line that cannot be done is explained, never half done."""
        try:
            await self._do(parse_line(line))
        except Unclear as exc:
            print(f"  ({exc})")
        except SandboxError as exc:
            print(f"  (not sent: {exc.description})")
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            print(f"  (not sent: {exc or type(exc).__name__})")

    async def _do(self, action: Action) -> None:
        match action:
            case Press(button, message_id):
                await self._press(button, message_id)
            case Reply(message_id, text):
                self._sent(await self.client.send_text(self.user_id, self.bot, text, reply_to_message_id=message_id))
            case Edit(message_id, text):
                await self._edit(message_id, text)
            case Photo(path, caption, reply_to):
                data = path.read_bytes() if path else self._next_sample()
                self._sent(await self.client.send_photo(self.user_id, self.bot, data, caption=caption, reply_to_message_id=reply_to))
            case Album(count, caption, reply_to):
                items = [("photo", self._next_sample(), caption if n == 0 else None) for n in range(count)]
                for message in await self.client.send_album(self.user_id, self.bot, items, reply_to_message_id=reply_to):
                    self._sent(message)
            case File(path, caption):
                self._sent(await self.client.send_document(self.user_id, self.bot, path.read_bytes(), path.name, caption=caption))
            case Location(latitude, longitude):
                self._sent(await self.client.send_location(self.user_id, self.bot, latitude, longitude))
            case Pay(message_id):
                await self._pay(message_id)
            case KeyButton(label):
                place = DEFAULT_PLACE
                self._sent(await self.client.press_keyboard_button(self.user_id, self.bot, label,
                                                                   latitude=place[0], longitude=place[1]))
            case Scan(payload):
                self._sent(await self.client.send_text(self.user_id, self.bot, f"/start {payload}".strip()))
            case Keys():
                print(HELP)
            case Paste():
                await self._paste()
            case Text(text):
                self._sent(await self.client.send_text(self.user_id, self.bot, text))

    async def _pay(self, message_id: int) -> None:
        outcome = await self.client.pay(self.user_id, self.bot, message_id)
        if outcome["paid"]:
            print(f"  ✓ paid ({outcome['telegram_payment_charge_id']})")
        else:
            print(f"  ✗ not paid: {outcome['error_message']}")

    async def _paste(self) -> None:
        print("  (paste or type the text, as many lines as it takes; a line with only . sends it)")
        text = await asyncio.get_running_loop().run_in_executor(None, self.keyboard.pasted)
        if not text or not text.strip():
            raise Unclear("nothing to send")
        self._sent(await self.client.send_text(self.user_id, self.bot, text))

    def _next_sample(self) -> bytes:
        self.samples += 1
        return sample_picture(self.samples)

    def _sent(self, message: dict[str, Any]) -> None:
        """Your own message's number: what /edit, and the other side's replies, point at."""
        self.seen.setdefault(message["message_id"], len(message.get("edits") or []))
        print(f"  ✓ #{message['message_id']}")

    async def _edit(self, message_id: int, text: str) -> None:
        own = {m["message_id"]: m for m in await self.client.transcript(self.user_id, self.bot) if m["sender"] != "bot"}
        message = own.get(message_id)
        if message is None:
            raise Unclear(f"#{message_id} is not one of your messages here")
        if message.get("file"):
            await self.client.edit_caption(self.user_id, self.bot, message_id, text)
        else:
            await self.client.edit_text(self.user_id, self.bot, message_id, text)
        self.seen[message_id] = self.seen.get(message_id, 0) + 1
        print(f"  ✓ #{message_id} edited")

    async def _press(self, number: int, message_id: int | None) -> None:
        message_id = message_id if message_id is not None else self.buttons_message
        buttons = self.buttons_of.get(message_id) if message_id is not None else None
        if not buttons:
            raise Unclear(f"message #{message_id} has no buttons" if message_id is not None else "no message has buttons yet")
        if not 1 <= number <= len(buttons):
            raise Unclear(f"no button {number} on #{message_id}; it has {len(buttons)}")
        button = buttons[number - 1]
        if "callback_data" in button:
            answer = await self.client.press_button(self.user_id, self.bot, message_id, button["callback_data"])
            if answer.get("text"):
                print(f"  ({answer['text']})")
        elif button.get("request_contact"):
            await self.client.send_contact(self.user_id, self.bot, "+15550100", "Demo")
        elif "url" in button:
            print(f"  link: {button['url']}")
        else:
            self._sent(await self.client.send_text(self.user_id, self.bot, button["text"]))

    async def watch(self) -> None:
        """Show the chat as it changes (new messages, edits), until cancelled. A sandbox that
        stops answering (the demo was stopped) is said once and watched for again; a demo
        started anew begins a new story, numbered from 1, so the screen starts over too."""
        version, lost = -1, False
        while True:
            try:
                page = await self.client.watch(self.user_id, self.bot, after_version=-1 if lost else version, wait=20)
            except (TimeoutError, SandboxError, OSError, aiohttp.ClientError) as exc:
                if not lost:
                    print(f"  (the sandbox does not answer: {exc or type(exc).__name__}; is `make demo` still running? "
                          "Waiting for it...)")
                lost = True
                await asyncio.sleep(RECONNECT_EVERY)
                continue
            if lost:
                lost = False
                if page["version"] < version:
                    self.forget()
                    print(bold("\n(the demo started again: a new story begins)"))
                else:
                    print("  (the sandbox answers again)")
            version = page["version"]
            for group in in_albums(page["messages"]):
                if len(group) > 1:
                    self._show_album(group)
                else:
                    self._show(group[0])

    def forget(self) -> None:
        """Nothing shown so far is on the other side any more."""
        self.seen.clear()
        self.buttons_of.clear()
        self.buttons_message = None

    def _show(self, message: dict[str, Any]) -> None:
        shown = self.seen.get(message["message_id"])
        edits = len(message.get("edits") or [])
        if shown is not None and shown == edits:
            return
        self.seen[message["message_id"]] = edits
        if message["sender"] != "bot":
            return  # the person's own words are on screen already
        print(render_message(message, self.bot, edited=shown is not None))
        if message.get("file") and shown is None:
            asyncio.create_task(self._save(message))
        self._remember_buttons(message)

    def _show_album(self, items: list[dict[str, Any]]) -> None:
        """An album the bot sent shows as one entry; an item edited later shows on its own."""
        new = [m for m in items if m["sender"] == "bot" and m["message_id"] not in self.seen]
        for message in items:
            if message not in new:
                self._show(message)
        if not new:
            return
        for message in new:
            self.seen[message["message_id"]] = len(message.get("edits") or [])
            if message.get("file"):
                asyncio.create_task(self._save(message))
        print(render_album(new, self.bot))

    async def _save(self, message: dict[str, Any]) -> None:
        info = message["file"]
        try:
            data = await self.client.download_file(info["file_unique_id"])
        except (SandboxError, KeyError):
            return
        suffix = Path(info.get("file_name") or info.get("file_path") or "").suffix or (".jpg" if message["kind"] == "photo" else ".bin")
        try:
            path, new = save_received(SAVED, self.name, self.bot, message["message_id"], suffix, data)
        except OSError as exc:
            print(f"  (#{message['message_id']} not saved: {exc.strerror or exc})")
            return
        print(f"  saved #{message['message_id']} as {path}" if new else f"  #{message['message_id']} is saved as {path}")

    def _remember_buttons(self, message: dict[str, Any]) -> None:
        buttons = buttons_of(message)
        if buttons:
            self.buttons_of[message["message_id"]] = buttons
            self.buttons_message = message["message_id"]
        else:
            self.buttons_of.pop(message["message_id"], None)  # an edit may take them away
