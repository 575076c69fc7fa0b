"""sendMediaGroup rows in the sender: files named per item, several messages in return.

An album's outbox row lists its items as {"type", "media": <file ref>, "caption", ...},
each file ref named the way single media rows name theirs ({"from_bot", "file_id"} or
{"blob_id"}). Each item is carried across bots and cached per bot like a single file.
Telegram answers with one message per item: the first id goes on the outbox row (as for
any message), all of them into album_message, so a reply to any item finds the row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InputFile, InputMediaAudio, InputMediaDocument, InputMediaPhoto, InputMediaVideo
from telegram.error import BadRequest

from commerce.outbox import OutboxMessage
from commerce.ports.uow import UnitOfWorkFactory

_INPUT_MEDIA = {"photo": InputMediaPhoto, "video": InputMediaVideo, "document": InputMediaDocument, "audio": InputMediaAudio}
Upload = tuple[int, str, int]  # (position, media type, blob id) of an item sent as bytes


async def resolve(message: OutboxMessage, uow: UnitOfWorkFactory,
                  carry_across: Callable[[str, dict[str, Any]], Awaitable[int]]) -> tuple[dict[str, Any], list[Upload]]:
    """The row's params with every item's file ready for this bot: its cached file_id, or
    the bytes as an attached upload (remembered after sending, see remember_file_ids)."""
    params = dict(message.params)
    media, uploads = [], []
    for position, item in enumerate(params.get("media") or []):
        kind, ref = item.get("type"), item.get("media")
        if kind not in _INPUT_MEDIA:
            raise BadRequest(f"unsupported media type {kind!r} in an album")
        if isinstance(ref, dict) and "from_bot" in ref and "file_id" in ref:
            ref = {**ref, "blob_id": await carry_across(kind, ref)}
        if isinstance(ref, dict) and "blob_id" in ref:
            blob_id = int(ref["blob_id"])
            async with uow() as work:
                file_id = await work.blobs.file_id(message.bot, blob_id)
                blob = None if file_id else await work.blobs.get(blob_id)
            if file_id is None and blob is None:
                raise BadRequest(f"blob {blob_id} is gone")
            if file_id is None:
                assert blob is not None
                uploads.append((position, kind, blob_id))
            ref = file_id or InputFile(blob.content, filename=str(ref.get("file_name") or blob.filename), attach=True)  # type: ignore[union-attr]
        media.append(_INPUT_MEDIA[kind](media=ref, caption=item.get("caption"), parse_mode=item.get("parse_mode")))
    params["media"] = media
    return params, uploads


def sent_ids(result: Any) -> tuple[int | None, list[int]]:
    """(the message id to keep on the outbox row, every id of an album in order)."""
    if isinstance(result, dict):
        return result.get("message_id"), []
    if isinstance(result, list):
        ids = [m["message_id"] for m in result if isinstance(m, dict) and "message_id" in m]
        return (ids[0] if ids else None), ids
    return None, []


async def remember_file_ids(message: OutboxMessage, uow: UnitOfWorkFactory, uploads: list[Upload], result: Any) -> None:
    """The file_ids this bot got for the bytes it uploaded, so the next album reuses them."""
    if not isinstance(result, list):
        return
    async with uow() as work:
        for position, kind, blob_id in uploads:
            sent = result[position].get(kind) if position < len(result) and isinstance(result[position], dict) else None
            if isinstance(sent, list) and sent:  # photos come in sizes; the last is the largest
                sent = sent[-1]
            if isinstance(sent, dict) and sent.get("file_id"):
                await work.blobs.remember_file_id(message.bot, blob_id, sent["file_id"])
        await work.commit()
