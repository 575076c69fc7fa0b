"""The send-time policy: asked before each message, it sends, holds or drops it.

A fake policy stands in for consent, caps and quiet hours: it holds or drops the rows
whose text says so. The real one (reachability) is tested in tests/e2e/test_delivery.py
and tests/storage/test_send_policy.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from commerce.outbox import OutboxMessage, OutboxStatus
from commerce.sending import SEND, Decision, Drop, Hold
from tests.e2e.scenario import open_chat, outbox_status, queue_messages


@pytest.fixture
def stack_options() -> dict:
    return {"sender_sweep_every": 0.2}  # a held row comes back within a fifth of a second of its time


@dataclass
class FakePolicy:
    """Drops rows saying "drop", holds rows saying "hold" for `hold_for`, asked `seen`."""

    hold_for: timedelta = timedelta(seconds=1)
    seen: list[tuple[str, datetime]] = field(default_factory=list)

    async def decide(self, message: OutboxMessage, now: datetime) -> Decision:
        body = message.params.get("text", "")
        self.seen.append((body, now))
        if "drop" in body:
            return Drop("no_consent")
        if "hold" in body and message.not_before is None:
            return Hold(now + self.hold_for)
        return SEND


async def texts(stack, chat_id: int) -> list[str]:
    return [m["text"] for m in await stack.bot_messages(chat_id, stack.consumer_bot)][1:]  # after /help


async def test_a_dropped_row_settles_with_its_reason_and_the_chat_goes_on(stack):
    alice, baseline = await open_chat(stack, "Alice")
    stack.runtime.sender.policy = policy = FakePolicy()

    dropped, kept = await queue_messages(stack, alice, "drop: spring sale", "your order is ready")

    assert (await outbox_status(stack, kept, OutboxStatus.SENT)).status is OutboxStatus.SENT
    row = await outbox_status(stack, dropped, OutboxStatus.DROPPED)
    assert (row.status, row.error, row.attempts) == (OutboxStatus.DROPPED, "no_consent", 0)
    assert await texts(stack, alice) == ["your order is ready"]  # no call was made for the dropped one
    assert [body for body, _ in policy.seen] == ["drop: spring sale", "your order is ready"]


async def test_a_held_row_waits_for_its_time_while_the_rows_after_it_go(stack):
    alice, _ = await open_chat(stack, "Alice")
    stack.runtime.sender.policy = FakePolicy(hold_for=timedelta(seconds=1.5))
    loop = asyncio.get_running_loop()
    started = loop.time()

    held, after = await queue_messages(stack, alice, "hold: good morning offer", "a reply now")

    assert (await outbox_status(stack, after, OutboxStatus.SENT)).status is OutboxStatus.SENT
    waiting = await outbox_status(stack, held, OutboxStatus.SENT, timeout=0.5)
    assert waiting.status is OutboxStatus.PENDING and waiting.not_before is not None
    assert (await outbox_status(stack, held, OutboxStatus.SENT)).status is OutboxStatus.SENT
    assert loop.time() - started >= 1.4
    assert await texts(stack, alice) == ["a reply now", "hold: good morning offer"]
