"""Files kept as bytes (posters, charts, media crossing between the bots) and each bot's file_id for them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from commerce.bots import BotKind
from commerce.outbox import Blob, OutboxStatus
from storage import mapping
from storage.repositories.base import _Repository
from storage.tables.blobs import BlobExpiryRow, BlobFileRow, BlobRow
from storage.tables.outbox import OutboxRow

EXPIRED_BATCH = 200  # blobs deleted at most per call: a backlog goes over the next calls


class SqlBlobRepository(_Repository):
    async def put(self, blob: Blob) -> Blob:
        """Raises ValueError if blob.sha256 is not the hex SHA-256 digest of its content:
        a wrong key would hand these bytes out for other content."""
        if hashlib.sha256(blob.content).hexdigest() != blob.sha256:
            raise ValueError(f"sha256 {blob.sha256!r} is not the digest of the blob's content")
        # ON CONFLICT DO NOTHING: of two transactions storing the same bytes, PostgreSQL
        # makes the second wait for the first and then skip the insert; the SELECT that
        # follows (a new snapshot under READ COMMITTED) reads the winner's row.
        stmt = (self._dialect_insert(BlobRow)
                .values(**mapping.values(blob))
                .on_conflict_do_nothing(index_elements=["sha256"])
                .returning(BlobRow.id))
        inserted_id = (await self.session.execute(stmt)).scalar_one_or_none()
        if inserted_id is not None:
            blob.id = inserted_id
            return replace(blob)
        row = await self._first(sa.select(BlobRow).where(BlobRow.sha256 == blob.sha256))
        blob.id = row.id
        return mapping.blob(row)

    async def get(self, blob_id: int) -> Blob | None:
        row = await self._get(BlobRow, blob_id)
        return mapping.blob(row) if row else None

    async def file_id(self, bot: BotKind, blob_id: int) -> str | None:
        stmt = sa.select(BlobFileRow.file_id).where(BlobFileRow.bot == BotKind(bot).value,
                                                    BlobFileRow.blob_id == blob_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def remember_file_id(self, bot: BotKind, blob_id: int, file_id: str) -> None:
        """Insert or replace: the newest file_id Telegram gave this bot wins."""
        insert = self._dialect_insert(BlobFileRow)
        stmt = (insert
                .values(bot=BotKind(bot).value, blob_id=blob_id, file_id=file_id)
                .on_conflict_do_update(index_elements=["bot", "blob_id"], set_={"file_id": insert.excluded.file_id}))
        await self.session.execute(stmt)

    async def expire(self, blob_id: int, at: datetime) -> None:
        # The same bytes stored again (content-addressed: the same blob) keep the later time.
        insert = self._dialect_insert(BlobExpiryRow)
        later = sa.case((insert.excluded.expires_at > BlobExpiryRow.expires_at, insert.excluded.expires_at),
                        else_=BlobExpiryRow.expires_at)
        stmt = (insert
                .values(blob_id=blob_id, expires_at=at)
                .on_conflict_do_update(index_elements=["blob_id"], set_={"expires_at": later}))
        await self.session.execute(stmt)

    async def delete_expired(self, now: datetime) -> int:
        due_stmt = (sa.select(BlobExpiryRow.blob_id)
                    .where(BlobExpiryRow.expires_at <= now)
                    .order_by(BlobExpiryRow.expires_at)
                    .limit(EXPIRED_BATCH))
        due = set((await self.session.execute(due_stmt)).scalars())
        if not due:
            return 0
        due -= await self._named_by_unsent(due)
        if not due:
            return 0
        # The expiry is checked again as the rows are deleted: on PostgreSQL a transaction
        # that stored the same bytes again meanwhile holds the row and has renewed it, and
        # the re-check after its commit leaves that blob alone.
        gone_stmt = (sa.delete(BlobExpiryRow)
                     .where(BlobExpiryRow.blob_id.in_(due), BlobExpiryRow.expires_at <= now)
                     .returning(BlobExpiryRow.blob_id))
        gone = list((await self.session.execute(gone_stmt, execution_options={"synchronize_session": False})).scalars())
        if not gone:
            return 0
        for stmt in (sa.delete(BlobFileRow).where(BlobFileRow.blob_id.in_(gone)),
                     sa.delete(BlobRow).where(BlobRow.id.in_(gone))):
            await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return len(gone)

    async def _named_by_unsent(self, blob_ids: set[int]) -> set[int]:
        """Those of ``blob_ids`` a pending outbox row still names ({"blob_id": N}, anywhere
        in its parameters: a photo, an album's items). The text match narrows the pending
        rows (one range of the outbox's status index) to those naming any blob."""
        stmt = (sa.select(OutboxRow.params)
                .where(OutboxRow.status == OutboxStatus.PENDING.value,
                       sa.cast(OutboxRow.params, sa.Text).contains('"blob_id"', autoescape=True)))
        named: set[int] = set()
        for params in (await self.session.execute(stmt)).scalars():
            named.update(_blob_ids(params))
        return named & blob_ids


def _blob_ids(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "blob_id" and isinstance(item, int | str) and str(item).isdigit():
                yield int(item)
            else:
                yield from _blob_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _blob_ids(item)
