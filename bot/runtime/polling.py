"""Long polling: getUpdates for each bot, each batch recorded before its offset moves on.

The offset moves past an update only once the ingress recorded it (or refused it: an update
the inbox cannot hold is not asked for again), so a crash here means getUpdates returns it
again. A database that cannot be reached stops the batch: the rest comes again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from telegram import Bot, Update
from telegram.error import TimedOut

from bot.runtime.ingress import Ingress
from commerce.bots import BotKind

log = logging.getLogger("storelink.runtime")
POLL_TIMEOUT = 10  # seconds of getUpdates long polling


class Polling:
    def __init__(self, ingress: Ingress, bots: Mapping[BotKind, Bot]) -> None:
        self.ingress, self.bots = ingress, bots
        self._offsets: dict[BotKind, int] = {}  # getUpdates offsets: past every update recorded

    async def poll(self, kind: BotKind) -> None:
        """Until cancelled; network trouble or a database that is down only slows it."""
        bot = self.bots[kind]
        failures = 0
        webhook_deleted = False
        while True:
            try:
                if not webhook_deleted:  # getUpdates is refused while a webhook is set
                    await bot.delete_webhook(drop_pending_updates=False)
                    webhook_deleted = True
                raw = await bot.do_api_request(
                    "getUpdates",
                    api_kwargs={"offset": self._offsets.get(kind), "timeout": POLL_TIMEOUT, "allowed_updates": Update.ALL_TYPES},
                    read_timeout=POLL_TIMEOUT + 10,
                )
                await self.record_batch(kind, raw if isinstance(raw, list) else [])
                failures = 0
            except asyncio.CancelledError:
                raise
            except TimedOut:
                continue
            except Exception as exc:  # network trouble, or the database is down: wait and retry
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("polling the %s bot failed (%s); retrying in %.1fs", kind, type(exc).__name__, delay)
                await asyncio.sleep(delay)

    async def record_batch(self, kind: BotKind, batch: list[Any]) -> None:
        """Record a getUpdates batch, moving the offset past each update once it is
        recorded."""
        intake = self.ingress.intake
        if batch:
            intake.waiting(kind)
        for n, payload in enumerate(batch):
            await self.ingress.receive(kind, payload)
            update_id = payload.get("update_id") if isinstance(payload, dict) else None
            if type(update_id) is int:
                self._offsets[kind] = max(self._offsets.get(kind, 0), update_id + 1)
            intake.recorded(kind, more_waiting=n + 1 < len(batch))
