"""/catalog in the associate bot: browse by category, the new arrivals or a search, page in
place; a product's card with every price and the stock here and in the other stores; and
from a card, "Send to member" (a member picked from the associate's own, or the one chosen
from their profile) puts the card in that member's chat. The new arrivals go as a lookbook.

Buttons carry ids only. commerce/ re-checks each: the product is the associate's brand's
and still offered, the member is the associate's own now. Data that names nothing (any
more) is answered "no longer valid"; another associate's member, "not one of your members".
"""

from __future__ import annotations

from telegram import Update

from bot.interface.callbacks import (
    CatalogList,
    CatalogProduct,
    ChooseRecipient,
    OpenCatalog,
    SendLookbook,
    SendPick,
)
from bot.interface.context import UpdateTransaction
from bot.interface.render.base import Outgoing, plain
from bot.interface.render.catalog import CatalogRenderer
from bot.interface.render.workspace import full_name
from bot.interface.staff import argument, staff_button, staff_command
from commerce.access import NotYours, Staff
from commerce.picks import (
    LookbookPicked,
    NothingNew,
    Picked,
    choose_recipient,
    send_lookbook,
    send_pick,
    staff_listing,
    staff_product,
)
from commerce.relay import MemberPaused
from commerce.shelf import Gone, View, ViewKind, search_view


def views(tx: UpdateTransaction) -> CatalogRenderer:
    return CatalogRenderer(tx.services.catalog, tx.brand)


def stale(tx: UpdateTransaction, locale: str) -> str:
    return tx.services.catalog.text(locale, "common.stale_button")


def not_yours(tx: UpdateTransaction, locale: str) -> str:
    return tx.services.catalog.text(locale, "workspace.not_yours")


def in_place(outgoing: Outgoing, update: Update) -> Outgoing:
    """A listing's page replaces the listing (its keyboard is part of the new version)."""
    query = update.callback_query
    if query is None or query.message is None or outgoing.method != "sendMessage":
        return outgoing
    return Outgoing("editMessageText", {**outgoing.params, "message_id": query.message.message_id})


def refusal(tx: UpdateTransaction, locale: str, result: object) -> str | None:
    """The answer to a press whose data names nothing of the presser's."""
    if isinstance(result, NotYours):
        return not_yours(tx, locale)
    if isinstance(result, Gone):
        return stale(tx, locale)
    return None


@staff_command
async def on_catalog(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    """/catalog: the categories; /catalog WORDS: the products holding every word."""
    listing = await staff_listing(tx.uow, staff, search_view(argument(update)), 0)
    assert not isinstance(listing, NotYours | Gone), "the home and a search always list"
    await tx.reply(update, views(tx).staff_listing(locale, listing))


@staff_button(CatalogList, refuse=stale)
async def on_catalog_page(tx: UpdateTransaction, update: Update, staff: Staff, data: CatalogList, locale: str) -> str | None:
    """A category, the new arrivals, a page, back to the categories: in place."""
    view = View.parse(data.view, data.key)
    if view is None:
        return stale(tx, locale)
    listing = await staff_listing(tx.uow, staff, view, data.page, data.member_id or None)
    if isinstance(listing, NotYours | Gone):
        return refusal(tx, locale, listing)
    await tx.reply(update, in_place(views(tx).staff_listing(locale, listing), update))
    return None


@staff_button(OpenCatalog, refuse=stale)
async def on_open_catalog(tx: UpdateTransaction, update: Update, staff: Staff, data: OpenCatalog, locale: str) -> str | None:
    """"Send a product" on a member's profile: the categories, each card offering to send to them."""
    listing = await staff_listing(tx.uow, staff, View(ViewKind.HOME), 0, data.member_id)
    if isinstance(listing, NotYours | Gone):
        return refusal(tx, locale, listing)
    await tx.reply(update, views(tx).staff_listing(locale, listing))
    return None


@staff_button(CatalogProduct, refuse=stale)
async def on_catalog_product(tx: UpdateTransaction, update: Update, staff: Staff, data: CatalogProduct, locale: str) -> str | None:
    """A product of a listing: its card, as a new message (a picture cannot replace a text)."""
    card = await staff_product(tx.uow, staff, data.product_id, data.member_id or None)
    if isinstance(card, NotYours | Gone):
        return refusal(tx, locale, card)
    await tx.reply(update, views(tx).staff_card(locale, card))
    return None


@staff_button(ChooseRecipient, refuse=stale)
async def on_choose_recipient(tx: UpdateTransaction, update: Update, staff: Staff, data: ChooseRecipient,
                              locale: str) -> str | None:
    """◀ / ▶ of the member picker: in place."""
    recipients = await choose_recipient(tx.uow, staff, data.product_id or None, data.page)
    if isinstance(recipients, Gone):
        return stale(tx, locale)
    await tx.reply(update, in_place(views(tx).recipients(locale, recipients), update))
    return None


@staff_button(SendPick, refuse=stale)
async def on_send_pick(tx: UpdateTransaction, update: Update, staff: Staff, data: SendPick, locale: str) -> str | None:
    """Send to member: the picker first (no member chosen yet), then the card goes out."""
    now = tx.services.clock.now()
    if not data.member_id:
        recipients = await choose_recipient(tx.uow, staff, data.product_id, 0)
        if isinstance(recipients, Gone):
            return stale(tx, locale)
        await tx.reply(update, views(tx).recipients(locale, recipients))
        return None
    sent = await send_pick(tx.uow, tx.postbox, staff, data.member_id, data.product_id, now)
    if isinstance(sent, MemberPaused):
        return plain(tx.services.catalog.text(locale, "catalog.member_paused", member=full_name(sent.member)))
    if not isinstance(sent, Picked):
        return refusal(tx, locale, sent)
    return plain(tx.services.catalog.text(locale, "catalog.sent", product=sent.item.product.name, member=full_name(sent.member)))


@staff_button(SendLookbook, refuse=stale)
async def on_send_lookbook(tx: UpdateTransaction, update: Update, staff: Staff, data: SendLookbook, locale: str) -> str | None:
    """The new arrivals as a lookbook: the picker first, then the album goes out."""
    if not data.member_id:
        recipients = await choose_recipient(tx.uow, staff, None, 0)
        assert not isinstance(recipients, Gone)
        await tx.reply(update, views(tx).recipients(locale, recipients))
        return None
    sent = await send_lookbook(tx.uow, tx.postbox, staff, data.member_id, tx.services.clock.now())
    text = tx.services.catalog.text
    if isinstance(sent, MemberPaused):
        return plain(text(locale, "catalog.member_paused", member=full_name(sent.member)))
    if isinstance(sent, NothingNew):
        return plain(text(locale, "catalog.nothing_new"))
    if not isinstance(sent, LookbookPicked):
        return refusal(tx, locale, sent)
    return plain(text(locale, "catalog.lookbook_sent", count=sent.count, member=full_name(sent.member)))
