"""Files carried across the bots: an outbox row's file refs made into what this bot can send.

Outbox rows name stored bytes as {"blob_id": N}, or a file another of our bots received as
{"from_bot": ..., "file_id": ...}. A file_id is valid only for the bot that got it and
copyMessage cannot cross bots, so a foreign file is downloaded through the bot that owns it
and kept as a blob (content-addressed, so a retry stores nothing new); each bot uploads a
blob once and reuses its own file_id after. Albums follow the same rules item by item
(media_groups.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot.runtime import media_groups
from commerce.bots import BotKind
from commerce.outbox import Blob, OutboxMessage
from commerce.ports.uow import Clock, UnitOfWorkFactory

FILE_FIELDS = ("photo", "document", "voice", "video", "audio", "animation", "sticker")
# Telegram re-encodes photos as JPEG; the name is what the upload is called. A file ref may
# carry the sender's own name and type ({"file_name", "mime_type"}): documents keep theirs.
_MEDIA_NAMES = {"photo": ("image/jpeg", "photo.jpg"), "voice": ("audio/ogg", "voice.ogg"), "video": ("video/mp4", "video.mp4")}

# What was uploaded as bytes, to remember the file_id Telegram gives it: (field, blob id)
# for a single file, the items' uploads for an album, None when nothing was.
Uploads = tuple[str, int] | list[media_groups.Upload] | None


class Files:
    def __init__(self, *, uow: UnitOfWorkFactory, bots: Mapping[BotKind, Bot], clock: Clock) -> None:
        self.uow, self.bots, self.clock = uow, bots, clock

    async def resolve(self, message: OutboxMessage) -> tuple[dict[str, Any], Uploads]:
        """The row's params with its file ready for this bot: the cached file_id, or the
        bytes as an attached upload (remembered after sending, see remember)."""
        if message.method == "sendMediaGroup":
            return await media_groups.resolve(message, self.uow, self._carry_across)
        params = dict(message.params)
        for field in FILE_FIELDS:
            ref = params.get(field)
            if isinstance(ref, dict) and "from_bot" in ref and "file_id" in ref:
                ref = {**ref, "blob_id": await self._carry_across(field, ref)}
            if not (isinstance(ref, dict) and "blob_id" in ref):
                continue
            blob_id = int(ref["blob_id"])
            async with self.uow() as uow:
                file_id = await uow.blobs.file_id(message.bot, blob_id)
                blob = None if file_id else await uow.blobs.get(blob_id)
            if file_id:
                params[field] = file_id
                return params, None
            if blob is None:
                raise BadRequest(f"blob {blob_id} is gone")
            # The same bytes may be stored under another name: the ref's own name wins.
            params[field] = InputFile(blob.content, filename=str(ref.get("file_name") or blob.filename), attach=True)
            return params, (field, blob_id)
        return params, None

    async def remember(self, message: OutboxMessage, uploads: Uploads, result: Any) -> None:
        """The file_ids this bot got for the bytes it uploaded, so the next send reuses them."""
        if isinstance(uploads, list):  # an album's uploads
            await media_groups.remember_file_ids(message, self.uow, uploads, result)
        elif uploads is not None and isinstance(result, dict):
            await self._remember_file_id(message, uploads, result)

    async def _carry_across(self, field: str, ref: dict[str, Any]) -> int:
        """A file another of our bots received: downloaded through that bot, kept as a blob."""
        try:
            source = self.bots[BotKind(ref["from_bot"])]
        except (KeyError, ValueError):
            raise BadRequest(f"unknown source bot {ref.get('from_bot')!r}") from None
        file = await source.get_file(str(ref["file_id"]))
        content = bytes(await file.download_as_bytearray())
        mime, filename = _MEDIA_NAMES.get(field, ("application/octet-stream", field))
        mime, filename = str(ref.get("mime_type") or mime), str(ref.get("file_name") or filename)
        blob = Blob(sha256=hashlib.sha256(content).hexdigest(), content=content, mime_type=mime, filename=filename, created_at=self.clock.now())
        async with self.uow() as uow:
            stored = await uow.blobs.put(blob)
            await uow.commit()
        assert stored.id is not None
        return stored.id

    async def _remember_file_id(self, message: OutboxMessage, uploaded: tuple[str, int], result: dict[str, Any]) -> None:
        field, blob_id = uploaded
        sent = result.get(field)
        if isinstance(sent, list) and sent:  # photos come in sizes; the last is the largest
            sent = sent[-1]
        if isinstance(sent, dict) and sent.get("file_id"):
            async with self.uow() as uow:
                await uow.blobs.remember_file_id(message.bot, blob_id, sent["file_id"])
                await uow.commit()
