"""The inbox: every update Telegram sent us, recorded before it is acknowledged, and how its
handling ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from commerce.bots import BotKind


class InboxStatus(StrEnum):
    RECEIVED = "received"  # durably recorded, not yet processed
    DONE = "done"  # its effects are committed
    FAILED = "failed"  # processing raised, or gave up after MAX attempts; kept for inspection
    REJECTED = "rejected"  # not a usable update (odd structure, unstorable values); never handled


@dataclass(slots=True)
class InboundUpdate:
    bot: BotKind
    update_id: int
    payload: dict[str, Any]
    received_at: datetime
    status: InboxStatus = InboxStatus.RECEIVED
    processed_at: datetime | None = None
    error: str | None = None
    chat_id: int = 0  # the chat (or person) whose updates are handled in update_id order; 0: none
    attempts: int = 0  # times a process began handling it; bounded, so a poison update ends

