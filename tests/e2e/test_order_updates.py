"""Every step of an order that matters to the member is pushed to them at once, in the
order lane, in their language with the money as their locale writes it; the associate
takes the steps with `/order N ...` (their own orders only, legal steps only).

Given the shop (Bob, Lina) and Alice enrolled with Bob. Both stacks run every test.
"""

from __future__ import annotations

import asyncio

import pytest

from commerce.orders import Fulfilment, OrderStatus, Payment
from storage.backends import SendLimits
from tests.e2e.conftest import eventually
from tests.e2e.scenario import enrol, enrol_with_bob, open_shop, wait_for_text
from tests.e2e.shop_orders import (
    a_product,
    audience,
    order_now,
    pending_campaign_rows,
    placed_order,
    queue_campaign,
    step,
)

RATE = 20.0  # the consumer bot's limit in the lane test: a campaign of 300 is 15 s of backlog
BOUND = 3.0


@pytest.fixture
def stack_limits() -> SendLimits:
    return SendLimits(global_rate=RATE, global_burst=10)


async def test_each_delivery_step_reaches_the_member_at_once(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    scarf = await a_product(stack, shop)
    order = await placed_order(stack, alice, scarf, payment=Payment.ON_DELIVERY)
    n = order.id

    said = {}
    for words, needle in ((f"{n} confirm", "you pay on delivery"), (f"{n} packed", "is packed"),
                          (f"{n} ship SF SF1234567 2026-11-24T18:00", "is out for delivery"),
                          (f"{n} delivered", "was delivered")):
        answer = await step(stack, shop.bob_user, words)
        assert f"Order #{n}" in answer["text"] and "changed meanwhile" not in answer["text"], answer["text"]
        said[needle] = (await wait_for_text(stack, alice, stack.consumer_bot, needle))["text"]

    assert "CN¥1,280.00" in said["you pay on delivery"]
    assert "Courier: SF · tracking number SF1234567" in said["is out for delivery"]
    assert "Expected: Nov 24, 2026, 6:00:00\u202fPM" in said["is out for delivery"]  # Babel, the brand's time zone
    assert "You earned" in said["was delivered"]
    finished = await order_now(stack, n)
    assert finished.status is OrderStatus.DELIVERED and finished.courier == "SF"


async def test_a_chinese_member_reads_the_update_in_chinese(stack):
    shop = await open_shop(stack)
    li = await stack.person("Li", language_code="zh-Hans")
    await enrol_with_bob(stack, shop, li, "Li")
    scarf = await a_product(stack, shop)
    order = await placed_order(stack, li, scarf, payment=Payment.AT_PICKUP, fulfilment=Fulfilment.PICKUP)

    await step(stack, shop.bob_user, f"{order.id} confirm")
    held = await wait_for_text(stack, li, stack.consumer_bot, "有货")
    await step(stack, shop.bob_user, f"{order.id} packed")
    await step(stack, shop.bob_user, f"{order.id} ready")
    ready = await wait_for_text(stack, li, stack.consumer_bot, "已可在")

    assert "¥1,280.00" in held["text"] and "CN¥" not in held["text"]
    assert "Shanghai Xintiandi" in ready["text"]


async def test_cancelling_with_a_reason_tells_the_member_why(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    scarf = await a_product(stack, shop)
    order = await placed_order(stack, alice, scarf, payment=Payment.ON_DELIVERY)

    await step(stack, shop.bob_user, f"{order.id} cancel the last one was damaged")

    cancelled = await wait_for_text(stack, alice, stack.consumer_bot, "was cancelled")
    assert "Reason: the last one was damaged" in cancelled["text"]
    assert (await order_now(stack, order.id)).status is OrderStatus.CANCELLED


async def test_only_the_orders_associate_takes_its_steps_and_only_legal_ones(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    scarf = await a_product(stack, shop)
    order = await placed_order(stack, alice, scarf, payment=Payment.ON_DELIVERY)

    lina = await step(stack, shop.lina_user, f"{order.id} confirm")
    nobody = await step(stack, shop.bob_user, "999999 confirm")
    too_soon = await step(stack, shop.bob_user, f"{order.id} delivered")
    no_reason = await step(stack, shop.bob_user, f"{order.id} refund")

    assert lina["text"] == f"There is no order #{order.id} of yours."
    assert nobody["text"] == "There is no order #999999 of yours."
    assert too_soon["text"] == f"Order #{order.id} is waiting for a stock check: that step does not apply now."
    assert "Say why" in no_reason["text"]
    assert (await order_now(stack, order.id)).status is OrderStatus.PENDING_CONFIRMATION
    texts = [m["text"] or "" for m in await stack.bot_messages(alice, stack.consumer_bot)]
    assert not any(f"Order #{order.id}" in t for t in texts), "the member heard of no step"


async def test_an_order_update_goes_ahead_of_a_campaign_still_draining(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    scarf = await a_product(stack, shop)
    order = await placed_order(stack, alice, scarf, payment=Payment.ON_DELIVERY)
    shoppers = await audience(stack, 299)
    await queue_campaign(stack, [*shoppers[:-20], alice, *shoppers[-20:]], "Spring sale: 20% off scarves")
    await eventually(lambda: _campaign_started(stack), "the campaign started")

    loop = asyncio.get_running_loop()
    started = loop.time()
    await stack.people.send_text(shop.bob_user, stack.associate_bot, f"/order {order.id} confirm")
    await wait_for_text(stack, alice, stack.consumer_bot, f"Order #{order.id} is in stock", timeout=BOUND * 3)
    took = loop.time() - started

    assert await pending_campaign_rows(stack) > 100, "the campaign was still draining"
    assert took < BOUND, f"the update reached the member in {took:.1f}s"


async def _campaign_started(stack) -> bool:
    calls = await stack.people.calls(bot=stack.consumer_bot, method="sendMessage")
    return sum(1 for call in calls if call["status"] == 200) >= 40
