"""The pictures a catalog file names, read before anything is written: a path (relative to
the file's folder) or an http(s) URL, each checked to be a PNG, JPEG or WebP picture of at
most MAX_BYTES. A picture that cannot be had is a problem of every product naming it.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import aiohttp
from PIL import Image, UnidentifiedImageError

from commerce.catalog_plan import CatalogPlan
from commerce.import_cells import Problem, raise_problems, shown
from commerce.outbox import Blob

MAX_BYTES = 10 * 1024 * 1024  # what Telegram takes for a photo
TIMEOUT = 30.0  # seconds for one download, from connecting to the last byte
PARALLEL = 8
_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class _Refused(Exception):
    """Why one picture cannot be had, in a few words."""


async def load_images(plan: CatalogPlan, base: Path, now: datetime, *, max_bytes: int | None = None,
                      timeout: float = TIMEOUT, progress: Callable[[int], None] | None = None) -> dict[str, Blob]:
    """Every picture of the plan as a blob, by its reference; CatalogFileError naming each
    product whose picture could not be had."""
    limit = max_bytes or MAX_BYTES
    refs = plan.image_refs
    failures: dict[str, str] = {}
    blobs: dict[str, Blob] = {}
    gate = asyncio.Semaphore(PARALLEL)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:

        async def one(ref: str) -> None:
            async with gate:
                try:
                    content = await (_download(session, ref, limit) if _is_url(ref) else _read(base, ref, limit))
                    blobs[ref] = _blob(ref, content, now)
                except _Refused as refused:
                    failures[ref] = str(refused)
            if progress:
                progress(1)

        await asyncio.gather(*(one(ref) for ref in refs))
    problems: list[Problem] = [(product.position, f"{product.label}: images: '{shown(ref)}' {failures[ref]}")
                               for product in plan.products for ref in product.images if ref in failures]
    raise_problems(problems)
    return blobs


def _is_url(ref: str) -> bool:
    return urlsplit(ref).scheme.lower() in ("http", "https")


async def _read(base: Path, ref: str, max_bytes: int) -> bytes:
    if "://" in ref:
        raise _Refused("is neither a path nor an http(s) URL")
    path = base / ref
    try:
        if path.stat().st_size > max_bytes:
            raise _Refused(f"is larger than {_size(max_bytes)}")
        return await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        raise _Refused(f"is not there (looked for {path.resolve()})") from None
    except IsADirectoryError:
        raise _Refused("is a folder, not a picture") from None
    except OSError as exc:
        raise _Refused(f"cannot be read ({exc.strerror})") from None


async def _download(session: aiohttp.ClientSession, url: str, max_bytes: int) -> bytes:
    try:
        async with session.get(url, allow_redirects=True, max_redirects=5) as response:
            if response.status != 200:
                raise _Refused(f"answered HTTP {response.status}")
            if response.content_length is not None and response.content_length > max_bytes:
                raise _Refused(f"is larger than {_size(max_bytes)}")
            content = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                content += chunk
                if len(content) > max_bytes:  # a server may not say, or lie about, the length
                    raise _Refused(f"is larger than {_size(max_bytes)}")
            return bytes(content)
    except TimeoutError:
        raise _Refused("took too long to download") from None
    except aiohttp.ClientError as exc:
        raise _Refused(f"cannot be downloaded ({type(exc).__name__})") from None


def _blob(ref: str, content: bytes, now: datetime) -> Blob:
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _Refused("is not a picture (PNG, JPEG or WebP)") from None
    if kind not in _TYPES:
        raise _Refused(f"is a {kind} picture; PNG, JPEG or WebP please")
    name = PurePosixPath(urlsplit(ref).path if _is_url(ref) else ref).name or "picture"
    return Blob(hashlib.sha256(content).hexdigest(), content, _TYPES[kind], name[:200], now)



def _size(count: int) -> str:
    return f"{count // 1024**2} MB" if count >= 1024**2 else f"{count // 1024} KB"
