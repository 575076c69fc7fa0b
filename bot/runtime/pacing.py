"""Waiting for a message's turn under the shared rate limits.

The limiter reserves a slot and says when it is (storage/backends/limits.py): the sender
sleeps until then and sends without asking again, so a backlog under a binding per-bot
limit costs about one limiter call per message. Two refusals remain:

- the chat's own pace holds the message back: its one task sleeps and asks again;
- a later lane (notices, campaigns) may reserve only a short way ahead of its turn. In
  this process its tasks ask one at a time, in line: the head asks; reserved, it leaves
  the line and the next asks at once, getting the slot after; refused, it sleeps until
  the lane's next slot while the others wait behind it without asking. So a saturated
  lane costs about (lane_horizon + 2) / (lane_horizon + 1) calls per message. A task in
  line renews its chat's lease, and leaves the line when its chat is hurried into an
  earlier lane (a reply queued behind it).

Every sleep renews the chat's lease, so a long wait never hands the chat to another
worker (which would find it mid-row and churn) before it is over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.runtime.chat_lease import Lease
from commerce.outbox import SendLane
from commerce.ports.backends import RateLimiter, Refusal, Slot

if TYPE_CHECKING:
    from bot.runtime.attempts import Doubt


class Pacing:
    def __init__(self, limiter: RateLimiter, *, lease: float) -> None:
        self.limiter = limiter
        self.lease = lease  # seconds a chat's lease lasts; renewed every third of it
        self._lines: dict[tuple[str, SendLane], asyncio.Lock] = {}

    async def wait_for_slot(self, bot: str, chat_id: int, *, paid: bool, lane: Callable[[], SendLane],
                            lease: Lease | None, doubt: Doubt | None = None) -> None:
        """Return when the message may go, its slot reserved. `lane` is asked again
        whenever the wait is long: a chat hurried meanwhile changes lanes. The row's
        attempt mark (`doubt`), if still to be set, is set with the slot reserved, in the
        same call to the limiter: set before the wait rather than after it, so a worker
        dying while it waits for its slot leaves a mark for an attempt never made (the
        next attempt counts one possible duplicate too many, and nothing else)."""
        while True:
            current = lane()
            if current is SendLane.CONVERSATION:  # the first lane reserves however far ahead
                slot = await self._reserve(bot, chat_id, paid, current, doubt)
            elif (answer := await self._through_line(bot, chat_id, paid, current, lane, lease, doubt)) is not None:
                slot = answer
            else:  # hurried into another lane while in line
                continue
            await self.sleep(slot.wait, lease)
            if slot.reserved:
                return

    async def _reserve(self, bot: str, chat_id: int, paid: bool, lane: SendLane, doubt: Doubt | None) -> Slot:
        marking = getattr(self.limiter, "reserve_and_mark", None) if doubt is not None and doubt.wants_mark else None
        if marking is None:
            return await self.limiter.reserve(bot, chat_id, paid=paid, lane=lane)
        assert doubt is not None
        slot, set_now = await marking(bot, chat_id, paid=paid, lane=lane, mark=doubt.key, mark_ttl=doubt.ttl)
        if set_now is not None:
            doubt.marked(set_now)
        return slot

    async def _through_line(self, bot: str, chat_id: int, paid: bool, current: SendLane, lane: Callable[[], SendLane],
                            lease: Lease | None, doubt: Doubt | None) -> Slot | None:
        """At the head of the lane's line, the first answer that is not "the lane's turn
        has not come": a reserved slot, or the chat's own pace. None when the chat changed
        lanes while waiting."""
        line = self._lines.setdefault((bot, current), asyncio.Lock())
        while True:
            try:
                await asyncio.wait_for(line.acquire(), self.lease / 3)
                break
            except TimeoutError:
                if lease is not None:
                    await lease.keep()
                if lane() != current:
                    return None
        try:
            while lane() == current:
                slot = await self._reserve(bot, chat_id, paid, current, doubt)
                if slot.refused is not Refusal.LANE:
                    return slot
                # Until the lane's next slot: then this task takes it, and the tasks
                # queued behind take the ones after it, up to the horizon.
                await self.sleep(slot.wait, lease)
            return None
        finally:
            line.release()

    async def sleep(self, seconds: float, lease: Lease | None) -> None:
        """Sleep, renewing the chat's lease meanwhile."""
        if seconds <= 0:
            return
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while (left := until - loop.time()) > 0:
            await asyncio.sleep(min(left, self.lease / 3))
            if lease is not None and until > loop.time():
                await lease.keep()
