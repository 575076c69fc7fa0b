"""The catalog in the chats as messages: listings (categories, a page of products) for
associates and members, the associate's product card (every price, stock here and in the
other stores), the member's card (their tier's price, their store's stock, Buy / Ask /
Reserve), the lookbook, the member picker, and a member's question as their associate
reads it. Product names, descriptions, sizes and store names are the brand's text and
people's names are people's: all escaped (the catalog escapes every parameter).

Captions are held to Telegram's 1,024 UTF-16 units of the text as shown: the lines that
matter most come first, and the rest (description, more variants) gives way.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.interface.callbacks import (
    CallbackData,
    CatalogList,
    CatalogProduct,
    CheckoutStart,
    ChooseRecipient,
    SendLookbook,
    SendPick,
    ShopAction,
    ShopList,
    ShopProduct,
)
from bot.interface.i18n import Catalog
from bot.interface.render.base import Outgoing, button, fit, plain, text
from bot.interface.render.workspace import full_name, member_buttons, relay_header
from commerce import lengths
from commerce.catalog import CatalogItem, Variant
from commerce.lengths import shorten, units
from commerce.money import format_money
from commerce.people import Brand
from commerce.picks import (
    LookbookSent,
    PickSent,
    Recipients,
    StaffListing,
    StaffProduct,
)
from commerce.shelf import (
    PAGE_SIZE,
    Listing,
    MemberCard,
    ViewKind,
    category_key,
    sizes_and_colours,
)
from commerce.shop import Intent, ProductInterest, ShopListing

CAPTION = lengths.CAPTION
DESCRIPTION = 300  # units of a product's description on a card
NAME_IN_LIST = 80  # units of a product's name on a listing line or button
Data = Callable[..., CallbackData]


def price_text(item: CatalogItem, tier: str | None, locale: str) -> str:
    """What a member of `tier` pays, formatted for `locale`: one price, or the range."""
    prices = item.price_range(tier)
    if prices is None:
        return ""
    low, high = prices
    return format_money(low, locale) if low == high else f"{format_money(low, locale)} – {format_money(high, locale)}"


def variant_label(variant: Variant, one_size: str) -> str:
    return " / ".join(part for part in (variant.size, variant.colour) if part) or one_size


def within(lines: Sequence[str], optional: Sequence[str], limit: int, more: Callable[[int], str] | None = None) -> str:
    """`lines` (HTML) and as many of `optional` as fit `limit` units of shown text; when some
    are left out, `more(count)` says how many (if it fits too)."""
    kept = list(lines)
    for n, line in enumerate(optional):
        if units(plain("\n".join([*kept, line, more(len(optional)) if more else ""]))) > limit:
            rest = len(optional) - n
            if more is not None and units(plain("\n".join([*kept, more(rest)]))) <= limit:
                kept.append(more(rest))
            break
        kept.append(line)
    return fit("\n".join(kept), limit)


def _photo_or_text(item: CatalogItem, caption: str, keyboard: list[list[dict[str, str]]]) -> Outgoing:
    """The product's first picture with the caption, or the caption as a text without one."""
    if not item.image_blob_ids:
        return text(caption, buttons=keyboard)
    return Outgoing("sendPhoto", {"photo": {"blob_id": item.image_blob_ids[0]}, "caption": fit(caption, CAPTION),
                                  "parse_mode": "HTML", "reply_markup": {"inline_keyboard": keyboard}})


