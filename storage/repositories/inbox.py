"""Updates from Telegram, recorded before they are acknowledged, and claimed in each chat's order."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from commerce.bots import BotKind
from commerce.inbox import InboundUpdate, InboxStatus
from commerce.ports.uow import Unstorable
from storage import mapping
from storage.repositories.base import (
    _NOT_THE_VALUES,
    _Repository,
    insert_returning_id,
    p,
    params,
)
from storage.tables.inbox import InboundUpdateRow

# The tables themselves, for statements on the hot path that need no ORM objects.
_INBOX: sa.Table = InboundUpdateRow.__table__  # type: ignore[attr-defined]


class SqlInboxRepository(_Repository):
    async def record(self, update: InboundUpdate) -> bool:
        """Raises Unstorable when the database refuses the values themselves."""
        # ON CONFLICT DO NOTHING: two processes receiving the same redelivered update
        # both succeed; exactly one of them gets a row back and processes it.
        values = mapping.values(update, exclude=())
        stmt = insert_returning_id(_INBOX, tuple(values), self.session.bind.dialect.name, ("bot", "update_id"))
        try:
            result = await self.session.execute(stmt, params(values))
        except sa.exc.StatementError as exc:
            if isinstance(exc, _NOT_THE_VALUES) or getattr(exc, "connection_invalidated", False):
                raise  # the connection, the schema or the server: the same values may go in later
            # Values only, never the statement's parameters: they are a person's words.
            raise Unstorable(type(getattr(exc, "orig", None) or exc).__name__) from None
        return result.first() is not None

    async def get(self, bot: BotKind, update_id: int) -> InboundUpdate | None:
        row = await self._first(sa.select(InboundUpdateRow).where(*self._key(bot, update_id)))
        return mapping.inbound_update(row) if row else None

    async def claim_done(self, bot: BotKind, update_id: int, at: datetime) -> bool:
        """Raises LookupError if the update was never recorded."""
        # One atomic UPDATE: of two transactions racing, PostgreSQL makes the second
        # wait on the row lock and re-check the WHERE; SQLite's BEGIN IMMEDIATE makes
        # it wait for the whole first transaction. Either way exactly one gets rowcount 1.
        # On the table: no ORM bookkeeping for a row nobody loaded.
        result = await self.session.execute(_CLAIM_DONE, {"p_bot": BotKind(bot).value, "p_update_id": update_id, "p_processed_at": at})
        if result.rowcount == 1:
            return True
        if await self.get(bot, update_id) is None:
            raise LookupError(f"update {bot}:{update_id} was never recorded")
        return False

    def claim_done_later(self, bot: BotKind, update_id: int, at: datetime) -> None:
        """claim_done, sent with this transaction's first outbox row (one statement for both,
        on PostgreSQL) or else just before its commit: one round trip fewer for every update
        that queues a message. Its answer is claimed_later()."""
        self.session.info[_DONE_LATER] = {"d_bot": BotKind(bot).value, "d_update_id": update_id, "d_processed_at": at}

    async def claimed_later(self) -> bool:
        """What claim_done would have said, for the claim made by claim_done_later: sent now
        unless a write took it along already. Raises LookupError if the update was never
        recorded."""
        info = self.session.info
        staged = info.pop(_DONE_LATER, None)
        if staged is not None:
            result = await self.session.execute(_CLAIM_DONE_LATER, staged)
            info[_DONE_ANSWER] = (staged, result.rowcount == 1)
        staged, done = info.pop(_DONE_ANSWER)
        if not done and await self.get(BotKind(staged["d_bot"]), staged["d_update_id"]) is None:
            raise LookupError(f"update {staged['d_bot']}:{staged['d_update_id']} was never recorded")
        return bool(done)

    async def mark_failed(self, bot: BotKind, update_id: int, at: datetime, error: str) -> None:
        # Never downgrade a DONE update: its effects are committed.
        stmt = (sa.update(InboundUpdateRow)
                .where(*self._key(bot, update_id), InboundUpdateRow.status != InboxStatus.DONE.value)
                .values(status=InboxStatus.FAILED.value, processed_at=at, error=error))
        await self.session.execute(stmt, execution_options={"synchronize_session": False})

    async def next_of_chat(self, bot: BotKind, chat_id: int, up_to: int) -> InboundUpdate | None:
        dialect = self.session.bind.dialect.name
        result = await self.session.execute(_next_of_chat(dialect), {"p_bot": BotKind(bot).value, "p_chat_id": chat_id, "p_up_to": up_to})
        row = result.first()
        return mapping.inbound_update(row) if row else None

    async def unprocessed(self, older_than: datetime, limit: int) -> Sequence[InboundUpdate]:
        stmt = (sa.select(InboundUpdateRow)
                .where(InboundUpdateRow.status == InboxStatus.RECEIVED.value,
                       InboundUpdateRow.received_at < older_than)
                .order_by(InboundUpdateRow.received_at, InboundUpdateRow.id)
                .limit(limit))
        return [mapping.inbound_update(row) for row in await self._all(stmt)]

    @staticmethod
    def _key(bot: BotKind, update_id: int) -> tuple[sa.ColumnElement[bool], ...]:
        return InboundUpdateRow.bot == BotKind(bot).value, InboundUpdateRow.update_id == update_id


_CLAIM_DONE = (sa.update(_INBOX)
               .where(_INBOX.c.bot == p(_INBOX.c.bot), _INBOX.c.update_id == p(_INBOX.c.update_id),
                      _INBOX.c.status != InboxStatus.DONE.value)
               .values(status=InboxStatus.DONE.value, processed_at=p(_INBOX.c.processed_at), error=None))


# claim_done_later's claim, its parameters named apart from those of the write it joins.
_CLAIM_DONE_LATER = (sa.update(_INBOX)
                     .where(_INBOX.c.bot == sa.bindparam("d_bot", type_=_INBOX.c.bot.type),
                            _INBOX.c.update_id == sa.bindparam("d_update_id", type_=_INBOX.c.update_id.type),
                            _INBOX.c.status != InboxStatus.DONE.value)
                     .values(status=InboxStatus.DONE.value,
                             processed_at=sa.bindparam("d_processed_at", type_=_INBOX.c.processed_at.type), error=None))
_DONE_LATER = "storelink_done_later"  # session.info: the claim waiting for a write to join
_DONE_ANSWER = "storelink_done_answer"  # session.info: (its parameters, whether it claimed the row)


def take_done_later(session_info: dict[str, Any]) -> dict[str, Any] | None:
    """The claim waiting to join a write, if any: that write sends it (joined_with_done)."""
    return session_info.pop(_DONE_LATER, None)


def answer_done_later(session_info: dict[str, Any], staged: dict[str, Any], claimed: bool) -> None:
    session_info[_DONE_ANSWER] = (staged, claimed)


@functools.cache
def joined_with_done(insert: Any, table: sa.Table) -> Any:
    """`insert` (an INSERT ... RETURNING id) with the waiting claim in front of it, as a
    data-modifying WITH on PostgreSQL: RETURNING id, and 1 if the claim took the row."""
    done = _CLAIM_DONE_LATER.returning(_INBOX.c.id).cte("done_claim")
    claimed = sa.select(sa.func.count()).select_from(done).scalar_subquery()
    return insert.add_cte(done).returning(claimed.label("done_claimed"))


@functools.cache
def _next_of_chat(dialect: str) -> sa.Update:
    """One statement claims an attempt at a chat's oldest unhandled update: whoever holds
    the chat's lease handles its updates in update_id order, a crashed process's first."""
    oldest = (sa.select(_INBOX.c.id)
              .where(_INBOX.c.bot == sa.bindparam("p_bot"), _INBOX.c.chat_id == sa.bindparam("p_chat_id"),
                     _INBOX.c.status == InboxStatus.RECEIVED.value, _INBOX.c.update_id <= sa.bindparam("p_up_to"))
              .order_by(_INBOX.c.update_id)
              .limit(1)
              .scalar_subquery())
    return (sa.update(_INBOX)
            .where(_INBOX.c.id == oldest)
            .values(attempts=_INBOX.c.attempts + 1)
            .returning(*(c for c in _INBOX.c if c.name != "id")))
