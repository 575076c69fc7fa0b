"""Bot API calls waiting for the sender, and what became of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxPurpose, OutboxStatus
from storage import mapping
from storage.repositories.base import (
    _Repository,
    insert_returning_id,
    p,
    params,
    update_by_id,
)
from storage.repositories.inbox import (
    _INBOX,
    answer_done_later,
    joined_with_done,
    take_done_later,
)
from storage.tables.outbox import OutboxRow

_OUTBOX: sa.Table = OutboxRow.__table__  # type: ignore[attr-defined]


_PENDING_FOR_CHAT = (sa.select(_OUTBOX)
                     .where(_OUTBOX.c.status == OutboxStatus.PENDING.value,
                            _OUTBOX.c.bot == p(_OUTBOX.c.bot), _OUTBOX.c.chat_id == p(_OUTBOX.c.chat_id))
                     .order_by(_OUTBOX.c.id)
                     .limit(sa.bindparam("p_limit")))
_DUE_FOR_CHAT = _PENDING_FOR_CHAT.where(sa.or_(_OUTBOX.c.not_before.is_(None), _OUTBOX.c.not_before <= sa.bindparam("p_due", type_=_OUTBOX.c.not_before.type)))


class SqlOutboxRepository(_Repository):
    async def add(self, message: OutboxMessage) -> OutboxMessage:
        values = mapping.values(message)
        info = self.session.info
        if self.session.bind.dialect.name == "postgresql" and (done := take_done_later(info)) is not None:
            # The update's claim (inbox.claim_done_later) rides along: one statement.
            stmt = joined_with_done(insert_returning_id(_OUTBOX, tuple(values)), _INBOX)
            row = (await self.session.execute(stmt, {**params(values), **done})).one()
            answer_done_later(info, done, row.done_claimed == 1)
            message.id = int(row.id)
        else:
            message.id = await self._insert_values(OutboxRow, values)
        return dataclasses.replace(message)

    async def get(self, message_id: int) -> OutboxMessage | None:
        row = await self._get(OutboxRow, message_id)
        return mapping.outbox_message(row) if row else None

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        # One executemany INSERT: a campaign's chunk costs one round trip, not one per row.
        if not messages:
            return 0
        await self.session.execute(sa.insert(_OUTBOX), [mapping.values(message) for message in messages])
        return len(messages)

    async def pending_for_chat(self, bot: BotKind, chat_id: int, limit: int, *,
                               due: datetime | None = None) -> Sequence[OutboxMessage]:
        # Equality on (status, bot, chat_id) and order by id: one range of
        # ix_outbox_status_bot_chat_id_id, read in index order, no sort.
        # Plain rows: the sender reads them once per job, never changes them as objects.
        values: dict[str, Any] = {"p_bot": BotKind(bot).value, "p_chat_id": chat_id, "p_limit": limit}
        if due is not None:
            values["p_due"] = due
        result = await self.session.execute(_PENDING_FOR_CHAT if due is None else _DUE_FOR_CHAT, values)
        return [mapping.outbox_message(row) for row in result.all()]

    async def pending_chats(self, limit: int, *, purposes: Sequence[OutboxPurpose] | None = None,
                            due: datetime | None = None) -> Sequence[tuple[BotKind, int]]:
        # Groups come straight from the index's PENDING range (of the purposes asked, in
        # ix_outbox_status_purpose_bot_chat_id_id); only the per-chat minimum ids are sorted.
        oldest = sa.func.min(OutboxRow.id)
        stmt = (sa.select(OutboxRow.bot, OutboxRow.chat_id)
                .where(OutboxRow.status == OutboxStatus.PENDING.value)
                .group_by(OutboxRow.bot, OutboxRow.chat_id)
                .order_by(oldest)
                .limit(limit))
        if purposes is not None:
            stmt = stmt.where(OutboxRow.purpose.in_([OutboxPurpose(purpose).value for purpose in purposes]))  # type: ignore[attr-defined]
        if due is not None:
            stmt = stmt.where(sa.or_(OutboxRow.not_before.is_(None), OutboxRow.not_before <= due))  # type: ignore[union-attr,operator]
        result = await self.session.execute(stmt)
        return [(BotKind(bot), chat_id) for bot, chat_id in result.all()]

    async def mark(
        self,
        message_id: int,
        status: OutboxStatus,
        at: datetime,
        *,
        telegram_message_id: int | None = None,
        error: str | None = None,
        attempts: int | None = None,
        not_before: datetime | None = None,
    ) -> None:
        """Set the status; the keyword fields change only when given (not None)."""
        status = OutboxStatus(status)
        values: dict[str, Any] = {"status": status.value, "updated_at": at}
        if status is OutboxStatus.SENT:
            values["sent_at"] = at
        if telegram_message_id is not None:
            values["telegram_message_id"] = telegram_message_id
        if error is not None:
            values["error"] = error
        if attempts is not None:
            values["attempts"] = attempts
        if not_before is not None:
            values["not_before"] = not_before
        await self.session.execute(update_by_id(_OUTBOX, tuple(values)), {"p_id": message_id, **params(values)})

    async def by_telegram_message(self, bot: BotKind, chat_id: int, telegram_message_id: int) -> OutboxMessage | None:
        # ix_outbox_bot_chat_id_telegram_message_id; message ids are unique per chat only.
        stmt = (sa.select(OutboxRow)
                .where(OutboxRow.bot == BotKind(bot).value,
                       OutboxRow.chat_id == chat_id,
                       OutboxRow.telegram_message_id == telegram_message_id)
                .order_by(OutboxRow.id.desc()))
        row = await self._first(stmt)
        return mapping.outbox_message(row) if row else None

    async def count_by_status(self) -> Mapping[OutboxStatus, int]:
        stmt = sa.select(OutboxRow.status, sa.func.count()).group_by(OutboxRow.status)
        counts = {status: 0 for status in OutboxStatus}
        for status, count in (await self.session.execute(stmt)).all():
            counts[OutboxStatus(status)] = count
        return counts
