"""Paying an order by Telegram invoice, through the sandbox's payments: the invoice that
follows the associate's stock check (member price, enrollment reward), paying it (receipt,
the associate's notice), the pre-checkout refusals (sold out meanwhile, a forged payload,
someone else's order), a pre-checkout answered in time while the member's chat has a
backlog, and a payment delivered twice credited once.

Given the shop (Bob, Lina; a 10% enrollment reward), a payment provider token configured,
and Alice enrolled with Bob. Both stacks run every test.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.runtime.hold_job import release_expired_holds
from bot.runtime.ingress import Ingress
from bot.runtime.scheduler import expiry_notices
from bot.sandbox.shapes import message_json
from commerce.bots import BotKind
from commerce.orders import Action, OrderStatus
from commerce.outbox import OutboxPurpose
from commerce.payments import verify_order_reference
from storage.tables.outbox import OutboxRow
from tests.e2e.scenario import enrol, open_shop, settle, wait_for_text
from tests.e2e.shop_orders import (
    PROVIDER_TOKEN,
    a_product,
    events_of,
    invoice_message,
    make_tier,
    order_now,
    placed_order,
    step,
)

BACKLOG = 30  # messages the member sent just before paying
SLOW = 0.5  # seconds each of them takes to handle: 15 s of backlog, past Telegram's 10 s


@pytest.fixture
def stack_settings() -> dict[str, Any]:
    return {"payment_provider_token": PROVIDER_TOKEN}


async def invoiced(stack, shop, user: int, variant: int, **order: Any) -> tuple[int, dict[str, Any]]:
    """The member's order, confirmed by Bob: its id and the invoice in the member's chat."""
    placed = await placed_order(stack, user, variant, **order)
    answer = await step(stack, shop.bob_user, f"{placed.id} confirm")
    assert "awaiting payment" in answer["text"], answer["text"]
    return placed.id, await invoice_message(stack, user)


def sandbox_invoice(stack, user: int, message: dict[str, Any]):
    """The invoice as the bot sent it (its prices, payload and provider), from the sandbox."""
    return stack.sandbox.people.chat(user, stack.consumer_bot).find(message["message_id"]).invoice


async def test_the_invoice_follows_the_stock_check_and_paying_it_gives_a_receipt(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await make_tier(stack, alice, "Gold")
    scarf = await a_product(stack, shop, price_minor=128_000, gold_minor=115_000)

    order_id, message = await invoiced(stack, shop, alice, scarf, quantity=2, use_reward=True)

    held = await wait_for_text(stack, alice, stack.consumer_bot, f"Order #{order_id} is in stock")
    assert "CN¥2,300.00" in held["text"] and "−CN¥230.00" in held["text"] and "CN¥2,070.00" in held["text"]
    invoice = sandbox_invoice(stack, alice, message)
    assert invoice.currency == "CNY" and invoice.title == "Silk scarf"
    assert invoice.prices == [{"label": "Silk scarf × 2", "amount": 230_000}, {"label": "Member reward", "amount": -23_000}]
    assert invoice.total_amount == 207_000 == (await order_now(stack, order_id)).total_minor
    assert invoice.provider_token == PROVIDER_TOKEN
    assert verify_order_reference(invoice.payload, stack.runtime.services.signing_keys) == order_id
    rows = await _rows(stack, alice)
    assert {row.purpose for row in rows} == {OutboxPurpose.ORDER.value}
    invoice_row = next(row for row in rows if row.method == "sendInvoice")
    assert PROVIDER_TOKEN not in str(invoice_row.params), "the provider token is never written to the outbox"

    paid = await stack.people.pay(alice, stack.consumer_bot, message["message_id"])

    assert paid["status"] == "paid", paid
    receipt = await wait_for_text(stack, alice, stack.consumer_bot, "Receipt", after=message["message_id"])
    assert f"order #{order_id}" in receipt["text"] and "CN¥2,070.00" in receipt["text"]
    assert paid["telegram_payment_charge_id"] in receipt["text"]
    notice = await wait_for_text(stack, shop.bob_user, stack.associate_bot, f"Order #{order_id} · Alice: paid")
    assert "by storelink" in notice["text"]
    order = await order_now(stack, order_id)
    assert order.status is OrderStatus.PAID
    assert order.telegram_charge_id == paid["telegram_payment_charge_id"]
    assert order.provider_charge_id == paid["provider_payment_charge_id"]


async def test_a_payment_is_refused_when_the_reservation_ran_out_and_another_order_took_the_stock(stack):
    shop = await open_shop(stack)
    alice, bea = await stack.person("Alice"), await stack.person("Bea")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, bea, shop.bob)
    scarf = await a_product(stack, shop, on_hand=1)
    alices, invoice = await invoiced(stack, shop, alice, scarf)
    # Alice's hold runs out unpaid (the hold sweep, two hours and more later), and Bea's
    # order takes the one scarf.
    services = stack.runtime.services
    run = await release_expired_holds(services.uow, datetime.now(UTC) + timedelta(hours=3), expiry_notices(services))
    assert [moved.order.id for moved in run.expired] == [alices]
    await wait_for_text(stack, alice, stack.consumer_bot, "the reservation ran out before it was paid")
    beas, _ = await invoiced(stack, shop, bea, scarf)

    refused = await stack.people.pay(alice, stack.consumer_bot, invoice["message_id"])

    assert refused["status"] == "refused" and refused["error_message"] == "Sorry, this item just sold out."
    assert (await order_now(stack, alices)).status is OrderStatus.CANCELLED
    assert (await order_now(stack, beas)).status is OrderStatus.AWAITING_PAYMENT
    assert not [e for e in await events_of(stack, alices) if e.action is Action.PAY]


async def test_a_pre_checkout_is_answered_in_time_while_the_members_chat_has_a_backlog(stack, monkeypatch):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    scarf = await a_product(stack, shop)
    order_id, invoice = await invoiced(stack, shop, alice, scarf)
    assert await stack.people.pre_checkout_timeout() == 10.0  # Telegram's deadline, enforced by the sandbox
    handle = Ingress.handle

    async def slowly(self, bot, payload, update=None):  # each of the member's messages takes SLOW seconds
        if "message" in payload and payload["message"].get("text", "").startswith("backlog"):
            await asyncio.sleep(SLOW)
        return await handle(self, bot, payload, update)

    monkeypatch.setattr(Ingress, "handle", slowly)
    for n in range(BACKLOG):
        await stack.people.send_text(alice, stack.consumer_bot, f"backlog {n}")
    await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: "backlog 0" in (m["text"] or ""), 10.0)

    loop = asyncio.get_running_loop()
    started = loop.time()
    paid = await stack.people.pay(alice, stack.consumer_bot, invoice["message_id"])
    took = loop.time() - started

    assert paid["status"] == "paid", paid
    assert took < 10.0, f"answered after {took:.1f}s"
    relayed = [t for t in await _texts(stack, shop.bob_user, stack.associate_bot) if "backlog" in t]
    assert len(relayed) < BACKLOG, "the backlog was still being handled when the payment went through"
    await wait_for_text(stack, alice, stack.consumer_bot, "Receipt", after=invoice["message_id"], timeout=30)
    assert (await order_now(stack, order_id)).status is OrderStatus.PAID


async def test_a_forged_payload_and_someone_elses_order_are_refused_before_payment(stack):
    shop = await open_shop(stack)
    alice, bea = await stack.person("Alice"), await stack.person("Bea")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, bea, shop.bob)
    scarf = await a_product(stack, shop)
    order_id, message = await invoiced(stack, shop, alice, scarf)
    payload = sandbox_invoice(stack, alice, message).payload
    forged = payload[:-1] + ("A" if payload[-1] != "A" else "B")

    for who, what in ((alice, forged), (alice, f"o{order_id}"), (bea, payload)):
        answer = await push_pre_checkout(stack, who, what, 128_000)
        assert answer == {"ok": False, "error_message": "This invoice is not valid for you."}, (what, answer)
    # A successful_payment with a forged payload credits nothing.
    await push_payment(stack, alice, forged, 128_000, "forged-charge")
    await settle(stack)

    assert (await order_now(stack, order_id)).status is OrderStatus.AWAITING_PAYMENT
    assert await push_pre_checkout(stack, alice, payload, 128_000) == {"ok": True, "error_message": None}
    assert (await push_pre_checkout(stack, alice, payload, 1_000))["error_message"].startswith("The price of this order changed")


async def test_a_successful_payment_delivered_twice_is_recorded_once(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    scarf = await a_product(stack, shop)
    order_id, message = await invoiced(stack, shop, alice, scarf)
    paid = await stack.people.pay(alice, stack.consumer_bot, message["message_id"])
    await wait_for_text(stack, alice, stack.consumer_bot, "Receipt", after=message["message_id"])
    version = (await order_now(stack, order_id)).version

    # The same payment again, as a new update (Telegram's redelivery is caught by the inbox).
    await push_payment(stack, alice, sandbox_invoice(stack, alice, message).payload, 128_000,
                       paid["telegram_payment_charge_id"])
    await settle(stack)
    await asyncio.sleep(0.3)
    await settle(stack)

    assert [e.action for e in await events_of(stack, order_id)].count(Action.PAY) == 1
    assert (await order_now(stack, order_id)).version == version
    texts = await _texts(stack, alice, stack.consumer_bot)
    assert sum("Receipt" in t for t in texts) == 1


# --- helpers -----------------------------------------------------------------------------------


async def push_pre_checkout(stack, user: int, payload: str, total: int) -> dict[str, Any] | None:
    """A pre_checkout_query of the client's making (what a forged call can carry), and the
    bot's answer."""
    sandbox = stack.sandbox
    chat = sandbox.people.chat(user, stack.consumer_bot)
    query = sandbox.world.new_pre_checkout(chat.bot)
    chat.bot.updates.push("pre_checkout_query", {"id": query.id, "from": chat.person.as_user(), "currency": "CNY",
                                                 "total_amount": total, "invoice_payload": payload})
    async with asyncio.timeout(10):
        await query.answered.wait()
    return query.answer


async def push_payment(stack, user: int, payload: str, total: int, charge_id: str) -> None:
    sandbox = stack.sandbox
    chat = sandbox.people.chat(user, stack.consumer_bot)
    payment = {"currency": "CNY", "total_amount": total, "invoice_payload": payload,
               "telegram_payment_charge_id": charge_id, "provider_payment_charge_id": f"provider_{charge_id}"}
    message = chat.post(from_bot=False, kind="successful_payment", date=sandbox.world.now(), payment=payment)
    chat.bot.updates.push("message", message_json(sandbox.world, chat, message))


async def _rows(stack, chat_id: int) -> list[OutboxRow]:
    """The outbox rows of the member's order messages, as stored."""
    async with stack.runtime.services.uow() as uow:
        rows = (await uow.session.execute(sa.select(OutboxRow).where(
            OutboxRow.bot == BotKind.CONSUMER.value, OutboxRow.chat_id == chat_id))).scalars().all()
    return [row for row in rows if row.method == "sendInvoice" or "Order #" in str(row.params.get("text", ""))]


async def _texts(stack, user: int, bot: str) -> list[str]:
    return [m["text"] or "" for m in await stack.bot_messages(user, bot)]
