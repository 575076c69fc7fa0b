"""Each bot's queue of updates, read by getUpdates or drained by webhook delivery.

Telegram keeps an update until the bot confirms it (a later getUpdates offset, or a 2xx
from the webhook), so nothing here is removed on reading. Long polls and the webhook
sender wait on a Signal that fires the moment an update is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Any

# Telegram leaves these out unless a bot asks for them by name in allowed_updates.
_OPT_IN_ONLY = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Signal:
    """Wakes every waiter when something changed; waiters then re-read the state."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        """True when fired within timeout seconds."""
        if timeout <= 0:
            return False
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
        # lands just as the event fires, and a stopping sandbox would hang on it.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._event.wait()
            return True
        return False


class UpdateQueue:
    """Pending updates of one bot, in update_id order."""

    def __init__(self) -> None:
        self.pending: deque[dict[str, Any]] = deque()
        self.allowed: frozenset[str] | None = None
        self.arrived = Signal()
        # update_id never goes back, not even on reset: a bot's saved offset stays valid.
        self._last_id = 0

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update; returns its update_id, or None when the bot did not ask for it."""
        if self.allowed is not None and kind not in self.allowed:
            return None
        if self.allowed is None and kind in _OPT_IN_ONLY:
            return None
        self._last_id += 1
        self.pending.append({"update_id": self._last_id, kind: payload})
        self.arrived.fire()
        return self._last_id

    def push_raw(self, body: dict[str, Any]) -> int:
        """Queue any JSON object as an update under the next update_id, as it is: how a
        test sends what Telegram might (odd structures, NUL, deep nesting, any unicode)."""
        self._last_id += 1
        self.pending.append({**body, "update_id": self._last_id})
        self.arrived.fire()
        return self._last_id

    def set_allowed(self, kinds: list[str] | None) -> None:
        """Telegram keeps the last allowed_updates given; an empty list means the default set."""
        if kinds is not None:
            self.allowed = frozenset(kinds) if kinds else None

    def confirm(self, offset: int) -> None:
        """A getUpdates offset confirms every update below it; a negative one keeps the last -offset."""
        if offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()
            return
        while self.pending and self.pending[0]["update_id"] < offset:
            self.pending.popleft()

    def first(self, limit: int) -> list[dict[str, Any]]:
        return [self.pending[i] for i in range(min(limit, len(self.pending)))]

    def clear(self) -> None:
        self.pending.clear()

    def __len__(self) -> int:
        return len(self.pending)
