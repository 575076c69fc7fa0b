"""Paying an order by Telegram invoice, in the consumer bot: the pre-checkout question and
the payment that arrived.

The ingress handles a pre_checkout_query at once, outside the member's chat queue
(bot/runtime/ingress.py), because Telegram cancels the payment if it is not answered within
10 s; it is still recorded first and marked done by its transaction. The answer is a
direct call, made after that transaction, never an outbox row.
"""

from __future__ import annotations

import logging

from telegram import PreCheckoutQuery, Update
from telegram.error import TelegramError

from bot.interface.context import StorelinkContext
from bot.interface.render.order_updates import OrderUpdatesRenderer
from commerce.access import NotYours
from commerce.bots import BotKind
from commerce.order_moves import Moved
from commerce.order_notices import PaymentIn, credit_payment
from commerce.payments import PaidTooLate, ReadyToPay, check_before_payment

log = logging.getLogger("storelink.payments")
CONSUMER = BotKind.CONSUMER


async def on_pre_checkout(update: Update, ctx: StorelinkContext) -> None:
    """May the member pay this? The order's state, its held stock and the amount decide."""
    services = ctx.services
    query = update.pre_checkout_query
    assert query is not None
    async with services.transaction(CONSUMER, update) as tx:
        checked = await check_before_payment(tx.uow, query.invoice_payload, services.signing_keys, query.from_user.id,
                                             query.total_amount, query.currency, services.clock.now())
        views = OrderUpdatesRenderer(services.catalog, tx.brand, services.settings.default_locale)
    if isinstance(checked, ReadyToPay):
        await _answer(query, ok=True)
        return
    order = checked.order.id if checked.order is not None else None
    log.info("a payment for order %s was refused before it was taken: %s", order, checked.why)
    await _answer(query, ok=False, error_message=views.refusal(services.locale(update), checked.why))


async def on_successful_payment(update: Update, ctx: StorelinkContext) -> None:
    """The money was taken: the order is paid (once per charge id), the member gets the
    receipt and the associate a notice, in the order lane."""
    services = ctx.services
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.successful_payment is not None and user is not None
    paid = message.successful_payment
    payment = PaymentIn(paid.invoice_payload, user.id, paid.telegram_payment_charge_id,
                        paid.provider_payment_charge_id or None, paid.total_amount, paid.currency)
    async with services.transaction(CONSUMER, update) as tx:
        credited = await credit_payment(tx.uow, tx.postbox, payment, services.signing_keys, services.clock.now(),
                                        services.invoicing)
    if isinstance(credited, Moved):
        log.info("order %s is paid", credited.order.id)
    elif isinstance(credited, NotYours):
        log.warning("a payment with an invoice payload we did not sign, or of someone else's order, was not credited")
    elif isinstance(credited, PaidTooLate):
        log.warning("order %s was paid after it ended; its associate was told to refund it", credited.order.id)
    else:
        log.info("a payment already credited arrived again; nothing changed")


async def _answer(query: PreCheckoutQuery, *, ok: bool, error_message: str | None = None) -> None:
    try:
        await query.answer(ok=ok, error_message=error_message)
    except TelegramError as exc:  # too late (a redelivery, a crash): Telegram cancelled it already
        log.warning("the pre-checkout query was not answered: %s", exc)
