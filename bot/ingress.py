"""Every update enters here, from the webhook or the poller: record it, then handle it.

The update is written to the inbox before Telegram is answered (webhook) or before the
poller confirms it (getUpdates offset), so a crash loses nothing: Telegram delivers again,
or the recovery sweep finds it still RECEIVED. The handler's transaction marks it done,
so redeliveries have no second effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any

from telegram import Update

from bot.context import Services, StorelinkApplication
from commerce.model import BotKind, InboundUpdate, InboxStatus

log = logging.getLogger("storelink.ingress")
CLAIM_TTL = 120.0  # seconds one process may hold an update before another may retry it
RECOVER_AFTER = timedelta(seconds=60)
# Updates handled at once. A burst is recorded at once and waits here, durably in the
# inbox, rather than as hundreds of handlers queueing for database connections, which
# would starve the sender's short reads and writes of the same pool and stall delivery.
HANDLING_AT_ONCE = 12


class Ingress:
    def __init__(self, services: Services, applications: Mapping[BotKind, StorelinkApplication]) -> None:
        self.services = services
        self.applications = applications
        self._tasks: set[asyncio.Task[None]] = set()
        self._chat_locks: dict[tuple[BotKind, int], asyncio.Lock] = {}
        self._chat_waiters: dict[tuple[BotKind, int], int] = {}
        self._handling = asyncio.Semaphore(HANDLING_AT_ONCE)

    @property
    def in_flight(self) -> frozenset[asyncio.Task[None]]:
        """Updates being handled (or waiting for their chat) right now."""
        return frozenset(self._tasks)

    async def receive(self, bot: BotKind, payload: dict[str, Any]) -> bool:
        """Record the update durably and schedule its handling. False for a duplicate."""
        update_id = payload.get("update_id")
        if not isinstance(update_id, int):
            raise ValueError("update without an integer update_id")
        metrics = self.services.metrics
        async with (self.services.single_statement or self.services.uow)() as uow:  # one INSERT: atomic alone
            fresh = await uow.inbox.record(InboundUpdate(bot, update_id, payload, self.services.clock.now()))
            await uow.commit()
        if not fresh:
            metrics.inc("storelink_updates_duplicate_total", bot)
            return False
        metrics.inc("storelink_updates_received_total", bot)
        self._spawn(bot, payload)
        return True

    def _spawn(self, bot: BotKind, payload: dict[str, Any]) -> None:
        task = asyncio.create_task(self._handle_in_chat_order(bot, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_in_chat_order(self, bot: BotKind, payload: dict[str, Any]) -> None:
        # Updates of one chat are handled one after another, in arrival order (asyncio.Lock
        # is FIFO); different chats run concurrently.
        key = (bot, _chat_of(payload))
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._chat_waiters[key] = self._chat_waiters.get(key, 0) + 1
        try:
            async with lock, self._handling, self._shared_chat_lock(key):
                await self.handle(bot, payload)
        finally:
            self._chat_waiters[key] -= 1
            if not self._chat_waiters[key]:
                del self._chat_waiters[key], self._chat_locks[key]

    @contextlib.asynccontextmanager
    async def _shared_chat_lock(self, key: tuple[BotKind, int]) -> AsyncIterator[None]:
        """Several processes (webhooks behind a load balancer) may get updates of one chat:
        the shared lock keeps them from being handled at the same time."""
        lock = self.services.backends.lock
        name = f"in:{key[0].value}:{key[1]}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLAIM_TTL
        token = await lock.acquire(name, CLAIM_TTL)
        while token is None and loop.time() < deadline:
            await asyncio.sleep(0.02)
            token = await lock.acquire(name, CLAIM_TTL)
        try:
            yield  # past the deadline the holder is presumed dead: go on without the lock
        finally:
            if token is not None:
                await lock.release(name, token)

    async def handle(self, bot: BotKind, payload: dict[str, Any]) -> None:
        """Run the update through its Application once (a claim keeps two processes from
        handling it at the same time), then settle its inbox row."""
        services = self.services
        update_id = payload["update_id"]
        claim = f"update:{bot}:{update_id}"
        if not await services.backends.dedupe.first_seen(claim, CLAIM_TTL):
            return
        app = self.applications[bot]
        try:
            await app.process_update(Update.de_json(payload, app.bot))
        except Exception as exc:  # de_json of a malformed update; handler errors go to on_error
            log.warning("update %s of the %s bot could not be handled: %s", update_id, bot, type(exc).__name__)
            services.failed_updates[(bot, update_id)] = f"{type(exc).__name__}: {exc}"[:500]
        error = services.failed_updates.pop((bot, update_id), None)
        settled = (bot, update_id) in services.settled_updates
        services.settled_updates.discard((bot, update_id))
        if error is None and settled:  # the handler's transaction marked it DONE with its effects
            services.metrics.inc("storelink_updates_processed_total", bot)
            return
        async with services.uow() as uow:
            now = services.clock.now()
            if error is None:
                await uow.inbox.claim_done(bot, update_id, now)  # no-op if a handler marked it
            else:
                await uow.inbox.mark_failed(bot, update_id, now, error)
            await uow.commit()
        services.metrics.inc("storelink_updates_failed_total" if error else "storelink_updates_processed_total", bot)

    async def recover(self) -> int:
        """Handle updates a crashed process recorded but never finished."""
        services = self.services
        async with services.uow() as uow:
            stale = await uow.inbox.unprocessed(services.clock.now() - RECOVER_AFTER, 200)
        for update in stale:
            if update.status is InboxStatus.RECEIVED:
                self._spawn(update.bot, update.payload)
        return len(stale)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for in-flight updates (SIGTERM)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def _chat_of(payload: dict[str, Any]) -> int:
    """The chat (or, for chat-less updates such as inline queries, the user) an update
    belongs to; updates of one key are handled in order."""
    for field, body in payload.items():
        if field == "update_id" or not isinstance(body, dict):
            continue
        for holder in (body, body.get("message") or {}):
            chat = holder.get("chat") or {}
            if isinstance(chat.get("id"), int):
                return chat["id"]
        for key in ("from", "user"):
            person = body.get(key) or {}
            if isinstance(person.get("id"), int):
                return person["id"]
    return 0
