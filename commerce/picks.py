"""An associate's picks: a product card, or a small lookbook of the new arrivals, sent from
the catalog into one of their own members' chat, under the associate's persona and priced
for that member's tier. Each is kept in the conversation's history like a relayed message
(so /history shows what was sent, and a delivery problem is told to the associate).

Every id comes from a button: the member is re-checked against the current link, the
product against the associate's brand and the catalog as it is now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce import lengths
from commerce.access import NotYours, Staff, own_member
from commerce.bots import BotKind
from commerce.catalog import CatalogItem
from commerce.chats import ChatListPage, chats_page
from commerce.conversations import Direction, MessageKind
from commerce.messages import Outbound, Postbox
from commerce.people import Associate, Member, Store
from commerce.ports.uow import UnitOfWork
from commerce.relay import MemberPaused, record_message
from commerce.shelf import (
    Gone,
    Listing,
    MemberCard,
    StaffCard,
    View,
    browse,
    member_card,
    offered_item,
    staff_card,
)

CONSUMER = BotKind.CONSUMER
LOOKBOOK_SIZE = lengths.MEDIA_GROUP  # pictures in one lookbook: one album


# --- bodies: what the member receives ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PickSent:
    """A product card in the member's chat, under their associate's persona, with Buy, Ask
    and Reserve for pickup."""

    member: Member
    associate: Associate
    store: Store
    card: MemberCard


@dataclass(frozen=True, slots=True)
class LookbookSent:
    """The new arrivals as one album (a picture each, the persona and a caption on the
    first), then a message with a button per product."""

    member: Member
    associate: Associate
    store: Store
    items: Sequence[CatalogItem]  # each with a picture, at most LOOKBOOK_SIZE


# --- results for the associate ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Picked:
    member: Member
    item: CatalogItem


@dataclass(frozen=True, slots=True)
class LookbookPicked:
    member: Member
    count: int


@dataclass(frozen=True, slots=True)
class NothingNew:
    """No new arrival has a picture: there is no lookbook to send."""


@dataclass(frozen=True, slots=True)
class Recipients:
    """The associate's own members to choose from (as /chats lists them), for a product
    (`product`) or the lookbook (None)."""

    product: CatalogItem | None
    page: ChatListPage


async def choose_recipient(uow: UnitOfWork, staff: Staff, product_id: int | None, page: int) -> Recipients | Gone:
    """A page of the associate's current members to send the product (or the lookbook) to."""
    item = None
    if product_id is not None:
        found = await offered_item(uow, staff.store.brand_id, product_id)
        if isinstance(found, Gone):
            return found
        item = found
    return Recipients(item, await chats_page(uow, staff.associate, page))


async def _recipient(uow: UnitOfWork, staff: Staff, member_id: int) -> Member | NotYours | MemberPaused:
    member = await own_member(uow, staff.associate, member_id)
    if isinstance(member, NotYours):
        return member
    if not member.consent_chat:  # the member paused the chat: nothing from their associate reaches them
        return MemberPaused(member)
    return member


async def send_pick(uow: UnitOfWork, postbox: Postbox, staff: Staff, member_id: int, product_id: int,
                    now: datetime) -> Picked | NotYours | MemberPaused | Gone:
    """The product's card goes to the associate's own member, priced for the member's tier
    and saying whether the associate's store has it; the history keeps "code · name"."""
    member = await _recipient(uow, staff, member_id)
    if not isinstance(member, Member):
        return member
    item = await offered_item(uow, staff.store.brand_id, product_id)
    if isinstance(item, Gone):
        return item
    card = await member_card(uow, item, member.tier, staff.store)
    copy = await postbox.post(Outbound(CONSUMER, member.telegram_user_id, PickSent(member, staff.associate, staff.store, card)))
    await record_message(uow, member=member, associate=staff.associate, direction=Direction.OUT, kind=MessageKind.PRODUCT,
                         text=product_line(item), source_message_id=None, relay_outbox_id=copy, now=now)
    return Picked(member, item)


async def send_lookbook(uow: UnitOfWork, postbox: Postbox, staff: Staff, member_id: int,
                        now: datetime) -> LookbookPicked | NotYours | MemberPaused | NothingNew:
    """The newest arrivals that have a picture, up to one album, to the associate's own member."""
    member = await _recipient(uow, staff, member_id)
    if not isinstance(member, Member):
        return member
    newest = await uow.catalog.browse(staff.store.brand_id, new_only=True, limit=LOOKBOOK_SIZE * 3)
    items = [item for item in newest.items if item.image_blob_ids][:LOOKBOOK_SIZE]
    if not items:
        return NothingNew()
    copy = await postbox.post(Outbound(CONSUMER, member.telegram_user_id, LookbookSent(member, staff.associate, staff.store, items)))
    await record_message(uow, member=member, associate=staff.associate, direction=Direction.OUT, kind=MessageKind.LOOKBOOK,
                         text="; ".join(product_line(item) for item in items), source_message_id=None,
                         relay_outbox_id=copy, now=now)
    return LookbookPicked(member, len(items))


def product_line(item: CatalogItem) -> str:
    """How the history names a product: its code and name ("SC-101 · Cashmere scarf")."""
    return f"{item.product.code} · {item.product.name}"


# --- the associate's /catalog: browsing, with a member chosen beforehand or not -------------------


@dataclass(frozen=True, slots=True)
class StaffListing:
    listing: Listing
    member: Member | None  # chosen from the member's profile: the cards offer to send to them


@dataclass(frozen=True, slots=True)
class StaffProduct:
    card: StaffCard
    member: Member | None


async def _chosen(uow: UnitOfWork, staff: Staff, member_id: int | None) -> Member | None | NotYours:
    return None if member_id is None else await own_member(uow, staff.associate, member_id)


async def staff_listing(uow: UnitOfWork, staff: Staff, view: View, page: int,
                        member_id: int | None = None) -> StaffListing | NotYours | Gone:
    """A page of the catalog for an associate; a member named by the button must be theirs."""
    member = await _chosen(uow, staff, member_id)
    if isinstance(member, NotYours):
        return member
    listing = await browse(uow, staff.store.brand_id, view, page)
    return listing if isinstance(listing, Gone) else StaffListing(listing, member)


async def staff_product(uow: UnitOfWork, staff: Staff, product_id: int,
                        member_id: int | None = None) -> StaffProduct | NotYours | Gone:
    """A product's card for an associate: every price, stock here and in the other stores."""
    member = await _chosen(uow, staff, member_id)
    if isinstance(member, NotYours):
        return member
    card = await staff_card(uow, staff.store.brand_id, staff.store, product_id)
    return card if isinstance(card, Gone) else StaffProduct(card, member)
