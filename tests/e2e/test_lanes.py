"""A campaign drains in the last lane: a member's message to their associate and the
associate's answer go ahead of its backlog, through the queue and the bot's rate limit.

Given a shop (Bob, Lina) and Alice enrolled with Bob, and a campaign of 300 messages
queued on the consumer bot under a low per-bot limit (20 a second: 15 s of backlog).
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

import asyncio

import pytest

from commerce.fan_out import fan_out
from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxPurpose
from storage.backends import SendLimits
from tests.e2e.conftest import CONSUMER_BOT, eventually
from tests.e2e.scenario import associate_replies, enrol, member_says, open_shop, wait_for_text

AUDIENCE = 300
RATE = 20.0
BOUND = 3.0  # seconds for each leg of the conversation; the backlog is five times that


@pytest.fixture
def stack_limits() -> SendLimits:
    return SendLimits(global_rate=RATE, global_burst=10)


async def queue_campaign(stack, chats: list[int], body: str) -> None:
    """A campaign's rows, written in chunks and announced in the bulk lane."""
    services = stack.runtime.services
    now = services.clock.now()
    await fan_out(services.uow, (
        OutboxMessage(bot=BotKind.CONSUMER, chat_id=chat, method="sendMessage", params={"text": body},
                      created_at=now, purpose=OutboxPurpose.CAMPAIGN, campaign_id=1)
        for chat in chats), services.signals.outbox_pending, chunk=100)


async def audience(stack, size: int) -> list[int]:
    """People who started the consumer bot (so Telegram lets it write to them)."""
    people = []
    for n in range(size):
        person = stack.sandbox.people.create(f"Shopper{n}")
        stack.sandbox.people.chat(person.id, CONSUMER_BOT).started = True
        people.append(person.id)
    return people


async def pending_campaign_rows(stack) -> int:
    async with stack.runtime.services.uow() as uow:
        return len([1 for _ in await uow.outbox.pending_chats(1000, purposes=[OutboxPurpose.CAMPAIGN])])


async def test_a_conversation_goes_ahead_of_a_campaign_still_draining(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    # Alice is in the audience too, near the end: her campaign message is still queued
    # when Bob answers her.
    shoppers = await audience(stack, AUDIENCE - 1)
    await queue_campaign(stack, [*shoppers[:-20], alice, *shoppers[-20:]], "Spring sale: 20% off scarves")
    await eventually(lambda: _sent_some(stack), "the campaign started")

    loop = asyncio.get_running_loop()
    started = loop.time()
    await member_says(stack, alice, "Do you have the navy scarf?")
    relayed = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "navy scarf", timeout=BOUND * 3)
    relayed_in = loop.time() - started
    await eventually(lambda: _recorded(stack, shop.bob_user, relayed), "the relayed message recorded as sent")
    started = loop.time()
    await associate_replies(stack, shop.bob_user, relayed, "Yes, two left in the store.")
    await wait_for_text(stack, alice, stack.consumer_bot, "two left", timeout=BOUND * 3)
    answered_in = loop.time() - started

    assert await pending_campaign_rows(stack) > 100, "the campaign was still draining"
    assert relayed_in < BOUND, f"relayed to the associate in {relayed_in:.1f}s"
    assert answered_in < BOUND, f"the answer reached the member in {answered_in:.1f}s"
    # Her chat keeps its order: the campaign message queued before the answer came first.
    texts = [m["text"] for m in await stack.bot_messages(alice, stack.consumer_bot)]
    assert texts.index("Spring sale: 20% off scarves") < next(i for i, t in enumerate(texts) if "two left" in t)


async def _sent_some(stack) -> bool:
    calls = await stack.people.calls(bot=stack.consumer_bot, method="sendMessage")
    return sum(1 for call in calls if call["status"] == 200) >= 40


async def _recorded(stack, chat_id: int, message: dict) -> bool:
    """Its outbox row is SENT with its Telegram id, so a reply to it finds the member
    (without waiting for the whole queue, as settle() would)."""
    async with stack.runtime.services.uow() as uow:
        return await uow.outbox.by_telegram_message(BotKind.ASSOCIATE, chat_id, message["message_id"]) is not None
