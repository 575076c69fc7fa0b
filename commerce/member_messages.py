"""A member writes in the consumer bot: the message reaches their associate (or the member
hears why not), and an edit follows the copy.

One transaction holds it all: the copy for the associate (under a header naming the
member, their tier, store and tags), the history row that names the copy, an album item
held until its album is complete, and the member's auto-reply when their associate is
away or off duty.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from commerce.album_relay import (
    edit_album_item,
    first_of_album,
    hold_album_item,
    recaption_held_item,
)
from commerce.availability import Available, auto_reply_for, presence
from commerce.bots import BotKind, Role
from commerce.checkout import take_into_checkout
from commerce.checkout_values import Typed
from commerce.conversations import Direction, MessageKind
from commerce.geo import Place
from commerce.identity import Identity, identify
from commerce.membership import attach_phone
from commerce.messages import (
    AutoReplied,
    CopyEdited,
    Incoming,
    NoAssociateHere,
    Outbound,
    PhonePromptClosed,
    Postbox,
    RelayedIn,
    Said,
)
from commerce.people import Associate, Brand, Member, Store
from commerce.ports.uow import UnitOfWork
from commerce.relay import (
    ChatPaused,
    EditCopy,
    Forward,
    InboundRoute,
    record_message,
    route_member_edit,
    route_member_message,
)
from commerce.workspace import header_tags

CONSUMER, ASSOCIATE = BotKind.CONSUMER, BotKind.ASSOCIATE


class TakenByCheckout:
    """The member's message went to their open checkout, not to their associate."""


async def relay_member_message(uow: UnitOfWork, postbox: Postbox, member: Member, incoming: Incoming, brand_id: int,
                               now: datetime, known: Identity | None = None, *,
                               pay_in_chat: bool = False) -> InboundRoute | TakenByCheckout:
    """A member's message: to their associate, or a polite word why not. `known`, the
    member's identity read in this transaction, spares reading their link again;
    `pay_in_chat`: orders are paid by invoice (for a checkout that takes the message)."""
    known = known if known is not None and known.member is not None and known.member.id == member.id else None
    # The one rule between the relay and checkout: an open checkout waiting for typing (a
    # name and phone, an address or a location) takes the member's message; /cancel or its
    # Cancel button leaves it. The identity query says whether one waits: no extra read.
    waits = known is not None and known.typing_until is not None and known.typing_until > now
    if waits and await take_into_checkout(uow, postbox, known, incoming.chat_id, incoming.locale,  # type: ignore[arg-type]
                                          typed_of(incoming), now, pay_in_chat=pay_in_chat):
        return TakenByCheckout()
    route = await route_member_message(uow, member, known)
    if not isinstance(route, Forward):
        if await first_of_album(postbox, incoming):  # an album hears it once, not once per item
            body = Said(incoming.locale, "relay.chat_paused") if isinstance(route, ChatPaused) else NoAssociateHere(incoming.locale)
            await postbox.post(Outbound(CONSUMER, incoming.chat_id, body))
        return route
    associate, store = route.associate, route.store
    if not await hold_album_item(uow, postbox, incoming, member, associate, Direction.IN, now):  # else: relayed with its album
        assert associate.telegram_user_id is not None
        tags = await header_tags(uow, member, known.tags if known else None)
        copy = await postbox.post(Outbound(ASSOCIATE, associate.telegram_user_id,
                                           RelayedIn(member, associate, store, incoming.content, tags)))
        await record_message(uow, member=member, associate=associate, direction=Direction.IN, kind=incoming.content.kind,
                             text=incoming.content.text, source_message_id=incoming.message_id, relay_outbox_id=copy, now=now)
    await _auto_reply(uow, postbox, member, associate, store, incoming, brand_id, now, known)
    return route


async def relay_member_text(uow: UnitOfWork, postbox: Postbox, member: Member, incoming: Incoming, brand_id: int,
                            now: datetime, phone_skip: str, known: Identity | None = None, *,
                            pay_in_chat: bool = False) -> None:
    """A member's text. The phone prompt's "Not now" button (`phone_skip`, its label in the
    member's language) sends its label as text: that closes the prompt and is for nobody
    else; any other text is for their associate."""
    if (incoming.content.text or "").strip() == phone_skip:
        await postbox.post(Outbound(CONSUMER, incoming.chat_id, PhonePromptClosed(incoming.locale, "enroll.phone_skipped")))
        return
    await relay_member_message(uow, postbox, member, incoming, brand_id, now, known, pay_in_chat=pay_in_chat)


