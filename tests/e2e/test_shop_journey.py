"""The whole shop journey in the chat, on both stacks: an associate's pick to a delivered order
with points, paid by Telegram invoice in the sandbox.

Given the shop (Bob, Lina; a 10% enrollment reward), a payment provider token configured, a
scarf in M and L, and Alice enrolled with Bob, at the Gold tier.
"""

from __future__ import annotations

from typing import Any

import pytest

from commerce.orders import OrderStatus, Payment
from tests.e2e.scenario import (
    enrol,
    open_shop,
    press,
    settle,
    wait_for_edit,
    wait_for_text,
)
from tests.e2e.shop_checkout import (
    a_scarf,
    buy_to_review,
    data_of,
    member_messages_after,
    place,
    send_card,
)
from tests.e2e.shop_orders import PROVIDER_TOKEN, make_tier, order_now, step


@pytest.fixture
def stack_settings() -> dict[str, Any]:
    return {"payment_provider_token": PROVIDER_TOKEN}


async def test_from_an_associates_pick_to_a_delivered_order_with_points_paid_in_the_chat(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await make_tier(stack, alice, "Gold")
    scarf = await a_scarf(stack, shop)

    # Bob sends the card; Alice buys from it, one step at a time.
    card = await send_card(stack, shop, shop.bob_user, alice, scarf.product_id)
    review = await buy_to_review(stack, alice, card, size="M", quantity=1)
    for needle in ("1 × CN¥1,100.00 = CN¥1,100.00", "Member price (Gold): CN¥1,100.00 instead of CN¥1,280.00",
                   "Enrollment reward −10%: −CN¥110.00", "Total: CN¥990.00",
                   "Express delivery to 88 Middle Huaihai Road, Shanghai", "You pay here in the chat"):
        assert needle in review["text"], needle
    number, placed = await place(stack, alice, review)
    assert (await order_now(stack, number)).payment is Payment.INVOICE, "a payment provider is set: paid by invoice"

    # Bob confirms the stock from the order card: the card moves on, Alice is told once and billed.
    order_card = await wait_for_text(stack, shop.bob_user, stack.associate_bot, f"Order #{number}")
    assert "Paid in the chat" in order_card["text"]
    await settle(stack)
    await press(stack, shop.bob_user, stack.associate_bot, order_card, data_of(order_card, "Confirm stock"))
    await wait_for_edit(stack, shop.bob_user, stack.associate_bot, order_card, "awaiting payment")
    invoice = await stack.people.wait_for(alice, stack.consumer_bot, lambda m: m["kind"] == "invoice", 10.0,
                                          after_message_id=placed["message_id"])
    told = await member_messages_after(stack, alice, placed["message_id"])
    assert [m["kind"] for m in told] == ["text", "invoice"], "one message for the step, then the invoice"
    assert f"Order #{number} is in stock and held for you. Your invoice follows" in told[0]["text"]
    assert "CN¥990.00" in told[0]["text"]
    billed = stack.sandbox.people.chat(alice, stack.consumer_bot).find(invoice["message_id"]).invoice
    assert billed.total_amount == 99_000 and billed.currency == "CNY"

    # Alice pays in the sandbox: a receipt, and Bob hears of it.
    paid = await stack.people.pay(alice, stack.consumer_bot, invoice["message_id"])
    assert paid["status"] == "paid", paid
    receipt = await wait_for_text(stack, alice, stack.consumer_bot, "Receipt", after=invoice["message_id"])
    assert f"order #{number}" in receipt["text"] and "CN¥990.00" in receipt["text"]
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, f"Order #{number} · Alice: paid")
    assert (await order_now(stack, number)).status is OrderStatus.PAID

    # Bob packs and ships it; it is delivered: each step reaches Alice once, the last with her points.
    last = receipt["message_id"]
    for words, needle in ((f"{number} packed", "is packed"), (f"{number} ship SF SF1234567890", "is out for delivery"),
                          (f"{number} delivered", "was delivered")):
        answer = await step(stack, shop.bob_user, words)
        assert f"Order #{number}" in answer["text"] and "changed meanwhile" not in answer["text"], answer["text"]
        heard = await member_messages_after(stack, alice, last)
        assert len(heard) == 1 and needle in heard[0]["text"], [m["text"] for m in heard]
        last = heard[0]["message_id"]
    assert "Courier: SF · tracking number SF1234567890" in (await stack.bot_messages(alice, stack.consumer_bot))[-2]["text"]
    assert "You earned 990 points" in heard[0]["text"]

    points = await stack.reply_to(alice, stack.consumer_bot, "/points")
    assert "990 points" in points["text"]
    done = await order_now(stack, number)
    assert done.status is OrderStatus.DELIVERED and done.associate_id == shop.bob.id, "the sale is Bob's"
