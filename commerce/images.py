"""Images we send (posters, leaderboard charts), kept as blobs by their content: the same
image stored again is the same blob, so the sender uploads it once per bot and then
sends Telegram's file id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from commerce.outbox import Blob
from commerce.ports.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Picture:
    """An image to send: PNG bytes, its caption (HTML, from the catalog) and a file name."""

    png: bytes
    caption: str
    filename: str


def image_blob(png: bytes, filename: str, now: datetime) -> Blob:
    return Blob(hashlib.sha256(png).hexdigest(), png, "image/png", filename, now)


@dataclass(frozen=True, slots=True)
class Kept:
    blob_id: int
    expired: int  # expired images deleted on the way


async def keep_image(uow: UnitOfWork, png: bytes, filename: str, now: datetime, keep_for: timedelta | None = None) -> Kept:
    """Store the image; with `keep_for`, it expires that long after it was last kept.
    Expired images go first, in the same transaction: the same bytes stored again then
    make a fresh blob rather than name one about to be deleted."""
    expired = await uow.blobs.delete_expired(now) if keep_for is not None else 0
    blob = await uow.blobs.put(image_blob(png, filename, now))
    assert blob.id is not None
    if keep_for is not None:
        await uow.blobs.expire(blob.id, now + keep_for)
    return Kept(blob.id, expired)