@dataclass(frozen=True, slots=True)
class CatalogRenderer:
    catalog: Catalog
    brand: Brand

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, key, **params)

    # --- listings, for both bots ---------------------------------------------------------

    def staff_listing(self, locale: str, view: StaffListing) -> Outgoing:
        member = view.member
        member_id = member.id if member is not None and member.id is not None else 0
        lookbook = self.t(locale, "catalog.lookbook_to", member=full_name(member)) if member else self.t(locale, "catalog.lookbook")
        extra = [[button(lookbook, SendLookbook(member_id))]] if _shows_new(view.listing) else []
        intro = self.t(locale, "catalog.home_for", member=full_name(member)) if member else None
        return self._listing(locale, view.listing, None, lambda v, k, p: CatalogList(v, k, p, member_id),
                             lambda product_id: CatalogProduct(product_id, member_id), extra, intro)

    def shop_listing(self, locale: str, view: ShopListing) -> Outgoing:
        intro = self.t(locale, "shop.home", brand=self.brand.name)
        return self._listing(locale, view.listing, view.member.tier, ShopList, ShopProduct, [], intro)

    def _listing(self, locale: str, listing: Listing, tier: str | None, page_data: Data, product_data: Data,
                 extra: list[list[dict[str, str]]], intro: str | None) -> Outgoing:
        view = listing.view
        if view.kind is ViewKind.HOME:
            return self._home(locale, listing, page_data, extra, intro)
        page = listing.page + 1
        if view.kind is ViewKind.SEARCH and not listing.items and listing.page == 0:
            return text(self.t(locale, "catalog.nothing_found", words=listing.title),
                        buttons=[[button(self.t(locale, "catalog.categories"), page_data(ViewKind.HOME.value, "", 0))]])
        titles = {ViewKind.NEW: ("catalog.title_new", {}), ViewKind.CATEGORY: ("catalog.title_category", {"category": listing.title}),
                  ViewKind.SEARCH: ("catalog.title_search", {"words": listing.title})}
        key, params = titles[view.kind]
        lines = [self.t(locale, key, total=listing.total, page=page, **params)]
        keyboard: list[list[dict[str, str]]] = []
        for n, item in enumerate(listing.items, start=listing.page * PAGE_SIZE + 1):
            assert item.product.id is not None
            name = shorten(item.product.name, NAME_IN_LIST)
            lines.append(self.t(locale, "catalog.line", n=n, name=name, price=price_text(item, tier, locale)))
            keyboard.append([button(f"{n}. {name}", product_data(item.product.id))])
        if not listing.pageable and listing.has_more:
            lines.append(self.t(locale, "catalog.first_only"))
        nav = []
        if listing.page > 0 and listing.pageable:
            nav.append(button(self.t(locale, "catalog.previous"), page_data(view.kind.value, view.key, listing.page - 1)))
        nav.append(button(self.t(locale, "catalog.categories"), page_data(ViewKind.HOME.value, "", 0)))
        if listing.has_more and listing.pageable:
            nav.append(button(self.t(locale, "catalog.next"), page_data(view.kind.value, view.key, listing.page + 1)))
        keyboard.append(nav)
        if view.kind is ViewKind.NEW:
            keyboard += extra
        return text("\n".join(lines), buttons=keyboard)

    def _home(self, locale: str, listing: Listing, page_data: Data, extra: list[list[dict[str, str]]],
              intro: str | None) -> Outgoing:
        if not listing.categories:
            return text(self.t(locale, "catalog.empty"))
        count = sum(count for _, count in listing.categories)
        keyboard: list[list[dict[str, str]]] = []
        if listing.new_count:
            keyboard.append([button(self.t(locale, "catalog.new_button", count=listing.new_count),
                                    page_data(ViewKind.NEW.value, "", 0))])
        row: list[dict[str, str]] = []
        for name, number in listing.categories:
            row.append(button(plain(self.t(locale, "catalog.category_button", category=name, count=number)),
                              page_data(ViewKind.CATEGORY.value, category_key(name), 0)))
            if len(row) == 2:
                keyboard.append(row)
                row = []
        if row:
            keyboard.append(row)
        return text(intro or self.t(locale, "catalog.home", count=count), buttons=keyboard + extra)

    # --- the associate's card and the member picker -----------------------------------------

    def staff_card(self, locale: str, view: StaffProduct) -> Outgoing:
        card, item = view.card, view.card.item
        product = item.product
        lines = [f"<b>{html.escape(product.name, quote=False)}</b>",
                 self.t(locale, "catalog.card_code", code=product.code, category=product.category),
                 self.t(locale, "catalog.card_price", price=price_text(item, None, locale))]
        tiers = [self.t(locale, "catalog.card_tier", tier=tier, price=price_text(item, tier, locale)) for tier in card.tiers]
        if tiers:
            lines.append(" · ".join(tiers))
        if product.description:
            lines.append(html.escape(shorten(product.description, DESCRIPTION), quote=False))
        lines.append(self.t(locale, "catalog.stock_title", store=card.store.name))
        one_size = self.t(locale, "catalog.one_size")
        stock = []
        for line in card.stock:
            where = [self.t(locale, "catalog.stock_line", variant=variant_label(line.variant, one_size), here=line.here)]
            where += [self.t(locale, "catalog.stock_elsewhere", store=store, count=count) for store, count in line.elsewhere]
            stock.append(" · ".join(where))
        caption = within(lines, stock, CAPTION, lambda rest: self.t(locale, "catalog.stock_more", count=rest))
        assert product.id is not None
        member = view.member
        if member is not None and member.id is not None:
            send = button(self.t(locale, "catalog.send_to", member=full_name(member)), SendPick(product.id, member.id))
        else:
            send = button(self.t(locale, "catalog.send"), SendPick(product.id, 0))
        return _photo_or_text(item, caption, [[send]])

    def recipients(self, locale: str, view: Recipients) -> Outgoing:
        page = view.page
        if not page.chats and page.page == 0:
            return text(self.t(locale, "catalog.no_members"))
        product_id = view.product.product.id if view.product is not None else 0
        assert product_id is not None
        if view.product is not None:
            title = self.t(locale, "catalog.choose", product=view.product.product.name)
        else:
            title = self.t(locale, "catalog.choose_lookbook")
        keyboard = []
        for chat in page.chats:
            member_id = chat.member.id
            assert member_id is not None
            data = SendPick(product_id, member_id) if view.product is not None else SendLookbook(member_id)
            keyboard.append([button(full_name(chat.member), data)])
        nav = []
        if page.page > 0:
            nav.append(button(self.t(locale, "catalog.previous"), ChooseRecipient(product_id, page.page - 1)))
        if page.has_more:
            nav.append(button(self.t(locale, "catalog.next"), ChooseRecipient(product_id, page.page + 1)))
        if nav:
            keyboard.append(nav)
        return text(title, buttons=keyboard)

    # --- the member's card, the lookbook -------------------------------------------------------

    def member_card(self, locale: str, card: MemberCard, head: str | None = None) -> Outgoing:
        item, product = card.item, card.item.product
        lines = [head] if head else []
        lines += [f"<b>{html.escape(product.name, quote=False)}</b>", html.escape(product.code, quote=False)]
        price, listed = price_text(item, card.tier, locale), price_text(item, None, locale)
        if card.tier and price != listed:
            lines.append(self.t(locale, "shop.member_price", price=price, tier=card.tier, list=listed))
        else:
            lines.append(self.t(locale, "shop.price", price=price))
        sizes, colours = sizes_and_colours(item)
        if sizes:
            lines.append(self.t(locale, "shop.sizes", sizes=", ".join(sizes)))
        if colours:
            lines.append(self.t(locale, "shop.colours", colours=", ".join(colours)))
        if card.in_stock and card.store is not None:
            lines.append(self.t(locale, "shop.in_stock", store=card.store.name))
        else:
            lines.append(self.t(locale, "shop.ask_stock"))
        optional = [html.escape(shorten(product.description, DESCRIPTION), quote=False)] if product.description else []
        assert product.id is not None
        return _photo_or_text(item, within(lines, optional, CAPTION), self.actions(locale, product.id))

    def actions(self, locale: str, product_id: int) -> list[list[dict[str, str]]]:
        """Buy, Ask and Reserve for pickup: the member's buttons on every card. Buy and Reserve
        start the checkout (one way to start it); Ask relays a question to the associate."""
        label = lambda key: self.t(locale, f"shop.button_{key}")
        return [[button(label("buy"), CheckoutStart(product_id, False)),
                 button(label("ask"), ShopAction(Intent.ASK.value, product_id))],
                [button(label("reserve"), CheckoutStart(product_id, True))]]

    def lookbook(self, locale: str, body: LookbookSent, persona: str) -> list[Outgoing]:
        """One album of the pictures (the persona, the title and a line per piece on the
        first), then the buttons, one per piece: an album cannot carry any."""
        tier = body.member.tier
        head = [persona, self.t(locale, "shop.lookbook_caption", store=body.store.name)]
        pieces = [self.t(locale, "catalog.line", n=n, name=shorten(item.product.name, NAME_IN_LIST), price=price_text(item, tier, locale))
                  for n, item in enumerate(body.items, start=1)]
        caption = within(head, pieces, CAPTION)
        keyboard = []
        for n, item in enumerate(body.items, start=1):
            assert item.product.id is not None
            keyboard.append([button(f"{n}. {item.product.name}", ShopProduct(item.product.id))])
        photos = [{"blob_id": item.image_blob_ids[0]} for item in body.items]
        if len(photos) == 1:
            first = Outgoing("sendPhoto", {"photo": photos[0], "caption": caption, "parse_mode": "HTML"})
        else:
            media = [{"type": "photo", "media": photo} for photo in photos]
            media[0] |= {"caption": caption, "parse_mode": "HTML"}
            first = Outgoing("sendMediaGroup", {"media": media})
        return [first, text(self.t(locale, "shop.lookbook_pick"), buttons=keyboard)]

    # --- a member's question, as their associate reads it -----------------------------------

    def interest(self, body: ProductInterest) -> Outgoing:
        locale = body.associate.locale
        item, product = body.item, body.item.product
        said = self.t(locale, f"catalog.interest_{body.intent.value}", product=product.name, code=product.code,
                      price=price_text(item, body.member.tier, locale))
        head = relay_header(self.catalog, locale, body.member, body.store, body.tags)
        assert body.member.id is not None
        outgoing = text(f"{head}\n{said}")
        return Outgoing(outgoing.method, {**outgoing.params, "reply_markup": member_buttons(self.catalog, locale, body.member.id)})

    def picked(self, locale: str, body: PickSent, persona: str) -> Outgoing:
        return self.member_card(locale, body.card, persona)


def _shows_new(listing: Listing) -> bool:
    """The lookbook is offered where the new arrivals are: home (if any) and their own page."""
    return (listing.view.kind is ViewKind.HOME and listing.new_count > 0) or (listing.view.kind is ViewKind.NEW and listing.total > 0)

