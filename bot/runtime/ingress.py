"""Every update enters here, from the webhook or the poller: screen it, record it, then
handle it.

The update is written to the inbox before Telegram is answered (webhook) or before the
poller confirms it (getUpdates offset), so a crash loses nothing: Telegram delivers again,
or the recovery sweep finds it still RECEIVED. The handler's transaction marks it done,
so redeliveries have no second effect.

Order: a chat's updates are handled one after another in update_id order, whichever
process recorded them. The process holding a chat's lease always takes the chat's oldest
RECEIVED update first (one statement claims it and counts the attempt), so an update a
crashed process recorded but never handled goes before the chat's later ones. The lease
is short and renewed while its holder lives: a dead process stalls its chats for seconds,
not minutes. An update whose handling began MAX_ATTEMPTS times without ending (it keeps
killing its process, or its process keeps dying) is marked FAILED, so it cannot block its
chat or the recovery sweep forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any

from telegram import Update

from bot.interface.context import HANDLED, Services, StorelinkApplication
from bot.runtime.intake import IntakeWatch, Refused, Screened, screen
from bot.runtime.metrics import UPDATE_HANDLING, started
from commerce.bots import BotKind
from commerce.inbox import InboundUpdate, InboxStatus
from commerce.ports.uow import Unstorable

log = logging.getLogger("storelink.ingress")
CHAT_LEASE = 10.0  # seconds a chat's lease lasts unless its holder renews it
LEASE_WAIT = 120.0  # past this, a chat whose lease is always renewed is handled anyway
MAX_ATTEMPTS = 3  # handling began this often without ending: the update is FAILED
RECOVER_AFTER = 15.0  # seconds: a RECEIVED update this old is swept up (if not in flight here)
# Updates handled at once. A burst is recorded at once and waits here, durably in the
# inbox, rather than as hundreds of handlers queueing for database connections, which
# would starve the sender's short reads and writes of the same pool and stall delivery.
HANDLING_AT_ONCE = 12
# Urgent updates (pre-checkout queries) handled at once, beside those: they never wait for
# a chat, and a backlog elsewhere never holds their slots.
URGENT_AT_ONCE = 8


class Receipt(enum.Enum):
    RECORDED = "recorded"  # new, recorded, handling scheduled
    DUPLICATE = "duplicate"  # recorded before (a redelivery): nothing to do
    REJECTED = "rejected"  # recorded as REJECTED with its reason; never handled
    REFUSED = "refused"  # not an update at all; nothing recorded


class Ingress:
    def __init__(self, services: Services, applications: Mapping[BotKind, StorelinkApplication], *,
                 recover_after: float = RECOVER_AFTER) -> None:
        self.services = services
        self.recover_after = timedelta(seconds=recover_after)
        self.applications = applications
        self._tasks: set[asyncio.Task[None]] = set()
        self._chat_locks: dict[tuple[BotKind, int], asyncio.Lock] = {}
        self._chat_waiters: dict[tuple[BotKind, int], int] = {}
        self._handling = asyncio.Semaphore(HANDLING_AT_ONCE)
        self._urgent = asyncio.Semaphore(URGENT_AT_ONCE)
        self._pending: set[tuple[BotKind, int]] = set()  # (bot, update_id) scheduled here, not ended
        self.intake = IntakeWatch()

    def metrics_refused(self, bot: BotKind) -> None:
        """A body refused before it reached receive() (the webhook's JSON parsing)."""
        self.services.metrics.inc("storelink_updates_rejected_total", bot)

    @property
    def in_flight(self) -> frozenset[asyncio.Task[None]]:
        """Updates being handled (or waiting for their chat) right now."""
        return frozenset(self._tasks)

    async def receive(self, bot: BotKind, raw: Any) -> Receipt:
        """Screen the update, record it durably and schedule its handling.

        Raises only when the database cannot be reached (the caller retries later);
        whatever is wrong with the update itself ends in a Receipt."""
        metrics, since = self.services.metrics, started()
        try:
            screened = screen(raw, self.applications[bot].bot)
        except Refused as exc:
            log.warning("a body for the %s bot that is not an update was refused: %s", bot, exc)
            metrics.inc("storelink_updates_rejected_total", bot)
            return Receipt.REFUSED
        recorded = await self._record(bot, screened)
        if recorded is None:
            metrics.inc("storelink_updates_rejected_total", bot)
            return Receipt.REFUSED
        fresh, rejected = recorded
        if not fresh:
            metrics.inc("storelink_updates_duplicate_total", bot)
            return Receipt.DUPLICATE
        if rejected is not None:
            log.warning("update %s of the %s bot rejected: %s", screened.update_id, bot, rejected)
            metrics.inc("storelink_updates_rejected_total", bot)
            metrics.observe(UPDATE_HANDLING, since, bot=bot, outcome="rejected")
            return Receipt.REJECTED
        metrics.inc("storelink_updates_received_total", bot)
        if screened.urgent:
            self._spawn_urgent(bot, screened.update_id, screened.payload, screened.update)
        else:
            self._spawn(bot, screened.update_id, screened.chat_id, screened.update)
        return Receipt.RECORDED

    async def _record(self, bot: BotKind, screened: Screened) -> tuple[bool, str | None] | None:
        """(new?, why it will not be handled), or None if not even its id could be stored."""
        now = self.services.clock.now()
        update = InboundUpdate(bot, screened.update_id, screened.payload, now, chat_id=screened.chat_id)
        if screened.rejected is not None:
            update = _trace(update, screened.rejected, screened.payload)
        try:
            return await self._insert(update), screened.rejected
        except Unstorable as exc:
            reason = f"the database refused its values ({exc})"
        try:
            return await self._insert(_trace(update, reason)), reason
        except Unstorable:
            log.error("update %s of the %s bot could not be recorded at all; skipped", update.update_id, bot)
            return None

    async def _insert(self, update: InboundUpdate) -> bool:
        async with (self.services.single_statement or self.services.uow)() as uow:  # one INSERT: atomic alone
            fresh = await uow.inbox.record(update)
            await uow.commit()
        return fresh

    def _spawn(self, bot: BotKind, update_id: int, chat_id: int, update: Update | None = None) -> None:
        self._pending.add((bot, update_id))
        task = asyncio.create_task(self._handle_in_chat_order(bot, update_id, chat_id, update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._pending.discard((bot, update_id)))

    def _spawn_urgent(self, bot: BotKind, update_id: int, payload: dict[str, Any], update: Update | None) -> None:
        """Handled now, in no chat's order: recorded first all the same, so a redelivery is
        a duplicate and the handler's transaction marks it done once."""
        self._pending.add((bot, update_id))
        task = asyncio.create_task(self._handle_now(bot, update_id, payload, update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._pending.discard((bot, update_id)))

    async def _handle_now(self, bot: BotKind, update_id: int, payload: dict[str, Any], update: Update | None) -> None:
        try:
            async with self._urgent:
                await self.handle(bot, payload, update)
        except Exception:
            log.exception("urgent update %s of the %s bot: handling failed", update_id, bot)

    async def _handle_in_chat_order(self, bot: BotKind, update_id: int, chat_id: int, update: Update | None) -> None:
        # In this process, a chat's tasks queue on a FIFO asyncio.Lock; across processes,
        # on the chat's lease. Waiting for either holds none of the handling slots.
        key = (bot, chat_id)
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._chat_waiters[key] = self._chat_waiters.get(key, 0) + 1
        try:
            async with lock, self._chat_lease(key), self._handling:
                await self._handle_chat_up_to(bot, chat_id, update_id, update)
        except Exception:
            # The row stays RECEIVED; its attempt was counted, and the sweep comes back to it.
            log.exception("update %s of the %s bot: handling its chat failed", update_id, bot)
        finally:
            self._chat_waiters[key] -= 1
            if not self._chat_waiters[key]:
                del self._chat_waiters[key], self._chat_locks[key]

    async def _handle_chat_up_to(self, bot: BotKind, chat_id: int, update_id: int, update: Update | None) -> None:
        """Handle the chat's RECEIVED updates up to this one, oldest first (usually just
        this one; before it, any that a dead process recorded and never handled)."""
        services = self.services
        while True:
            async with (services.single_statement or services.uow)() as uow:
                claimed = await uow.inbox.next_of_chat(bot, chat_id, update_id)
                await uow.commit()
            if claimed is None:
                return  # handled by someone else meanwhile
            if claimed.attempts > MAX_ATTEMPTS:
                await self._settle(bot, claimed.update_id, f"gave up after {MAX_ATTEMPTS} attempts that never ended")
            else:
                mine = update if claimed.update_id == update_id else None
                await self.handle(bot, claimed.payload, mine)
            if claimed.update_id == update_id:
                return

    @contextlib.asynccontextmanager
    async def _chat_lease(self, key: tuple[BotKind, int]) -> AsyncIterator[None]:
        """Several processes (webhooks behind a load balancer, or a survivor recovering a
        dead process's updates) may handle one chat: its lease lets one at a time. The
        lease is short and renewed while held, so a dead holder stalls the chat only until
        it runs out."""
        lock = self.services.backends.lock
        name = f"in:{key[0].value}:{key[1]}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LEASE_WAIT
        pause = 0.01
        token = await lock.acquire(name, CHAT_LEASE)
        while token is None and loop.time() < deadline:
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.25)
            token = await lock.acquire(name, CHAT_LEASE)
        if token is None:
            log.warning("the lease of chat %s of the %s bot was held for %.0fs; handling anyway", key[1], key[0], LEASE_WAIT)
        keeper = asyncio.create_task(self._keep_lease(name, token)) if token is not None else None
        try:
            yield
        finally:
            if keeper is not None:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            if token is not None:
                with contextlib.suppress(Exception):  # it runs out by itself
                    await lock.release(name, token)

    async def _keep_lease(self, name: str, token: str) -> None:
        lock = self.services.backends.lock
        while True:
            await asyncio.sleep(CHAT_LEASE / 3)
            try:
                if not await lock.refresh(name, token, CHAT_LEASE):
                    log.warning("lost the lease of %s while handling it", name)
                    return
            except Exception as exc:
                log.warning("could not renew the lease of %s: %s", name, type(exc).__name__)

    async def handle(self, bot: BotKind, payload: dict[str, Any], update: Update | None = None) -> None:
        """Run the update through its Application once, then settle its inbox row. How
        handling ended is said by the handler's transaction (it marked the row DONE with its
        effects) or the error handler (FAILED, with the reason), through HANDLED in this
        task, or else by the row itself; a row still open was handled without a transaction
        (nothing to do, or no handler for it) and is settled here."""
        services, since = self.services, started()
        update_id = payload["update_id"]
        app = self.applications[bot]
        handled = HANDLED.set(None)
        try:
            await app.process_update(update if update is not None else Update.de_json(payload, app.bot))
        except Exception as exc:  # de_json of a row recorded before screening; handler errors go to on_error
            log.warning("update %s of the %s bot could not be handled: %s", update_id, bot, type(exc).__name__)
            await self._settle(bot, update_id, f"{type(exc).__name__}: {exc}"[:500], since)
            return
        finally:
            status = HANDLED.get()
            HANDLED.reset(handled)
        if status is None:  # no transaction of this task said: the row does
            async with (services.single_statement or services.uow)() as uow:
                row = await uow.inbox.get(bot, update_id)
            status = row.status if row is not None else None
        if status is InboxStatus.DONE:
            services.metrics.inc("storelink_updates_processed_total", bot)
            services.metrics.observe(UPDATE_HANDLING, since, bot=bot, outcome="done")
        elif status is InboxStatus.FAILED:
            services.metrics.inc("storelink_updates_failed_total", bot)
            services.metrics.observe(UPDATE_HANDLING, since, bot=bot, outcome="failed")
        else:
            await self._settle(bot, update_id, None, since)

    async def _settle(self, bot: BotKind, update_id: int, error: str | None, since: float | None = None) -> None:
        """Mark the update's row DONE or FAILED; `since`: when its handling began (an update
        given up on without handling it has no time to record)."""
        services = self.services
        async with services.uow() as uow:
            now = services.clock.now()
            if error is None:
                await uow.inbox.claim_done(bot, update_id, now)  # no-op if a handler marked it
            else:
                await uow.inbox.mark_failed(bot, update_id, now, error)
            await uow.commit()
        services.metrics.inc("storelink_updates_failed_total" if error else "storelink_updates_processed_total", bot)
        if since is not None:
            services.metrics.observe(UPDATE_HANDLING, since, bot=bot, outcome="failed" if error else "done")

    async def recover(self) -> int:
        """Schedule updates that were recorded but are not being handled by anyone: a
        crashed process's, or ones whose handling failed before it ended. Each goes through
        its chat's order; attempts are bounded, so none comes back forever."""
        services = self.services
        async with services.uow() as uow:
            stale = await uow.inbox.unprocessed(services.clock.now() - self.recover_after, 200)
        scheduled = 0
        for update in stale:
            if update.status is InboxStatus.RECEIVED and (update.bot, update.update_id) not in self._pending:
                self._spawn(update.bot, update.update_id, update.chat_id)
                scheduled += 1
        return scheduled

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for in-flight updates (SIGTERM)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def _trace(update: InboundUpdate, reason: str, payload: dict[str, Any] | None = None) -> InboundUpdate:
    """An update recorded as REJECTED: with what could be kept of it, or only its id (so a
    redelivery stays a duplicate and the operator sees that it came and why it was dropped)."""
    return InboundUpdate(update.bot, update.update_id, payload or {"update_id": update.update_id}, update.received_at,
                         status=InboxStatus.REJECTED, processed_at=update.received_at, error=reason, chat_id=update.chat_id)
