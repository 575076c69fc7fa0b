"""The checkout and the order card off the straight path, on both stacks: another SKU
proposed and accepted or declined, Back and Cancel at the steps, a checkout's buttons after
the process restarts, another member's checkout and order ids, and the enrollment reward
raced by two orders.

Given the shop (Bob, Lina; a 10% enrollment reward), a payment provider token configured, a
scarf in M and L, and Alice enrolled with Bob.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.interface.callbacks import CheckoutStep, OrderAnswer
from commerce.bots import BotKind
from commerce.identity import identify
from commerce.order_moves import Moved
from commerce.ordering import OrderRequest, place_order
from commerce.orders import Fulfilment, OrderStatus, Payment
from tests.e2e.scenario import (
    buttons,
    enrol,
    open_shop,
    press,
    push_callback,
    settle,
    wait_for_edit,
    wait_for_text,
)
from tests.e2e.shop_checkout import (
    a_scarf,
    buy_to_review,
    choose,
    data_of,
    member_messages_after,
    place,
    send_card,
)
from tests.e2e.shop_orders import ADDRESS, PROVIDER_TOKEN, order_now

STALE = "This button is no longer valid. Please use the latest message."


@pytest.fixture
def stack_settings() -> dict[str, Any]:
    return {"payment_provider_token": PROVIDER_TOKEN}


async def alice_with_a_card(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    scarf = await a_scarf(stack, shop)
    card = await send_card(stack, shop, shop.bob_user, alice, scarf.product_id)
    return shop, alice, scarf, card


async def propose_large(stack, shop, number: int) -> dict[str, Any]:
    """Bob, on the order card: Propose another SKU → L. The card, once it says so."""
    card = await wait_for_text(stack, shop.bob_user, stack.associate_bot, f"Order #{number}")
    await settle(stack)
    await press(stack, shop.bob_user, stack.associate_bot, card, data_of(card, "Propose another SKU"))
    card = await wait_for_edit(stack, shop.bob_user, stack.associate_bot, card, f"Order #{number}")
    await stack.people.wait_for(shop.bob_user, stack.associate_bot,
                                lambda m: m["message_id"] == card["message_id"] and "L · Navy" in str(buttons(m)), 10.0,
                                after_message_id=card["message_id"] - 1)
    card = next(m for m in await stack.bot_messages(shop.bob_user, stack.associate_bot) if m["message_id"] == card["message_id"])
    await press(stack, shop.bob_user, stack.associate_bot, card, data_of(card, "L · Navy"))
    return await wait_for_edit(stack, shop.bob_user, stack.associate_bot, card, "Proposed instead: L · Navy")


async def test_another_sku_proposed_and_accepted_is_held_and_billed_and_declined_ends_the_order(stack):
    shop, alice, scarf, card = await alice_with_a_card(stack)

    review = await buy_to_review(stack, alice, card, size="M")
    number, placed = await place(stack, alice, review)
    bob_card = await propose_large(stack, shop, number)
    offer = await wait_for_text(stack, alice, stack.consumer_bot, f"For order #{number}, Bob proposes", after=placed["message_id"])
    assert "L · Navy instead of M · Navy" in offer["text"]
    bob_before = bob_card["message_id"]
    await settle(stack)
    await press(stack, alice, stack.consumer_bot, offer, data_of(offer, "Accept"))
    await wait_for_edit(stack, alice, stack.consumer_bot, offer, "You took the other item")
    await stack.people.wait_for(alice, stack.consumer_bot, lambda m: m["kind"] == "invoice", 10.0, after_message_id=offer["message_id"])

    told = await member_messages_after(stack, alice, offer["message_id"])
    assert [m["kind"] for m in told] == ["text", "invoice"], [m["text"] for m in told]
    assert f"Order #{number} is in stock and held for you. Your invoice follows" in told[0]["text"]
    notices = [m for m in await stack.bot_messages(shop.bob_user, stack.associate_bot) if m["message_id"] > bob_before]
    assert len(notices) == 1 and f"Order #{number} · Alice: confirmed, stock held (by the member)" in notices[0]["text"]
    assert (await order_now(stack, number)).status is OrderStatus.AWAITING_PAYMENT

    # A second order: Bob proposes L again, Alice declines; one message says it is cancelled.
    card = await send_card(stack, shop, shop.bob_user, alice, scarf.product_id)
    review = await buy_to_review(stack, alice, card, size="M")
    second, placed = await place(stack, alice, review)
    await propose_large(stack, shop, second)
    offer = await wait_for_text(stack, alice, stack.consumer_bot, f"For order #{second}", after=placed["message_id"])
    await settle(stack)
    await press(stack, alice, stack.consumer_bot, offer, data_of(offer, "Decline"))
    await wait_for_edit(stack, alice, stack.consumer_bot, offer, "You declined the other item")
    await wait_for_text(stack, alice, stack.consumer_bot, f"Order #{second} was cancelled", after=offer["message_id"])
    told = await member_messages_after(stack, alice, offer["message_id"])
    assert len(told) == 1, [m["text"] for m in told]
    assert (await order_now(stack, second)).status is OrderStatus.CANCELLED


async def test_back_and_cancel_at_the_steps(stack):
    shop, alice, _, card = await alice_with_a_card(stack)
    consumer = stack.consumer_bot

    # Cancel at the first step: nothing is ordered.
    await press(stack, alice, consumer, card, data_of(card, "Buy"))
    step = await wait_for_text(stack, alice, consumer, "Choose a size and colour", after=card["message_id"])
    assert "Back" not in str(buttons(step)), "the first step has nothing before it"
    await choose(stack, alice, step, "Cancel", "Checkout cancelled. Nothing was ordered.")

    # Back from each button step, in the same message.
    await press(stack, alice, consumer, card, data_of(card, "Buy"))
    step = await wait_for_text(stack, alice, consumer, "Choose a size and colour", after=step["message_id"])
    step = await choose(stack, alice, step, "L · Navy", "How many? (up to 2)")
    step = await choose(stack, alice, step, "Back", "Choose a size and colour")
    step = await choose(stack, alice, step, "M · Navy", "How many? (up to 3)")
    step = await choose(stack, alice, step, "2", "How would you like to get it?")
    step = await choose(stack, alice, step, "Back", "How many?")
    step = await choose(stack, alice, step, "2", "How would you like to get it?")

    # Back from a step that waits for typing: its keyboard goes, the step before comes again.
    await press(stack, alice, consumer, step, data_of(step, "Express"))
    asked = await wait_for_text(stack, alice, consumer, "Who receives the order?", after=step["message_id"])
    await press(stack, alice, consumer, asked, data_of(asked, "Back"))
    again = await wait_for_text(stack, alice, consumer, "How would you like to get it?", after=asked["message_id"])
    await settle(stack)
    with pytest.raises(Exception, match="keyboard"):
        await stack.people.press_keyboard_button(alice, consumer, "📱 Share my phone")

    # On to the review, Back to the address, then Cancel while it waits for typing.
    await press(stack, alice, consumer, again, data_of(again, "Pick up"))
    asked = await wait_for_text(stack, alice, consumer, "Who receives the order?", after=again["message_id"])
    await settle(stack)
    await stack.people.press_keyboard_button(alice, consumer, "📱 Share my phone")
    review = await wait_for_text(stack, alice, consumer, "Your order", after=asked["message_id"])
    assert "2 × CN¥1,280.00" in review["text"] and "Pickup at" in review["text"]
    await press(stack, alice, consumer, review, data_of(review, "Back"))
    asked = await wait_for_text(stack, alice, consumer, "Who receives the order?", after=review["message_id"])
    await press(stack, alice, consumer, asked, data_of(asked, "Cancel"))
    await wait_for_text(stack, alice, consumer, "Checkout cancelled", after=asked["message_id"])
    await settle(stack)

    # What she types now is for Bob again; the old review's Place is refused.
    await stack.people.send_text(alice, consumer, "Thanks, I'll think about it")
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "I'll think about it")
    stale = await push_callback(stack, alice, consumer, review["message_id"], data_of(review, "Place order"))
    assert stale["text"] == STALE
    async with stack.runtime.services.uow() as uow:
        member = (await uow.members.with_associate(stack.runtime.services.brand.id, alice))[0]
        assert list(await uow.orders.of_member(member.id, 5)) == []


async def test_a_checkouts_buttons_work_after_the_process_restarts(stack):
    shop, alice, _, card = await alice_with_a_card(stack)
    await press(stack, alice, stack.consumer_bot, card, data_of(card, "Buy"))
    step = await wait_for_text(stack, alice, stack.consumer_bot, "Choose a size and colour", after=card["message_id"])
    step = await choose(stack, alice, step, "M · Navy", "How many?")
    await settle(stack)

    await stack.runtime.stop()  # the process ends; another starts on the same database and backends
    stack.runtime = await stack.start_another_process(take_updates=True, run_sender=True)

    step = await choose(stack, alice, step, "1", "How would you like to get it?")
    await press(stack, alice, stack.consumer_bot, step, data_of(step, "Pick up"))
    asked = await wait_for_text(stack, alice, stack.consumer_bot, "Who receives the order?", after=step["message_id"])
    await settle(stack)
    await stack.people.press_keyboard_button(alice, stack.consumer_bot, "📱 Share my phone")
    review = await wait_for_text(stack, alice, stack.consumer_bot, "Your order", after=asked["message_id"])
    number, _ = await place(stack, alice, review)
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, f"Order #{number}")
    assert (await order_now(stack, number)).status is OrderStatus.PENDING_CONFIRMATION


async def test_another_members_checkout_and_order_ids_are_refused(stack):
    shop, alice, scarf, card = await alice_with_a_card(stack)
    bea = await stack.person("Bea")
    await enrol(stack, shop, bea, shop.bob)
    beas_card = await send_card(stack, shop, shop.bob_user, bea, scarf.product_id)
    review = await buy_to_review(stack, alice, card)
    place_data = data_of(review, "Place order")
    checkout_id = CheckoutStep.unpack(place_data).checkout_id
    number, placed = await place(stack, alice, review)
    await propose_large(stack, shop, number)
    await wait_for_text(stack, alice, stack.consumer_bot, f"For order #{number}", after=placed["message_id"])
    await settle(stack)

    # Bea forges Alice's ids on a message of her own chat.
    refused = [
        await push_callback(stack, bea, stack.consumer_bot, beas_card["message_id"], CheckoutStep(checkout_id, "review", "place").pack()),
        await push_callback(stack, bea, stack.consumer_bot, beas_card["message_id"], OrderAnswer(number, True).pack()),
        await push_callback(stack, bea, stack.consumer_bot, beas_card["message_id"], OrderAnswer(number, False).pack()),
    ]
    await settle(stack)

    assert refused[0]["text"] == STALE
    assert [r["text"] for r in refused[1:]] == ["This order is not one of yours."] * 2
    assert (await order_now(stack, number)).status is OrderStatus.ALTERNATIVE_PROPOSED
    beas = await stack.reply_to(bea, stack.consumer_bot, "/orders")
    assert f"#{number}" not in beas["text"]
    assert not [m for m in await stack.bot_messages(bea, stack.consumer_bot) if "Order #" in (m["text"] or "")]


async def test_the_reward_raced_by_two_orders_is_taken_once(stack):
    _, alice, scarf, card = await alice_with_a_card(stack)
    review = await buy_to_review(stack, alice, card)
    assert "Enrollment reward −10%" in review["text"]

    # Another order of Alice's (her other checkout) takes the reward just as she presses Place.
    services = stack.runtime.services

    async def the_other_order():
        async with services.uow() as uow:
            who = await identify(uow, BotKind.CONSUMER, services.brand.id, alice)
            request = OrderRequest(scarf.sizes["L"], 1, Fulfilment.EXPRESS, Payment.INVOICE, ADDRESS, use_reward=True)
            placed = await place_order(uow, who, request, datetime.now(UTC))
            await uow.commit()
            return placed

    pressed = press(stack, alice, stack.consumer_bot, review, data_of(review, "Place order"))
    other, _ = await asyncio.gather(the_other_order(), pressed)
    outcome = await stack.people.wait_for(alice, stack.consumer_bot,
                                          lambda m: m["message_id"] == review["message_id"]
                                          and ("placed" in m["text"] or "reward was just used" in m["text"]), 10.0,
                                          after_message_id=review["message_id"] - 1)
    if "reward was just used" in outcome["text"]:  # the other order won: the review comes back without it
        assert isinstance(other, Moved) and other.order.discount_minor > 0
        assert "Total: CN¥1,280.00" in outcome["text"] and "Enrollment reward −10%" not in outcome["text"]
        await place(stack, alice, outcome)
    await settle(stack)
    async with services.uow() as uow:
        member = (await uow.members.with_associate(services.brand.id, alice))[0]
        orders = list(await uow.orders.of_member(member.id, 5))
    assert sum(1 for order in orders if order.discount_minor > 0) == 1, [(o.id, o.discount_minor) for o in orders]


async def test_an_order_declined_from_the_card_tells_the_member_once_with_the_reason_in_their_words(stack):
    shop, alice, _, card = await alice_with_a_card(stack)
    review = await buy_to_review(stack, alice, card)
    number, placed = await place(stack, alice, review)
    order_card = await wait_for_text(stack, shop.bob_user, stack.associate_bot, f"Order #{number}")
    await settle(stack)

    await press(stack, shop.bob_user, stack.associate_bot, order_card, data_of(order_card, "Decline"))
    reasons = await stack.people.wait_for(shop.bob_user, stack.associate_bot,
                                          lambda m: m["message_id"] == order_card["message_id"] and "out of stock" in str(buttons(m)),
                                          10.0, after_message_id=order_card["message_id"] - 1)
    await press(stack, shop.bob_user, stack.associate_bot, reasons, data_of(reasons, "out of stock"))
    await wait_for_text(stack, alice, stack.consumer_bot, f"order #{number} could not be served", after=placed["message_id"])

    told = await member_messages_after(stack, alice, placed["message_id"])
    assert len(told) == 1 and "Reason: out of stock" in told[0]["text"], [m["text"] for m in told]
    assert (await order_now(stack, number)).status is OrderStatus.CANCELLED
