"""Blobs are stored once per content, and each bot's file_id for them is remembered."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from commerce.model import Blob, BotKind
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
