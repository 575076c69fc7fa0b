"""Orders in both bots: the associate's order card buttons and /orders pipeline in the staff
bot; the member's answer to a proposal, /orders and /points in the consumer bot."""

from __future__ import annotations

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.callbacks import OrderAnswer, OrderDesk, OrdersPage
from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.guests import member_of, refuse_guest
from bot.interface.i18n import locale_for
from bot.interface.render.orders import OrdersRenderer
from bot.interface.staff import refuse_command, sender_of
from commerce.access import NotYours
from commerce.bots import BotKind
from commerce.order_desk import (
    DECLINE_REASONS,
    Stepped,
    answer_proposal,
    confirm,
    decline,
    member_orders,
    pipeline,
    points_of,
    propose,
    show_order,
)
from commerce.orders import Action

CONSUMER, ASSOCIATE = BotKind.CONSUMER, BotKind.ASSOCIATE



async def on_member_orders(update: Update, ctx: StorelinkContext) -> None:
    """/orders in the consumer bot (or its paging buttons): the member's orders, newest first."""
    services = ctx.services
    query = update.callback_query
    page = OrdersPage.unpack(query.data) if query is not None else None
    locale = services.locale(update)
    async with services.transaction(CONSUMER, update) as tx:
        orders = await member_orders(tx.uow, await member_of(tx, update), page.page if page else 0)
        if orders is None:
            await refuse_guest(tx, update, ctx)
        else:
            edit = query.message.message_id if query is not None and query.message is not None else None
            await tx.reply(update, OrdersRenderer(services.catalog).member_orders(locale, orders, edit))
    if query is not None:
        await answer(query)


async def on_points(update: Update, ctx: StorelinkContext) -> None:
    services = ctx.services
    locale = services.locale(update)
    async with services.transaction(CONSUMER, update) as tx:
        view = await points_of(tx.uow, await member_of(tx, update), services.clock.now())
        if view is None:
            await refuse_guest(tx, update, ctx)
        else:
            await tx.reply(update, OrdersRenderer(services.catalog).points(locale, view))


async def on_order_answer(update: Update, ctx: StorelinkContext) -> None:
    """The member accepts or declines the SKU their associate proposed. What follows (held and
    billed, or cancelled) reaches them, and their associate, as every order step does."""
    services = ctx.services
    query = update.callback_query
    assert query is not None and query.message is not None
    data = OrderAnswer.unpack(query.data)
    locale = services.locale(update)
    views = OrdersRenderer(services.catalog)
    notice = None
    async with services.transaction(CONSUMER, update) as tx:
        if data is None:
            notice = services.catalog.text(locale, "common.stale_button")
        else:
            stepped = await answer_proposal(tx.uow, tx.postbox, await member_of(tx, update), data.order_id, data.accept,
                                            services.clock.now(), services.invoicing)
            if isinstance(stepped, Stepped):  # the offer loses its buttons; the step's notice follows
                await tx.reply(update, views.member_answered(locale, stepped, query.message.message_id))
            else:
                notice = views.refused(locale, stepped)
    await answer(query, notice, alert=notice is not None)


async def on_staff_orders(update: Update, ctx: StorelinkContext) -> None:
    """/orders in the staff bot: the associate's pipeline with counts; each order opens its card."""
    services = ctx.services
    locale = services.locale(update)
    async with services.transaction(ASSOCIATE, update) as tx:
        view = await pipeline(tx.uow, await sender_of(tx, update))
        if view is None:
            await refuse_command(tx, update, ctx.bot_data.commands, "/orders")
        else:
            await tx.reply(update, OrdersRenderer(services.catalog).pipeline(locale, view))


async def on_order_desk(update: Update, ctx: StorelinkContext) -> None:
    """An order card's button: open it, confirm stock, propose another SKU, decline with a
    reason. The card is edited in place; the member hears the outcome."""
    services = ctx.services
    query = update.callback_query
    assert query is not None and query.message is not None
    data = OrderDesk.unpack(query.data)
    locale = services.locale(update)
    views = OrdersRenderer(services.catalog)
    notice = None
    async with services.transaction(ASSOCIATE, update) as tx:
        who = await sender_of(tx, update)
        now = services.clock.now()
        message_id = query.message.message_id
        if data is None:
            notice = services.catalog.text(locale, "common.stale_button")
        elif data.action == "confirm":
            stepped = await confirm(tx.uow, tx.postbox, who, data.order_id, now, services.invoicing)
            notice = await _stepped(tx, views, locale, stepped, message_id)
        elif data.action == "propose" and data.arg:
            stepped = await propose(tx.uow, tx.postbox, who, data.order_id, data.arg, now, services.invoicing)
            notice = await _stepped(tx, views, locale, stepped, message_id)
        elif data.action == "decline" and 1 <= data.arg <= len(DECLINE_REASONS):
            reason = DECLINE_REASONS[data.arg - 1]
            stepped = await decline(tx.uow, tx.postbox, who, data.order_id, reason, now, services.invoicing)
            notice = await _stepped(tx, views, locale, stepped, message_id)
        else:
            card = await show_order(tx.uow, who, data.order_id)
            if isinstance(card, NotYours):
                notice = views.refused(locale, card)
            else:
                # From the pipeline list: the card as a new message; on the card: its buttons change in place.
                mode = data.action if data.action in ("propose", "decline") else "card"
                await tx.reply(update, views.card(locale, card, mode, None if data.action == "open" else message_id))
    await answer(query, notice, alert=notice is not None)


async def _stepped(tx: UpdateTransaction, views: OrdersRenderer, locale: str, stepped: object, message_id: int) -> str | None:
    """The card edited in place. The member heard of the step from commerce (as from /order);
    an offer of another SKU is their card with Accept and Decline, sent here."""
    if not isinstance(stepped, Stepped):
        return views.refused(locale, stepped)
    await tx.reply(tx.update, views.card(locale, stepped.card, edit_message_id=message_id))  # type: ignore[arg-type]
    member = stepped.card.member
    if stepped.moved.event.action is Action.PROPOSE_ALTERNATIVE and member.reachable:
        member_locale = locale_for(member.language_code, tx.services.settings.default_locale)
        await tx.send(CONSUMER, member.telegram_user_id, views.member_notice(member_locale, stepped))
    return None
