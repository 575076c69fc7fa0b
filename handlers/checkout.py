"""The member's checkout in the consumer bot: Buy or Reserve on a product's card, a step's
buttons, and /cancel. Typed and shared input reaches the checkout through the relay's rule
(commerce.member_messages): an open checkout waiting for typing takes it."""

from __future__ import annotations

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.callbacks import CheckoutStep, checkout_start_of
from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.guests import member_of
from bot.interface.render.base import text
from bot.interface.render.checkout import CheckoutRenderer
from bot.interface.render.orders import OrdersRenderer
from commerce.bots import BotKind
from commerce.checkout import cancel_checkout, press_checkout, start_checkout
from commerce.checkout_values import OrderPlaced, Shut
from commerce.order_desk import order_card

CONSUMER = BotKind.CONSUMER



async def on_checkout_start(update: Update, ctx: StorelinkContext) -> None:
    """Buy / Reserve for pickup on a product's card: the checkout's first step, as a new message."""
    services = ctx.services
    query = update.callback_query
    assert query is not None
    data = checkout_start_of(query.data)
    locale = services.locale(update)
    views = CheckoutRenderer(services.catalog)
    notice = None
    async with services.transaction(CONSUMER, update) as tx:
        if data is None:
            notice = services.catalog.text(locale, "common.stale_button")
        else:
            shown = await start_checkout(tx.uow, await member_of(tx, update), data.product_id, services.clock.now(),
                                         reserve=data.reserve, pay_in_chat=services.invoicing is not None)
            outgoing = views.shut(locale, shown) if isinstance(shown, Shut) else views.view(locale, shown)
            for message in outgoing:
                await tx.reply(update, message)
    await answer(query, notice, alert=notice is not None)


async def on_checkout_step(update: Update, ctx: StorelinkContext) -> None:
    """A step's button: the checkout moves on (the message is edited in place), goes back,
    ends, or places the order (the associate gets its card)."""
    services = ctx.services
    query = update.callback_query
    assert query is not None and query.message is not None
    data = CheckoutStep.unpack(query.data)
    locale = services.locale(update)
    views = CheckoutRenderer(services.catalog)
    notice = None
    async with services.transaction(CONSUMER, update) as tx:
        if data is None:
            notice = services.catalog.text(locale, "common.stale_button")
        else:
            result = await press_checkout(tx.uow, await member_of(tx, update), data.checkout_id, data.step, data.choice,
                                          services.clock.now(), pay_in_chat=services.invoicing is not None)
            message_id = query.message.message_id
            if isinstance(result, Shut):
                notice = views.stale(locale, result)
                outgoing = [] if notice is not None else views.shut(locale, result, message_id)
            elif isinstance(result, OrderPlaced):
                outgoing = views.placed(locale, result, message_id)
                await _tell_associate(tx, result)
            else:
                outgoing = views.view(locale, result, message_id)
            for message in outgoing:
                await tx.reply(update, message)
    await answer(query, notice, alert=notice is not None)


async def _tell_associate(tx: UpdateTransaction, placed: OrderPlaced) -> None:
    """The order's associate gets its card, with the buttons to confirm, propose or decline."""
    if placed.associate is None:
        return
    card = await order_card(tx.uow, placed.order)
    await tx.notify_associate(placed.associate, OrdersRenderer(tx.services.catalog).card(placed.associate.locale, card))


async def on_cancel(update: Update, ctx: StorelinkContext) -> None:
    """/cancel: the member's open checkout ends (its reply keyboard goes with it)."""
    services = ctx.services
    locale = services.locale(update)
    views = CheckoutRenderer(services.catalog)
    async with services.transaction(CONSUMER, update) as tx:
        shut = await cancel_checkout(tx.uow, await member_of(tx, update))
        if shut is None:
            await tx.reply(update, text(services.catalog.text(locale, "checkout.nothing_to_cancel")))
            return
        for message in views.shut(locale, shut):
            await tx.reply(update, message)
