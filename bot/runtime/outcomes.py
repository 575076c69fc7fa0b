"""Recording what became of outbox rows: their status, and the hook for undelivered ones.

Each row settles once, under its chat's lock. A row that ends FAILED or UNREACHABLE is
handed, once its status is committed, to the undelivered hook (commerce.chats tells its
writer); the hook writes its own transaction, and a failing hook costs a notice, never the
delivery loop.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxStatus
from commerce.ports.uow import Clock, UnitOfWorkFactory
from commerce.sending import Hold

log = logging.getLogger("storelink.sender")

Undelivered = Callable[[OutboxMessage, OutboxStatus], Awaitable[None]]


class Outcomes:
    def __init__(self, *, uow: UnitOfWorkFactory, single: UnitOfWorkFactory, clock: Clock,
                 on_undelivered: Undelivered | None) -> None:
        # `single` for the per-message status update, one statement (see
        # storage.uow.Database.single_statement): no BEGIN/COMMIT round trips.
        self.uow, self.single, self.clock = uow, single, clock
        self.on_undelivered = on_undelivered  # once per row that ends FAILED or UNREACHABLE

    async def settle(self, message: OutboxMessage, status: OutboxStatus, attempts: int, **fields: Any) -> OutboxStatus:
        assert message.id is not None
        album = fields.pop("album_message_ids", None)
        async with (self.uow if album else self.single)() as uow:  # an album's ids commit with its status
            await uow.outbox.mark(message.id, status, self.clock.now(), attempts=attempts, **fields)
            if album:  # in the same commit: a reply to any item finds the row as soon as it is SENT
                await uow.albums.remember_delivered(message.bot, message.chat_id, message.id, album)
            await uow.commit()
        if status in (OutboxStatus.FAILED, OutboxStatus.UNREACHABLE):  # the hook sees the row as settled
            settled = dataclasses.replace(message, status=status, attempts=attempts, error=fields.get("error", message.error))
            await self._undelivered([settled], status)
        return status

    async def hold(self, message: OutboxMessage, hold: Hold) -> None:
        """Out of line until the policy's time: pending, not due before then."""
        assert message.id is not None
        async with self.single() as uow:
            await uow.outbox.mark(message.id, OutboxStatus.PENDING, self.clock.now(), not_before=hold.until)
            await uow.commit()

    async def mark_rest_unreachable(self, bot: BotKind, chat_id: int, reason: str = "blocked") -> None:
        async with self.uow() as uow:
            rest = await uow.outbox.pending_for_chat(bot, chat_id, 10_000)
            for message in rest:
                assert message.id is not None
                await uow.outbox.mark(message.id, OutboxStatus.UNREACHABLE, self.clock.now(), error=reason)
            await uow.commit()
        await self._undelivered(rest, OutboxStatus.UNREACHABLE)

    async def _undelivered(self, messages: Iterable[OutboxMessage], status: OutboxStatus) -> None:
        """After the rows' final status is committed: the hook writes its own transaction."""
        if self.on_undelivered is None:
            return
        for message in messages:
            try:
                await self.on_undelivered(message, status)
            except Exception:
                log.exception("the undelivered-message hook failed for outbox row %s", message.id)
