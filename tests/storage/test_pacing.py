"""A backlog under a binding per-bot limit, paced by reserved slots: about one limiter call
per message, never more messages than the limit, in-process and on Redis.

Given 50 chats with 4 messages each and a sender's 64 slots: every chat's messages go one
after another from one task, as chat_delivery.py sends them, all chats at once.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.runtime.pacing import Pacing
from commerce.outbox import SendLane
from commerce.ports.backends import RateLimiter, Slot
from storage.backends import SendLimits

CHATS, PER_CHAT = 50, 4
RATE, BURST = 60.0, 10  # Telegram's 30 a second would make the test twice as long
LIMITS = SendLimits(global_rate=RATE, global_burst=BURST)
# How much shorter the span may look than the rate makes it (seconds): a slot's delay is
# measured from when the limiter answered, so a first answer that came back late on a busy
# machine (a Redis round trip waiting for the event loop) wakes its sender late too. The rate
# itself is checked by most_in_any_second.
LATE = 0.05


class CountingLimiter:
    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter, self.calls = limiter, 0

    async def reserve(self, bot: str, chat_id: int | None, *, paid: bool = False, lane: int = 0) -> Slot:
        self.calls += 1
        return await self.limiter.reserve(bot, chat_id, paid=paid, lane=lane)


async def drain(pacing: Pacing, lane: SendLane) -> list[float]:
    """Every chat's messages sent as their slots come; when each went (loop time)."""
    loop = asyncio.get_running_loop()
    sent: list[float] = []
    slots = asyncio.Semaphore(64)

    async def chat(chat_id: int) -> None:
        async with slots:
            for _ in range(PER_CHAT):
                await pacing.wait_for_slot("consumer", chat_id, paid=False, lane=lambda: lane, lease=None)
                sent.append(loop.time())

    await asyncio.gather(*(chat(7_000_000_000 + n) for n in range(CHATS)))
    return sorted(sent)


def most_in_any_second(sent: list[float]) -> int:
    return max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)


@pytest.mark.parametrize("lane", [SendLane.CONVERSATION, SendLane.BULK])
async def test_a_backlog_costs_about_one_limiter_call_per_message_and_keeps_the_rate(connect_backends, lane):
    limiter = CountingLimiter((await connect_backends(LIMITS)).limiter)
    pacing = Pacing(limiter, lease=30.0)

    sent = await drain(pacing, lane)

    messages = CHATS * PER_CHAT
    print(f"\n{lane.name}: {limiter.calls} limiter calls for {messages} messages "
          f"({limiter.calls / messages:.2f} each) in {sent[-1] - sent[0]:.2f}s")
    assert len(sent) == messages
    assert limiter.calls <= 1.2 * messages
    # The rate: a burst at once, then one every 1/RATE s; a second never holds more than
    # RATE + BURST, and the whole backlog takes as long as the rate makes it, no longer.
    assert most_in_any_second(sent) <= RATE + BURST
    burst = LIMITS.bot_rule(paid=False, lane=lane).tolerance_us // LIMITS.bot_rule(paid=False, lane=lane).interval_us
    least = (messages - burst) / RATE
    assert least - LATE <= sent[-1] - sent[0] <= least + 0.5
