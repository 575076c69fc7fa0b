"""The member's side of the catalog in the consumer bot: /catalog and /new to browse at their
tier's prices, a product's card, and Ask on any card (one their associate sent, or one they
found themselves).

Ask reaches the member's associate as a message of the member's, relayed like any other
(under the member's header, kept in the history, answered by replying to it, escalated if
nobody does), with the product named in it. A card's Buy and Reserve for pickup start the
member's checkout (commerce.checkout), not a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from commerce.access import NotAllowed, shopper
from commerce.bots import BotKind
from commerce.catalog import CatalogItem
from commerce.conversations import Direction, MessageKind
from commerce.identity import Identity, identify
from commerce.messages import Outbound, Postbox
from commerce.people import Associate, Member, Store
from commerce.picks import product_line
from commerce.ports.uow import UnitOfWork
from commerce.relay import (
    ChatPaused,
    Forward,
    NoAssociate,
    record_message,
    route_member_message,
)
from commerce.shelf import (
    Gone,
    Listing,
    MemberCard,
    View,
    browse,
    member_card,
    offered_item,
)
from commerce.workspace import header_tags

CONSUMER, ASSOCIATE = BotKind.CONSUMER, BotKind.ASSOCIATE


class Intent(StrEnum):
    """What a card's relayed button says of the member (Buy and Reserve start the checkout)."""

    ASK = "ask"  # the member wants to know more

    @property
    def marker(self) -> str:
        """How the history marks the member's question, in any language."""
        return {Intent.ASK: "❓"}[self]


@dataclass(frozen=True, slots=True)
class ProductInterest:
    """Body: the member's question for their associate, under the member's header, naming
    the product and the member's price."""

    member: Member
    associate: Associate
    store: Store
    item: CatalogItem
    intent: Intent
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShopListing:
    member: Member
    listing: Listing


@dataclass(frozen=True, slots=True)
class InterestPassed:
    """The associate has the member's question about the product."""

    associate: Associate
    item: CatalogItem
    intent: Intent


async def _shopper(uow: UnitOfWork, brand_id: int, telegram_user_id: int) -> Identity | NotAllowed:
    who = await identify(uow, CONSUMER, brand_id, telegram_user_id)
    try:
        shopper(who)
    except NotAllowed as refused:
        return refused
    return who


async def shop_listing(uow: UnitOfWork, brand_id: int, telegram_user_id: int, view: View,
                       page: int = 0) -> ShopListing | NotAllowed | Gone:
    """A page of the catalog for a member (the renderer prices it for their tier)."""
    who = await _shopper(uow, brand_id, telegram_user_id)
    if isinstance(who, NotAllowed):
        return who
    listing = await browse(uow, brand_id, view, page)
    assert who.member is not None
    return listing if isinstance(listing, Gone) else ShopListing(who.member, listing)


async def _member_store(uow: UnitOfWork, who: Identity) -> Store | None:
    """The store a member shops at: their associate's, else the one they enrolled at."""
    if who.store is not None and who.link is not None:
        return who.store
    member = who.member
    return await uow.stores.get(member.store_id) if member is not None and member.store_id is not None else None


async def shop_product(uow: UnitOfWork, brand_id: int, telegram_user_id: int, product_id: int) -> MemberCard | NotAllowed | Gone:
    """A product's card for a member: their tier's price, and whether their store has it."""
    who = await _shopper(uow, brand_id, telegram_user_id)
    if isinstance(who, NotAllowed):
        return who
    item = await offered_item(uow, brand_id, product_id)
    if isinstance(item, Gone):
        return item
    assert who.member is not None
    return await member_card(uow, item, who.member.tier, await _member_store(uow, who))


async def express_interest(uow: UnitOfWork, postbox: Postbox, brand_id: int, telegram_user_id: int, product_id: int,
                           intent: Intent, now: datetime) -> InterestPassed | NotAllowed | Gone | NoAssociate | ChatPaused:
    """Ask on a card: relayed to the member's associate as their message about the product
    (a reply to it reaches the member, as any relayed message)."""
    who = await _shopper(uow, brand_id, telegram_user_id)
    if isinstance(who, NotAllowed):
        return who
    item = await offered_item(uow, brand_id, product_id)
    if isinstance(item, Gone):
        return item
    member = who.member
    assert member is not None
    route = await route_member_message(uow, member, who)
    if not isinstance(route, Forward):
        return route
    associate = route.associate
    assert associate.telegram_user_id is not None
    tags = tuple(await header_tags(uow, member, who.tags))
    copy = await postbox.post(Outbound(ASSOCIATE, associate.telegram_user_id,
                                       ProductInterest(member, associate, route.store, item, intent, tags)))
    await record_message(uow, member=member, associate=associate, direction=Direction.IN, kind=MessageKind.PRODUCT,
                         text=f"{intent.marker} {product_line(item)}", source_message_id=None, relay_outbox_id=copy, now=now)
    return InterestPassed(associate, item, intent)
