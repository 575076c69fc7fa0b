"""Request bodies for the aiohttp transport, shaped as PTB's httpx transport shapes them.

A call without files is a urlencoded form of JSON-encoded values; a call with files is a
multipart/form-data body whose parts carry no Content-Type except the files' (as httpx
writes them), and whose names are escaped as browsers do (HTML5: a quote and control
characters percent-encoded, the rest, UTF-8 included, as is): a document's file name
arrives the same whichever transport sends it.

aiohttp has no write timeout; httpx bounds each socket write. A large body is therefore
written in slices, each of which must leave within the write timeout: a stalled upload
ends in TimedOut instead of hanging, and a slow but moving one is not cut short.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import IO, Any

from aiohttp import payload
from aiohttp.abc import AbstractStreamWriter
from telegram._utils.types import UploadFileDict

FORM = "application/x-www-form-urlencoded"
SLICE = 64 * 1024  # aiohttp waits for the socket to drain past this much buffered data
# What browsers escape in form names (HTML5), and backslashes; ESC is left as it is, as httpx
# leaves it, so that both transports send the same bytes for any name.
_ESCAPED = re.compile(r'["\\\x00-\x1a\x1c-\x1f]')


def _escape(value: str) -> str:
    def one(match: re.Match[str]) -> str:
        char = match.group(0)
        return "\\\\" if char == "\\" else f"%{ord(char):02X}"

    return _ESCAPED.sub(one, value)


def _disposition(name: str, filename: str | None = None) -> bytes:
    line = f'Content-Disposition: form-data; name="{_escape(name)}"'
    if filename:  # an empty name is left out, as httpx does
        line += f'; filename="{_escape(filename)}"'
    return line.encode()


def _content(value: bytes | IO[bytes]) -> bytes:
    return value if isinstance(value, bytes) else value.read()


def multipart(fields: dict[str, str], files: UploadFileDict) -> tuple[bytes, str]:
    """The body and its Content-Type: the plain fields first, then the files."""
    boundary = secrets.token_hex(16).encode()
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks += [b"--", boundary, b"\r\n", _disposition(name), b"\r\n\r\n", value.encode(), b"\r\n"]
    for name, (filename, content, mimetype) in files.items():
        chunks += [b"--", boundary, b"\r\n", _disposition(name, filename), b"\r\nContent-Type: ", mimetype.encode(),
                   b"\r\n\r\n", _content(content), b"\r\n"]
    chunks += [b"--", boundary, b"--\r\n"]
    return b"".join(chunks), f"multipart/form-data; boundary={boundary.decode()}"


class TimedBody(payload.BytesPayload):
    """A body written in slices, each within `write_timeout` seconds (None: no bound)."""

    def __init__(self, value: bytes, content_type: str, write_timeout: float | None) -> None:
        super().__init__(value, content_type=content_type)
        self.write_timeout = write_timeout

    async def write(self, writer: AbstractStreamWriter) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        view = memoryview(self._value)[:content_length]
        for start in range(0, len(view), SLICE):
            async with asyncio.timeout(self.write_timeout):
                await writer.write(view[start:start + SLICE])


def body(value: bytes, content_type: str, write_timeout: float | None) -> Any:
    """What to pass as aiohttp's `data`: small bodies go as they are (they never wait for
    the socket), large ones in timed slices."""
    if len(value) <= SLICE:
        return payload.BytesPayload(value, content_type=content_type)
    return TimedBody(value, content_type, write_timeout)
