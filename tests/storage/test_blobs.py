"""Blobs are stored once per content, and each bot's file_id for them is remembered.
Blobs given an expiry (the leaderboard's images) are deleted once it has passed, unless
an unsent outbox row still names them."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest

from commerce.bots import BotKind
from commerce.outbox import Blob, OutboxMessage, OutboxStatus
from storage.uow import Database
from tests.fixtures_db import T0

POSTER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 64


def a_blob(content: bytes = POSTER, filename: str = "poster-claire.png") -> Blob:
    return Blob(sha256=hashlib.sha256(content).hexdigest(), content=content, mime_type="image/png",
                filename=filename, created_at=T0)


async def put(database: Database, blob: Blob) -> Blob:
    async with database.uow() as uow:
        stored = await uow.blobs.put(blob)
        await uow.commit()
    return stored


async def test_a_blob_comes_back_byte_for_byte(database: Database) -> None:
    stored = await put(database, a_blob())

    async with database.uow() as uow:
        assert await uow.blobs.get(stored.id) == stored
        assert await uow.blobs.get(stored.id + 1) is None
    assert stored.content == POSTER


async def test_putting_the_same_bytes_twice_returns_the_first_blob(database: Database) -> None:
    first = await put(database, a_blob(filename="poster-claire.png"))
    again = await put(database, a_blob(filename="copy.png"))
    other = await put(database, a_blob(b"another poster"))

    assert again == first
    assert again.filename == "poster-claire.png"
    assert other.id != first.id


async def test_a_blob_whose_hash_is_not_its_content_is_refused(database: Database) -> None:
    wrong = a_blob()
    wrong.content = b"something else"
    async with database.uow() as uow:
        with pytest.raises(ValueError, match="sha256"):
            await uow.blobs.put(wrong)


async def test_two_processes_putting_the_same_bytes_at_once_store_one_blob(database_url: str) -> None:
    # The second insert waits for the first transaction, then finds the hash taken and
    # reads the first blob instead of failing.
    first, second = await Database.open(database_url, migrate=False), await Database.open(database_url, migrate=False)
    first_put = asyncio.Event()

    async def put_slowly(database: Database, *, go_first: bool) -> Blob:
        if not go_first:
            await first_put.wait()
        async with database.uow() as uow:
            stored = await uow.blobs.put(a_blob())
            if go_first:
                first_put.set()
                await asyncio.sleep(0.2)
            await uow.commit()
        return stored

    try:
        winner, loser = await asyncio.gather(put_slowly(first, go_first=True), put_slowly(second, go_first=False))
    finally:
        await first.dispose()
        await second.dispose()
    assert loser.id == winner.id


async def test_file_ids_are_remembered_per_bot_and_the_newest_wins(database: Database) -> None:
    blob = await put(database, a_blob())
    async with database.uow() as uow:
        assert await uow.blobs.file_id(BotKind.CONSUMER, blob.id) is None
        await uow.blobs.remember_file_id(BotKind.CONSUMER, blob.id, "AgACAgIAAxkBAAIBfirst")
        await uow.blobs.remember_file_id(BotKind.ASSOCIATE, blob.id, "AgACAgIAAxkBAAIBassociate")
        await uow.commit()

    async with database.uow() as uow:
        await uow.blobs.remember_file_id(BotKind.CONSUMER, blob.id, "AgACAgIAAxkBAAIBsecond")
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.blobs.file_id(BotKind.CONSUMER, blob.id) == "AgACAgIAAxkBAAIBsecond"
        assert await uow.blobs.file_id(BotKind.ASSOCIATE, blob.id) == "AgACAgIAAxkBAAIBassociate"
        assert await uow.blobs.file_id(BotKind.CONSUMER, blob.id + 1) is None


# --- expiry ---------------------------------------------------------------------------

DAY = timedelta(days=1)


async def expiring(database: Database, content: bytes, expires_in: timedelta) -> Blob:
    async with database.uow() as uow:
        stored = await uow.blobs.put(a_blob(content, filename="leaderboard-today-2025-01-06.png"))
        await uow.blobs.expire(stored.id, T0 + expires_in)
        await uow.blobs.remember_file_id(BotKind.ASSOCIATE, stored.id, f"AgACAgIAAxkBAAIB{stored.id}")
        await uow.commit()
    return stored


async def delete_expired(database: Database, now) -> int:  # noqa: ANN001
    async with database.uow() as uow:
        deleted = await uow.blobs.delete_expired(now)
        await uow.commit()
    return deleted


async def kept(database: Database, *blobs: Blob) -> list[bool]:
    async with database.uow() as uow:
        return [await uow.blobs.get(blob.id) is not None for blob in blobs]


async def test_expired_blobs_and_their_file_ids_are_deleted_and_the_others_kept(database: Database) -> None:
    poster = await put(database, a_blob())  # no expiry: kept for good
    old = await expiring(database, b"day 1", DAY)
    young = await expiring(database, b"day 3", 3 * DAY)

    assert await delete_expired(database, T0 + DAY - timedelta(microseconds=1)) == 0
    assert await delete_expired(database, T0 + 2 * DAY) == 1

    assert await kept(database, poster, old, young) == [True, False, True]
    async with database.uow() as uow:
        assert await uow.blobs.file_id(BotKind.ASSOCIATE, old.id) is None
        assert await uow.blobs.file_id(BotKind.ASSOCIATE, young.id) is not None
    assert await delete_expired(database, T0 + 2 * DAY) == 0


async def test_the_later_expiry_of_the_same_bytes_stored_twice_wins(database: Database) -> None:
    blob = await expiring(database, b"the same image", 10 * DAY)
    again = await expiring(database, b"the same image", DAY)  # an earlier time does not shorten it
    assert again.id == blob.id

    assert await delete_expired(database, T0 + 5 * DAY) == 0
    assert await delete_expired(database, T0 + 10 * DAY) == 1
    assert await kept(database, blob) == [False]


async def test_a_blob_an_unsent_message_names_is_kept_until_the_message_is_settled(database: Database) -> None:
    photo = await expiring(database, b"queued as a photo", DAY)
    in_album = await expiring(database, b"queued in an album", DAY)
    sent = await expiring(database, b"sent already", DAY)
    async with database.uow() as uow:
        rows = [await uow.outbox.add(OutboxMessage(BotKind.ASSOCIATE, 5_000_000_001, method, params, T0)) for method, params in [
            ("sendPhoto", {"photo": {"blob_id": photo.id}, "caption": "Top recruiters today"}),
            ("sendMediaGroup", {"media": [{"type": "photo", "media": {"file_id": "AgAC"}},
                                          {"type": "photo", "media": {"blob_id": str(in_album.id)}}]}),
            ("sendPhoto", {"photo": {"blob_id": sent.id}}),
            ("sendMessage", {"text": f'a member wrote "blob_id": {sent.id}'}),  # text, not a reference
        ]]
        for row in (rows[2], rows[3]):
            await uow.outbox.mark(row.id, OutboxStatus.SENT, T0)
        await uow.commit()

    assert await delete_expired(database, T0 + 2 * DAY) == 1
    assert await kept(database, photo, in_album, sent) == [True, True, False]

    async with database.uow() as uow:
        await uow.outbox.mark(rows[0].id, OutboxStatus.SENT, T0 + 2 * DAY)
        await uow.outbox.mark(rows[1].id, OutboxStatus.FAILED, T0 + 2 * DAY, error="400")
        await uow.commit()
    assert await delete_expired(database, T0 + 2 * DAY) == 2
    assert await kept(database, photo, in_album) == [False, False]


async def test_a_deleted_blobs_bytes_stored_again_in_the_same_transaction_make_a_new_blob(database: Database) -> None:
    old = await expiring(database, b"yesterday's image", DAY)
    async with database.uow() as uow:
        assert await uow.blobs.delete_expired(T0 + 2 * DAY) == 1
        again = await uow.blobs.put(a_blob(b"yesterday's image"))
        await uow.blobs.expire(again.id, T0 + 3 * DAY)
        await uow.commit()

    async with database.uow() as uow:
        assert (await uow.blobs.get(again.id)).content == b"yesterday's image"
    assert await delete_expired(database, T0 + 2 * DAY) == 0
    assert old.id is not None
