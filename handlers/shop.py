"""The catalog in the consumer bot: /catalog (and /catalog WORDS) and /new for members, the
listing's pages in place, a product's card, and Ask on a card (its Buy and Reserve for
pickup start the checkout: handlers/checkout.py).

Members only: a guest's command is refused as every command that is not theirs is; a
guest's (or an ex-member's) button gets the line that says how to join. A card is in the
presser's own chat, and commerce/ re-checks the product against the brand and the catalog
as it is now: forged or outdated data is "no longer valid".
"""

from __future__ import annotations

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.callbacks import ShopAction, ShopList, ShopProduct
from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.guests import refuse_guest
from bot.interface.render.base import Outgoing, plain, text
from bot.interface.render.catalog import CatalogRenderer
from bot.interface.staff import argument
from commerce.access import NotAllowed
from commerce.bots import BotKind
from commerce.messages import NoAssociateHere
from commerce.relay import ChatPaused, NoAssociate
from commerce.shelf import Gone, View, ViewKind, search_view
from commerce.shop import (
    Intent,
    InterestPassed,
    express_interest,
    shop_listing,
    shop_product,
)

CONSUMER = BotKind.CONSUMER
_TOLD = {Intent.ASK: "shop.asked"}


def views(tx: UpdateTransaction) -> CatalogRenderer:
    return CatalogRenderer(tx.services.catalog, tx.brand)


async def _listing(update: Update, ctx: StorelinkContext, view: View | None, page: int = 0) -> None:
    """A listing for a member: a command's answer, or a page replacing the one pressed."""
    services = ctx.services
    locale = services.locale(update)
    query = update.callback_query
    notice = None
    async with services.transaction(CONSUMER, update) as tx:
        found = await shop_listing(tx.uow, tx.brand.id, update.effective_user.id, view, page) if view else Gone()  # type: ignore[arg-type, union-attr]
        if isinstance(found, NotAllowed):
            await refuse_guest(tx, update, ctx)
        elif isinstance(found, Gone):
            notice = services.catalog.text(locale, "common.stale_button")
        else:
            shown = views(tx).shop_listing(locale, found)
            if query is not None and query.message is not None and shown.method == "sendMessage":
                shown = Outgoing("editMessageText", {**shown.params, "message_id": query.message.message_id})
            if found.listing.view.kind is ViewKind.NEW and not found.listing.items and query is None:
                shown = text(services.catalog.text(locale, "shop.no_new"))
            await tx.reply(update, shown)
    await answer(query, notice, alert=notice is not None)


async def on_catalog(update: Update, ctx: StorelinkContext) -> None:
    """/catalog: the categories; /catalog WORDS: a search."""
    await _listing(update, ctx, search_view(argument(update)))


async def on_new(update: Update, ctx: StorelinkContext) -> None:
    """/new: the new arrivals."""
    await _listing(update, ctx, View(ViewKind.NEW))


async def on_page(update: Update, ctx: StorelinkContext) -> None:
    data = ShopList.unpack(update.callback_query.data if update.callback_query else None)
    await _listing(update, ctx, View.parse(data.view, data.key) if data else None, data.page if data else 0)


async def on_product(update: Update, ctx: StorelinkContext) -> None:
    """A product of a listing or a lookbook: its card, with Buy, Ask and Reserve."""
    services = ctx.services
    locale = services.locale(update)
    query = update.callback_query
    assert query is not None
    data = ShopProduct.unpack(query.data)
    notice = None
    async with services.transaction(CONSUMER, update) as tx:
        card = await shop_product(tx.uow, tx.brand.id, update.effective_user.id, data.product_id) if data else Gone()  # type: ignore[union-attr]
        if isinstance(card, NotAllowed):
            await refuse_guest(tx, update, ctx)
        elif isinstance(card, Gone):
            notice = services.catalog.text(locale, "common.stale_button")
        else:
            await tx.reply(update, views(tx).member_card(locale, card))
    await answer(query, notice, alert=notice is not None)


async def on_action(update: Update, ctx: StorelinkContext) -> None:
    """Ask: the member's associate hears which product, and the member hears that they did."""
    services = ctx.services
    locale = services.locale(update)
    query = update.callback_query
    assert query is not None
    data = ShopAction.unpack(query.data)
    intent = Intent(data.action) if data is not None and data.action in Intent._value2member_map_ else None
    notice = None
    async with services.transaction(CONSUMER, update) as tx:
        if data is None or intent is None:
            passed: object = Gone()
        else:
            passed = await express_interest(tx.uow, tx.postbox, tx.brand.id, update.effective_user.id,  # type: ignore[union-attr]
                                            data.product_id, intent, services.clock.now())
        if isinstance(passed, NotAllowed):
            await refuse_guest(tx, update, ctx)
        elif isinstance(passed, Gone):
            notice = services.catalog.text(locale, "common.stale_button")
        elif isinstance(passed, ChatPaused):
            await tx.reply(update, text(services.catalog.text(locale, "relay.chat_paused")))
        elif isinstance(passed, NoAssociate):
            await tx.reply(update, tx.render(NoAssociateHere(locale))[0])
        elif isinstance(passed, InterestPassed):
            told = services.catalog.text(locale, _TOLD[passed.intent], product=passed.item.product.name,
                                         associate=passed.associate.display_name)
            await tx.reply(update, text(told))
            notice = plain(told)
    await answer(query, notice, alert=False)