def typed_of(incoming: Incoming) -> Typed:
    """A message as a checkout takes it: text, or a shared place (anything else is neither)."""
    content = incoming.content
    if content.kind is MessageKind.LOCATION and content.card is not None:
        return Typed(place=Place(float(content.card["latitude"]), float(content.card["longitude"])))
    return Typed(text=content.text if content.kind is MessageKind.TEXT else None)


class ContactShared(StrEnum):
    PHONE_KEPT = "phone_kept"  # the sender's own card: their phone is on file now
    NOT_A_MEMBER = "not_a_member"  # the sender's own card, but they are not a member
    NOT_YOURS = "not_yours"  # someone else's card while the phone prompt is open: refused
    RELAYED = "relayed"  # someone else's card, for the member's associate
    CHECKOUT = "checkout"  # the sender's own card, for their checkout asking who receives the order


async def share_contact(uow: UnitOfWork, postbox: Postbox, brand: Brand, sender_id: int, contact_user_id: int | None,
                        phone: str, incoming: Incoming, now: datetime, *, pay_in_chat: bool = False) -> ContactShared:
    """A shared contact becomes the member's phone only if it is the sender's own: a person
    can share anyone's card. Until the member's own phone is on file the bot's phone prompt
    is open, so someone else's card answers it (and is refused); after, it is a card for
    their associate. The number is never logged."""
    assert brand.id is not None
    who = await identify(uow, CONSUMER, brand.id, sender_id)
    if contact_user_id == sender_id and who.typing_until is not None and who.typing_until > now:
        card = incoming.content.card or {}
        typed = Typed(contact=(" ".join(filter(None, [card.get("first_name"), card.get("last_name")])), phone))
        if await take_into_checkout(uow, postbox, who, incoming.chat_id, incoming.locale, typed, now,
                                    pay_in_chat=pay_in_chat):
            return ContactShared.CHECKOUT
    if contact_user_id == sender_id:
        member = await attach_phone(uow, brand, sender_id, phone, now)
        return ContactShared.PHONE_KEPT if member is not None else ContactShared.NOT_A_MEMBER
    if who.role is Role.MEMBER and who.member is not None and who.member.phone is not None:
        await relay_member_message(uow, postbox, who.member, incoming, brand.id, now, who, pay_in_chat=pay_in_chat)
        return ContactShared.RELAYED
    return ContactShared.NOT_YOURS


async def _auto_reply(uow: UnitOfWork, postbox: Postbox, member: Member, associate: Associate, store: Store,
                      incoming: Incoming, brand_id: int, now: datetime, known: Identity | None) -> None:
    """Away or off duty: the member is told once per the brand's window, not per message
    (nor per album item)."""
    assert associate.id is not None
    if known is not None and known.associate is not None and known.associate.id == associate.id:
        availability = known.availability
    else:
        availability = await uow.availability.get(associate.id)
    # Most messages reach an associate at work, which the availability row alone tells.
    # The brand's window (HQ may change it any time) is read only when a reply may be due.
    if isinstance(presence(availability, store, now), Available):
        return
    brand = await uow.brands.get(brand_id)
    reply = await auto_reply_for(uow, brand, member, associate, store, now) if brand is not None else None
    if reply is not None:
        await postbox.post(Outbound(CONSUMER, incoming.chat_id, AutoReplied(incoming.locale, reply, now)))


async def relay_member_edit(uow: UnitOfWork, postbox: Postbox, member: Member, edited: Incoming, now: datetime) -> None:
    """A member edited a message: the associate's copy is edited, header kept; the edit is history."""
    if await recaption_held_item(uow, member, edited, now):
        return  # its album is not relayed yet: it goes out with the new caption
    edit = await route_member_edit(uow, member, edited.message_id)
    if edit is None or await edit_album_item(uow, postbox, edit, edited, Direction.IN, now):
        return
    await edit_copy(uow, postbox, edit, edited, Direction.IN, now)


async def edit_copy(uow: UnitOfWork, postbox: Postbox, edit: EditCopy, edited: Incoming, direction: Direction,
                    now: datetime) -> None:
    """Queue the edit behind the copy in the same chat (so it is sent after it) and keep it."""
    copy = await uow.outbox.get(edit.original.relay_outbox_id) if edit.original.relay_outbox_id is not None else None
    if copy is None:
        return
    inbound = direction is Direction.IN
    new_text = edited.content.text  # the text, or the caption of the edited media
    tags = await header_tags(uow, edit.member) if inbound else []
    body = CopyEdited(inbound, edit.member, edit.associate, edit.store, edit.original.kind, new_text, copy, tags)
    outbox_id = await postbox.post(Outbound(copy.bot, copy.chat_id, body))
    await record_message(uow, member=edit.member, associate=edit.associate, direction=direction, kind=MessageKind.EDIT,
                         text=new_text, source_message_id=edited.message_id, relay_outbox_id=outbox_id, now=now)
