"""A person paying an invoice, the way Telegram runs a payment.

The person taps Pay and fills in what the invoice asks (name, phone, email, shipping
address: a client fills name and phone from the account unless the person types
others). Telegram then sends the bot a pre_checkout_query and waits for
answerPreCheckoutQuery: answered ok within the deadline (10 s on Telegram; settable on
the sandbox for tests), the payment goes through and the bot gets a message with
successful_payment carrying both charge ids; answered not ok, the person sees the
bot's error_message; not answered in time, the payment is cancelled and a late answer
is refused. An invoice is paid at most once. Flexible invoices (shipping queries) are
not simulated.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bot.sandbox.errors import ApiError
from bot.sandbox.invoices import STARS, Invoice
from bot.sandbox.shapes import message_json, transcript_entry
from bot.sandbox.state import Charge, Chat, PreCheckout, StoredMessage, World

TIMED_OUT = "the bot did not answer the pre-checkout query in time; the payment was cancelled"
_ADDRESS_FIELDS = ("country_code", "state", "city", "street_line1", "street_line2", "post_code")
_NEEDED_ADDRESS_FIELDS = ("country_code", "city", "street_line1", "post_code")


async def pay(
    world: World,
    chat: Chat,
    message_id: int,
    *,
    order_info: dict[str, Any] | None = None,
    tip_amount: int = 0,
) -> dict[str, Any]:
    """Pay the invoice of a bot message; the outcome as the person sees it:
    {"status": "paid" | "refused" | "timed_out", "paid": bool, "error_message": ...,
    "pre_checkout_query_id": ..., and when paid both charge ids and "message" (the
    successful_payment message in the chat)}."""
    message = chat.find(message_id)
    invoice = message.invoice if message is not None and message.from_bot else None
    if message is None or invoice is None:
        raise ApiError(400, f"there is no invoice {message_id} in this chat")
    _check_payable(invoice, message_id, tip_amount)
    order = _order_info(invoice, chat, order_info or {})
    total = invoice.total_amount + tip_amount
    query = world.new_pre_checkout(chat.bot)
    update = {
        "id": query.id,
        "from": chat.person.as_user(),
        "currency": invoice.currency,
        "total_amount": total,
        "invoice_payload": invoice.payload,
    }
    if order:
        update["order_info"] = order
    invoice.paying = True
    try:
        chat.bot.updates.push("pre_checkout_query", update)
        answer = await _answer(world, query)
    finally:
        invoice.paying = False
    outcome: dict[str, Any] = {"pre_checkout_query_id": query.id, "total_amount": total}
    if answer is None:
        return {**outcome, "status": "timed_out", "paid": False, "error_message": TIMED_OUT}
    if not answer["ok"]:
        return {**outcome, "status": "refused", "paid": False, "error_message": answer["error_message"]}
    paid = _complete(world, chat, invoice, total, order)
    return {
        **outcome,
        "status": "paid",
        "paid": True,
        "error_message": None,
        "telegram_payment_charge_id": paid.payment["telegram_payment_charge_id"],  # type: ignore[index]
        "provider_payment_charge_id": paid.payment["provider_payment_charge_id"],  # type: ignore[index]
        "message": transcript_entry(world, chat, paid),
    }


def _check_payable(invoice: Invoice, message_id: int, tip_amount: int) -> None:
    if invoice.charge_id is not None:
        raise ApiError(400, f"invoice {message_id} is already paid")
    if invoice.paying:
        raise ApiError(409, f"a payment of invoice {message_id} is already waiting for the bot")
    if invoice.is_flexible:
        raise ApiError(400, "flexible invoices need shipping queries, which the sandbox does not simulate")
    if not 0 <= tip_amount <= invoice.max_tip_amount:
        raise ApiError(400, f"tip_amount must be 0-{invoice.max_tip_amount}")


def _order_info(invoice: Invoice, chat: Chat, given: dict[str, Any]) -> dict[str, Any]:
    """What the invoice asked for, and only that: Telegram never sends the rest."""
    if not isinstance(given, dict):
        raise ApiError(400, "order_info must be a JSON object")
    person = chat.person
    order: dict[str, Any] = {}
    if invoice.need_name:
        full_name = " ".join(part for part in (person.first_name, person.last_name) if part)
        order["name"] = str(given.get("name") or full_name)
    if invoice.need_phone_number:
        order["phone_number"] = str(given.get("phone_number") or person.phone_number)
    if invoice.need_email:
        if not given.get("email"):
            raise ApiError(400, "the invoice asks for an email: give order_info.email")
        order["email"] = str(given["email"])
    if invoice.need_shipping_address:
        order["shipping_address"] = _address(given.get("shipping_address"))
    return order


def _address(given: Any) -> dict[str, str]:
    if not isinstance(given, dict) or not all(given.get(name) for name in _NEEDED_ADDRESS_FIELDS):
        needed = ", ".join(_NEEDED_ADDRESS_FIELDS)
        raise ApiError(400, f"the invoice asks for a shipping address: give order_info.shipping_address with {needed}")
    return {name: str(given.get(name) or "") for name in _ADDRESS_FIELDS}


async def _answer(world: World, query: PreCheckout) -> dict[str, Any] | None:
    """The bot's answer, or None once the deadline passed (the query then expires)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(world.pre_checkout_timeout):
            await query.answered.wait()
    if query.answer is None or world.pre_checkouts.get(query.id) is not query:
        query.expired = True  # also when the sandbox was reset or stopped meanwhile
        return None
    return query.answer


def _complete(world: World, chat: Chat, invoice: Invoice, total: int, order: dict[str, Any]) -> StoredMessage:
    """Charge, then tell the bot with a successful_payment message from the person."""
    stars = invoice.currency == STARS
    charge_id = world.new_charge_id("stxsandbox" if stars else "sandbox_")
    invoice.charge_id = charge_id
    world.charges[charge_id] = Charge(chat.bot.id, chat.person.id, invoice.currency, total, invoice.payload)
    payment: dict[str, Any] = {
        "currency": invoice.currency,
        "total_amount": total,
        "invoice_payload": invoice.payload,
        "telegram_payment_charge_id": charge_id,
        # Stars go through no provider: Telegram sends an empty provider charge id.
        "provider_payment_charge_id": "" if stars else f"provider_{charge_id}",
    }
    if order:
        payment["order_info"] = order
    message = chat.post(from_bot=False, kind="successful_payment", date=world.now(), payment=payment)
    chat.bot.updates.push("message", message_json(world, chat, message))
    return message
