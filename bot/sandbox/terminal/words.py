"""What a typed line of the terminal chat asks for: the client's own words (HELP), parsed
into actions apart from any I/O, so the words are tested as words. Every other line,
commands included, is sent to the bot as typed."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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
  /pay 12                  pay the invoice in message #12 (the bot is asked first, as Telegram does)
  /key LABEL               tap a button of the bot's reply keyboard (a phone button shares your number,
                           a location button the Xintiandi store's place)
  /scan LINK               open a QR poster's link, as a phone camera does
  /paste                   send a long text, or several lines as one message: paste or type it,
                           then a line with only a dot (.) sends it
  /keys                    this list          /quit  leave
Pictures and files you receive are saved under var/chat/."""
ALBUM_SIZES = range(2, 11)  # what Telegram accepts in one media group
_PRESS = re.compile(r"^(?:(\d+)\.)?(\d+)$")
DEFAULT_PLACE = (31.2197, 121.4757)  # the demo's Shanghai Xintiandi store
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


class Unclear(ValueError):
    """A line of the client's own words that cannot be acted on; said in one line, nothing sent."""


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
class Pay:
    message_id: int


@dataclass(frozen=True, slots=True)
class KeyButton:
    label: str


@dataclass(frozen=True, slots=True)
class Scan:
    payload: str


@dataclass(frozen=True, slots=True)
class Keys:
    pass


@dataclass(frozen=True, slots=True)
class Paste:
    """The next lines, up to one with only a dot, as one message (bot/sandbox/terminal/keyboard.py)."""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


Action = Press | Reply | Edit | Photo | Album | File | Location | Pay | KeyButton | Scan | Keys | Paste | Text


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
    if word == "/pay":
        if not rest.isdigit():
            raise Unclear("which invoice? /pay 12 (the invoice's message number)")
        return Pay(int(rest))
    if word == "/key":
        if not rest:
            raise Unclear("which button? /key LABEL, as the keyboard shows it")
        return KeyButton(rest)
    if word == "/scan":
        if not rest:
            raise Unclear("which link? /scan https://t.me/<bot>?start=<code>")
        return Scan((parse_qs(urlsplit(rest).query).get("start") or [""])[0])
    if word == "/keys":
        return Keys()
    if line == "/paste":
        return Paste()
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
