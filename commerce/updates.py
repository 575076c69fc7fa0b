"""How an update's handling ended, recorded on its inbox row (the ingress reads it there)."""

from __future__ import annotations

from datetime import datetime

from commerce.bots import BotKind
from commerce.ports.uow import UnitOfWork


async def record_failure(uow: UnitOfWork, bot: BotKind, update_id: int, now: datetime, reason: str) -> None:
    """The update failed: FAILED with its reason, unless its effects committed (a DONE row
    is never downgraded: what it did stands)."""
    await uow.inbox.mark_failed(bot, update_id, now, reason)
