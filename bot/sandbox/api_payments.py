"""Payments, bot side: sendInvoice, answerPreCheckoutQuery, refundStarPayment.

The person's side (paying an invoice, the pre-checkout query and its deadline, the
successful_payment message) is in checkout.py.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import QUERY_GONE, bad_request
from bot.sandbox.invoices import STARS, check_invoice_markup, read_invoice
from bot.sandbox.methods import Call, Method


async def send_invoice(call: Call) -> dict[str, Any]:
    invoice = read_invoice(call.params)
    check_invoice_markup(call.reply_markup())
    chat = call.chat()
    message = call.post(chat, kind="invoice", invoice=invoice)
    return call.message(chat, message)


async def answer_pre_checkout_query(call: Call) -> bool:
    """Answered in time, the person's payment goes on or stops with error_message; an
    unknown, repeated or late answer gets Telegram's QUERY_ID_INVALID text."""
    p = call.params
    ok = p.flag("ok")
    error_message = None if ok else p.string("error_message", required='Parameter "error_message" is required')
    query = call.world.pre_checkouts.get(p.string("pre_checkout_query_id") or "")
    if query is None or query.bot_id != call.bot.id or query.expired or query.answer is not None:
        raise bad_request(QUERY_GONE)
    query.answer = {"ok": ok, "error_message": error_message}
    query.answered.set()
    return True


async def refund_star_payment(call: Call) -> bool:
    """Give a Stars payment back; the chat gets a refunded_payment message."""
    p = call.params
    user_id = p.integer("user_id", required="Invalid user_id specified")
    charge_id = p.string("telegram_payment_charge_id", required='Parameter "telegram_payment_charge_id" is required')
    charge = call.world.charges.get(charge_id or "")
    if charge is None or charge.bot_id != call.bot.id or charge.user_id != user_id or charge.currency != STARS:
        raise bad_request("CHARGE_NOT_FOUND")
    if charge.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    chat = call.chat("user_id")
    charge.refunded = True
    refund = {
        "currency": charge.currency,
        "total_amount": charge.total_amount,
        "invoice_payload": charge.invoice_payload,
        "telegram_payment_charge_id": charge_id,
    }
    message = chat.post(from_bot=False, kind="refunded_payment", date=call.world.now(), payment=refund)
    chat.bot.updates.push("message", call.message(chat, message))
    return True


METHODS: dict[str, Method] = {
    "sendInvoice": send_invoice,
    "answerPreCheckoutQuery": answer_pre_checkout_query,
    "refundStarPayment": refund_star_payment,
}
