"""`storelink chat --as NAME`: a person's side of a chat, in the terminal, over the sandbox.

Every message shows its number (`#12`), because a chat app lets people point at any
message, not only the last one: to reply to it, press one of its buttons or edit it.
Lines that start with one of the client's own words (see HELP) are acted on here; every
other line, commands included, is sent to the bot as typed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import itertools
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from bot.sandbox.demo_file import DEFAULT_SANDBOX_URL, DemoFileError, read_demo_file
from bot.sandbox import SandboxClient, SandboxError

HELP = """\
Type a message and press Enter; /start, /me, /chats... go to the bot as typed. Besides:
  3                        press button [3] of the latest message that has buttons
  12.3                     press button [3] of message #12
  /reply 12 TEXT           answer message #12 (a Telegram reply); TEXT may be a command: /reply 12 /tag vip,
                           a picture or an album: /reply 12 /photo, /reply 12 /album 3 [CAPTION]
  /edit 12 TEXT            edit your message #12 (its text, or a picture's caption)
  /photo [PATH] [CAPTION]  send a picture (without PATH, a sample picture)
  /album N [CAPTION]       send N sample pictures (2-10) at once, as one album
  /file PATH [CAPTION]     send a file as a document
  /location [LAT LON]      share a place (without LAT LON, the Xintiandi store's)
  /scan LINK               open a QR poster's link, as a phone camera does
  /keys                    this list          /quit  leave
Pictures and files you receive are saved under var/chat/."""
SAVED = Path("var/chat")
RECONNECT_EVERY = 2.0  # seconds between tries while the sandbox does not answer
ALBUM_SIZES = range(2, 11)  # what Telegram accepts in one media group
_PRESS = re.compile(r"^(?:(\d+)\.)?(\d+)$")
DEFAULT_PLACE = (31.2197, 121.4757)  # the demo's Shanghai Xintiandi store
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
_SAMPLE_COLOURS = ("#8C1D40", "#1D4E89", "#2E7D32", "#B8860B", "#5E35B1", "#00838F", "#C62828", "#455A64", "#6D4C41", "#AD1457")


class Unclear(ValueError):
    """A line of the client's own words that cannot be acted on; said in one line, nothing sent."""


def _bold(text: str) -> str:
    return f"\033[1m{text}\033[0m" if sys.stdout.isatty() else text


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
        print(_bold(f"{person['first_name']} (@{person.get('username')}) chatting with @{bot}"))
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


# --- what a typed line means ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Press:
    button: int  # 1-based, as shown
    message_id: int | None = None  # None: the latest message with buttons


@dataclass(frozen=True, slots=True)
class Reply:
    message_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Edit:
    message_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Photo:
    path: Path | None  # None: a sample picture
    caption: str | None
    reply_to: int | None = None


@dataclass(frozen=True, slots=True)
class Album:
    count: int
    caption: str | None
    reply_to: int | None = None


@dataclass(frozen=True, slots=True)
class File:
    path: Path
    caption: str | None


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Scan:
    payload: str


@dataclass(frozen=True, slots=True)
class Keys:
    pass


@dataclass(frozen=True, slots=True)
class Text:
    text: str


Action = Press | Reply | Edit | Photo | Album | File | Location | Scan | Keys | Text


def parse_line(line: str) -> Action:
    """What a typed line asks for. Kept apart from the I/O so the words are tested as words."""
    line = line.strip()
    if match := _PRESS.match(line):
        message, button = match.groups()
        return Press(int(button), int(message) if message else None)
    word, _, rest = line.partition(" ")
    rest = rest.strip()
    if word == "/reply":
        target, text = _numbered(rest, "/reply 12 Thank you!")
        if text.split(" ", 1)[0] in ("/photo", "/album"):  # a picture or an album, sent as a reply
            return dataclasses.replace(parse_line(text), reply_to=target)  # type: ignore[type-var]
        return Reply(target, text)
    if word == "/edit":
        target, text = _numbered(rest, "/edit 12 the new text")
        return Edit(target, text)
    if word == "/photo":
        return _photo(rest)
    if word == "/album":
        count, _, caption = rest.partition(" ")
        if not count.isdigit() or int(count) not in ALBUM_SIZES:
            raise Unclear(f"an album has {ALBUM_SIZES.start}-{ALBUM_SIZES.stop - 1} pictures: /album 3 [caption]")
        return Album(int(count), caption.strip() or None)
    if word == "/file":
        path, _, caption = rest.partition(" ")
        if not path or not Path(path).expanduser().is_file():
            raise Unclear(f"no file at {path}" if path else "which file? /file PATH [caption]")
        return File(Path(path).expanduser(), caption.strip() or None)
    if word == "/location":
        return _location_of(rest)
    if word == "/scan":
        if not rest:
            raise Unclear("which link? /scan https://t.me/<bot>?start=<code>")
        return Scan((parse_qs(urlsplit(rest).query).get("start") or [""])[0])
    if word == "/keys":
        return Keys()
    return Text(line)


def _numbered(rest: str, example: str) -> tuple[int, str]:
    target, _, text = rest.partition(" ")
    target = target.lstrip("#")
    if not target.isdigit() or not text.strip():
        raise Unclear(f"write the message number, then the text: {example}")
    return int(target), text.strip()


def _location_of(rest: str) -> Location:
    if not rest:
        return Location(*DEFAULT_PLACE)
    try:
        latitude, longitude = (float(part) for part in rest.replace(",", " ").split())
    except ValueError:
        raise Unclear("write the latitude, then the longitude: /location 31.2197 121.4757") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Unclear("a latitude is between -90 and 90, a longitude between -180 and 180")
    return Location(latitude, longitude)


def _photo(rest: str) -> Photo:
    first, _, more = rest.partition(" ")
    looks_like_path = "/" in first or first.startswith("~") or first.lower().endswith(_IMAGE_SUFFIXES)
    if not looks_like_path:
        return Photo(None, rest or None)
    path = Path(first).expanduser()
    if not path.is_file():
        raise Unclear(f"no picture at {path}")
    return Photo(path, more.strip() or None)


def sample_picture(number: int) -> bytes:
    """A small JPEG that says which sample it is, so an album's order shows on the other side."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), _SAMPLE_COLOURS[(number - 1) % len(_SAMPLE_COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 307, 227), outline="white", width=4)
    draw.text((40, 100), f"Sample picture {number}", fill="white", font_size=28)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


# --- the chat ------------------------------------------------------------------------------


class TerminalChat:
    def __init__(self, client: SandboxClient, user_id: int, bot: str, *, name: str | None = None) -> None:
        self.client, self.user_id, self.bot = client, user_id, bot
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
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "/quit":
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
        except (OSError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
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
            case Scan(payload):
                self._sent(await self.client.send_text(self.user_id, self.bot, f"/start {payload}".strip()))
            case Keys():
                print(HELP)
            case Text(text):
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
            except (SandboxError, OSError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
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
                    print(_bold("\n(the demo started again: a new story begins)"))
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
            path = save_received(SAVED, self.name, self.bot, message["message_id"], suffix, data)
        except OSError as exc:
            print(f"  (#{message['message_id']} not saved: {exc.strerror or exc})")
            return
        print(f"  saved #{message['message_id']} as {path}")

    def _remember_buttons(self, message: dict[str, Any]) -> None:
        buttons = _buttons(message)
        if buttons:
            self.buttons_of[message["message_id"]] = buttons
            self.buttons_message = message["message_id"]
        else:
            self.buttons_of.pop(message["message_id"], None)  # an edit may take them away


def save_received(directory: Path, person: str, bot: str, message_id: int, suffix: str, data: bytes) -> Path:
    """A received file, saved under a name of its own: message numbers are per chat, so
    the name says whose chat (person and bot) and, should that name be taken (a demo
    started again numbers from 1), gets -2, -3... Nothing saved before is overwritten."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = _SAFE_NAME.sub("_", f"{person}-{bot}-{message_id}")
    suffix = suffix if _SAFE_SUFFIX.fullmatch(suffix) else ".bin"
    for attempt in itertools.count(1):
        path = directory / (f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}")
        try:
            with path.open("xb") as out:  # only if nobody, this client or another, has that name yet
                out.write(data)
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")


_SAFE_NAME = re.compile(r"[^\w.-]")
_SAFE_SUFFIX = re.compile(r"\.\w{1,10}")
_LABELS = {"photo": "[photo]", "document": "[file]", "voice": "[voice]", "video": "[video]", "location": "[location]",
           "contact": "[contact]", "sticker": "[sticker]"}


def render_message(message: dict[str, Any], bot: str, *, edited: bool = False) -> str:
    """A bot message as the terminal shows it: number, what it answers, body, the links hidden
    behind words (a terminal cannot click them), buttons."""
    head = f"\n@{bot} #{message['message_id']} ›"
    notes = [note for note in (
        "(edited)" if edited else "",
        f"↩ #{message['reply_to_message_id']}" if message.get("reply_to_message_id") else "",
        _LABELS.get(message["kind"], ""),
        _contact(message) if message["kind"] == "contact" else "",
        _location(message) if message["kind"] == "location" else "",
    ) if note]
    lines = [_bold(head) + (" " + " ".join(notes) if notes else "")]
    body = message.get("text") or message.get("caption") or ""
    for paragraph in body.splitlines():
        lines.append(textwrap.fill(paragraph, width=78, initial_indent="  ", subsequent_indent="  ") or "")
    entities = (message.get("entities") or []) + (message.get("caption_entities") or [])
    lines += [f"  ↗ {entity['url']}" for entity in entities if entity.get("type") == "text_link" and entity.get("url")]
    if buttons := _buttons(message):
        lines.append("  " + "   ".join(f"[{n}] {button['text']}" for n, button in enumerate(buttons, 1)))
    return "\n".join(lines)


def in_albums(messages: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The messages in order, the items of one album (one media group, one after another)
    together: Telegram delivers an album as one message per item."""
    groups: list[list[dict[str, Any]]] = []
    for message in messages:
        group_id = message.get("media_group_id")
        if group_id and groups and groups[-1][0].get("media_group_id") == group_id:
            groups[-1].append(message)
        else:
            groups.append([message])
    return groups


def render_album(items: list[dict[str, Any]], bot: str) -> str:
    """An album as one entry: its numbers, what it answers, how many items, its caption
    (an album's caption is the one item's that has it)."""
    first, last = items[0], items[-1]
    head = f"\n@{bot} #{first['message_id']}–#{last['message_id']} ›"
    notes = [note for note in (
        f"↩ #{first['reply_to_message_id']}" if first.get("reply_to_message_id") else "",
        f"album of {len(items)}",
    ) if note]
    lines = [_bold(head) + " " + " ".join(notes)]
    for message in items:
        for paragraph in (message.get("caption") or "").splitlines():
            lines.append(textwrap.fill(paragraph, width=78, initial_indent="  ", subsequent_indent="  ") or "")
    return "\n".join(lines)


def _contact(message: dict[str, Any]) -> str:
    card = message.get("contact") or {}
    name = " ".join(part for part in (card.get("first_name"), card.get("last_name")) if part)
    return f"{name} {card.get('phone_number', '')}".strip()


def _location(message: dict[str, Any]) -> str:
    place = message.get("location") or {}
    return f"{place.get('latitude', 0):.6f}, {place.get('longitude', 0):.6f}"


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [button for row in rows for button in row]
