"""Who may act on what: one rule per fact, used by every action that checks ownership,
role or store.

Button data, replied-to message ids and typed ids are all the client's word, and a client
can forge them. Every use case that acts on a member, an escalation or a store's data
starts from the server's identity of the person and asks here, never decides inline.
"""

from __future__ import annotations

from dataclasses import dataclass

from commerce.bots import Role
from commerce.catalog import CatalogItem
from commerce.identity import Identity
from commerce.order_values import Order
from commerce.orders import Actor
from commerce.people import Associate, AssociateStatus, Link, Member, Store
from commerce.ports.uow import UnitOfWork


class NotYours(Exception):
    """No such member, or not this associate's member now: nothing about them is shown.
    Raised by `access_member`; some use cases return it as their refusal value."""


class NotAllowed(Exception):
    """The person's role does not allow the action (not a manager, not staff, not HQ)."""


def owns(associate: Associate, link: Link | None) -> bool:
    """The member is the associate's now: the current link, never the client's word. A
    deactivated associate owns nobody, whatever the links say."""
    return (link is not None and associate.id is not None and link.associate_id == associate.id
            and associate.status is AssociateStatus.ACTIVE)


async def access_member(uow: UnitOfWork, associate: Associate, member_id: int) -> Member:
    """The member, if they are the associate's own now; NotYours otherwise."""
    link = await uow.links.current(member_id)
    if not owns(associate, link):
        raise NotYours()
    member = await uow.members.get(member_id)
    if member is None:
        raise NotYours()
    return member


async def own_member(uow: UnitOfWork, associate: Associate, member_id: int) -> Member | NotYours:
    """`access_member` for callers that answer a refusal rather than stop."""
    try:
        return await access_member(uow, associate, member_id)
    except NotYours as refused:
        return refused


@dataclass(frozen=True, slots=True)
class Staff:
    """An active associate of the brand and their store, as the database knows them."""

    associate: Associate
    store: Store


def access_staff(who: Identity) -> Staff:
    """The person as an active associate; HQ operators, deactivated associates and
    strangers have no members and no store (NotAllowed)."""
    if who.role is not Role.ASSOCIATE or who.associate is None or who.store is None:
        raise NotAllowed()
    return Staff(who.associate, who.store)


def staff_chat(associate: Associate) -> int | None:
    """Where the staff bot may tell an associate about their members: their chat while they
    are active; a deactivated associate (or one never bound) hears nothing."""
    return associate.telegram_user_id if associate.status is AssociateStatus.ACTIVE else None


def is_manager(associate: Associate) -> bool:
    """A store manager sees their store's escalations; an inactive one sees nothing."""
    return associate.is_manager and associate.status is AssociateStatus.ACTIVE


def may_see_leaderboard(who: Identity) -> bool:
    """Associates see their standing, HQ the brand's; members and strangers nothing."""
    return who.role in (Role.ASSOCIATE, Role.HQ)


def sees_order(who: Identity, order: Order) -> bool:
    """A member sees their own orders; an active associate the orders attributed to them,
    and a store manager every order of their store; HQ every order of the brand."""
    if who.role is Role.MEMBER:
        return who.member is not None and who.member.id is not None and who.member.id == order.member_id
    if who.role is Role.ASSOCIATE:
        associate = who.associate
        if associate is None or associate.id is None or associate.status is not AssociateStatus.ACTIVE:
            return False
        return associate.id == order.associate_id or (is_manager(associate) and associate.store_id == order.store_id)
    if who.role is Role.HQ:
        return who.hq is not None and who.hq.brand_id == order.brand_id
    return False


def order_actor(who: Identity) -> tuple[Actor, int | None] | None:
    """Who acts on an order, as its events record them; strangers are nobody."""
    if who.role is Role.MEMBER and who.member is not None:
        return Actor.MEMBER, who.member.id
    if who.role is Role.ASSOCIATE and who.associate is not None:
        return Actor.ASSOCIATE, who.associate.id
    if who.role is Role.HQ and who.hq is not None:
        return Actor.HQ, who.hq.id
    return None


async def access_order(uow: UnitOfWork, who: Identity, order_id: int) -> Order:
    """The order, if the person may see it; NotYours otherwise (no such order looks the same)."""
    order = await uow.orders.get(order_id)
    if order is None or not sees_order(who, order):
        raise NotYours()
    return order


# --- the catalog in the chats: browsing, picks, a member's questions about a product ----------


def offers(item: CatalogItem | None, brand_id: int) -> bool:
    """A product a button names may be shown or sent only if it is the brand's and still
    offered (active, with an active variant): a forged id of another brand's product, or one
    taken off the catalog since, names nothing."""
    return item is not None and item.product.brand_id == brand_id and bool(item.offered)


def shopper(who: Identity) -> Member:
    """The person as a member of the brand, who may browse and ask about products; a guest
    (or an ex-member) has only the way to join (NotAllowed)."""
    if who.role is not Role.MEMBER or who.member is None:
        raise NotAllowed()
    return who.member
