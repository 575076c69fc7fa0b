"""Orders as people see them in the chats: the associate's order card and its buttons
(confirm stock, propose another SKU, decline with a reason), the member's answer to a
proposal, /orders for both, and /points for members. Every action re-checks, on the server,
that the person may see the order (commerce.access.access_order) and that their role may
take the step (the state machine). Each step is announced the one way every step is
(commerce.order_notices.take_step): the member hears it as from /order or the brand's
systems, and an invoice order just confirmed is billed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from commerce.access import NotYours, access_order
from commerce.bots import Role
from commerce.catalog import CatalogItem, Variant
from commerce.identity import Identity
from commerce.messages import Postbox
from commerce.order_moves import DEFAULT_POLICY, Moved, StepRefusal
from commerce.order_notices import Invoicing, take_step
from commerce.order_values import Order
from commerce.ordering import (
    accept_other_sku,
    confirm_stock,
    decline_order,
    decline_other_sku,
    propose_other_sku,
)
from commerce.orders import OrderStatus
from commerce.people import Associate, Member, Store
from commerce.ports.uow import UnitOfWork

S = OrderStatus
PAGE = 5  # a member's orders per page
DECLINE_REASONS = ("out_of_stock", "discontinued", "cannot_deliver")  # preset reasons, by catalog key


class Lane(StrEnum):
    """The associate's pipeline, by what the order waits for."""

    CONFIRM = "confirm"  # needs the associate's stock check
    MEMBER = "member"  # waits for the member: a proposal, a payment
    PACK = "pack"  # confirmed (or paid): to pack
    ON_THE_WAY = "on_the_way"  # packed or out for delivery
    PICKUP = "pickup"  # ready for pickup at the store


LANES: dict[Lane, frozenset[OrderStatus]] = {
    Lane.CONFIRM: frozenset({S.PENDING_CONFIRMATION}),
    Lane.MEMBER: frozenset({S.ALTERNATIVE_PROPOSED, S.AWAITING_PAYMENT}),
    Lane.PACK: frozenset({S.CONFIRMED, S.PAID}),
    Lane.ON_THE_WAY: frozenset({S.PACKED, S.OUT_FOR_DELIVERY}),
    Lane.PICKUP: frozenset({S.READY_FOR_PICKUP}),
}


@dataclass(frozen=True, slots=True)
class CardLine:
    product_name: str
    variant: Variant | None
    quantity: int
    list_price_minor: int
    unit_price_minor: int
    proposed: Variant | None = None  # the SKU the associate offers instead


@dataclass(frozen=True, slots=True)
class OrderCard:
    """An order with what its card names: the member, the products of its lines."""

    order: Order
    member: Member
    lines: tuple[CardLine, ...]
    alternatives: tuple[Variant, ...] = ()  # other offered SKUs of the first line's product (to propose)
    store: Store | None = None  # the store that fulfils

    @property
    def store_name(self) -> str:
        return self.store.name if self.store is not None else ""


@dataclass(frozen=True, slots=True)
class Stepped:
    """A step taken on an order: its card now, and the step."""

    card: OrderCard
    moved: Moved
    associate: Associate | None  # the order's associate (for the member's answers)


@dataclass(frozen=True, slots=True)
class Pipeline:
    lanes: tuple[tuple[Lane, tuple[OrderCard, ...]], ...]


@dataclass(frozen=True, slots=True)
class MemberOrders:
    cards: tuple[OrderCard, ...]
    page: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class PointsView:
    balance: int
    tier: str | None
    spend_minor: int  # over the tiers' window
    currency: str | None  # of the member's orders; None before the first
    next_tier: str | None
    to_next_minor: int | None


async def order_card(uow: UnitOfWork, order: Order) -> OrderCard:
    member = await uow.members.get(order.member_id)
    assert member is not None
    lines = []
    first_item: CatalogItem | None = None
    for line in order.lines:
        variant = await uow.catalog.variant(line.variant_id)
        item = await uow.catalog.item(variant.product_id) if variant is not None else None
        first_item = first_item or item
        proposed = await uow.catalog.variant(line.proposed_variant_id) if line.proposed_variant_id is not None else None
        lines.append(CardLine(item.product.name if item is not None else "?", variant, line.quantity,
                              line.list_price_minor, line.unit_price_minor, proposed))
    taken = {line.variant_id for line in order.lines}
    alternatives = tuple(v for v in first_item.offered if v.id not in taken) if first_item is not None else ()
    return OrderCard(order, member, tuple(lines), alternatives, await uow.stores.get(order.store_id))


async def show_order(uow: UnitOfWork, who: Identity, order_id: int) -> OrderCard | NotYours:
    try:
        return await order_card(uow, await access_order(uow, who, order_id))
    except NotYours as refused:
        return refused


async def _stepped(uow: UnitOfWork, postbox: Postbox, moved: Moved | StepRefusal,
                   invoicing: Invoicing | None) -> Stepped | StepRefusal:
    """The step announced (the member told, an invoice order billed), and the card as it is
    now: after the billing that may follow the step, while `moved` stays the step taken."""
    announced = await take_step(uow, postbox, moved, invoicing)
    if not isinstance(announced, Moved) or not isinstance(moved, Moved):
        return announced
    order = announced.order
    associate = await uow.associates.get(order.associate_id) if order.associate_id is not None else None
    return Stepped(await order_card(uow, order), moved, associate)


async def confirm(uow: UnitOfWork, postbox: Postbox, who: Identity, order_id: int, now: datetime,
                  invoicing: Invoicing | None) -> Stepped | StepRefusal:
    """The associate has it in stock: held for the member (and billed, for an invoice order)."""
    return await _stepped(uow, postbox, await confirm_stock(uow, who, order_id, now, DEFAULT_POLICY), invoicing)


async def propose(uow: UnitOfWork, postbox: Postbox, who: Identity, order_id: int, variant_id: int, now: datetime,
                  invoicing: Invoicing | None) -> Stepped | StepRefusal:
    """The associate offers another SKU of the product, held for the member to answer (the
    offer itself, with its Accept and Decline, is the member's card: the caller sends it)."""
    return await _stepped(uow, postbox, await propose_other_sku(uow, who, order_id, variant_id, now), invoicing)


async def decline(uow: UnitOfWork, postbox: Postbox, who: Identity, order_id: int, reason: str, now: datetime,
                  invoicing: Invoicing | None) -> Stepped | StepRefusal:
    """The associate cannot serve it; `reason` is one of DECLINE_REASONS (said to the member)."""
    return await _stepped(uow, postbox, await decline_order(uow, who, order_id, reason, now), invoicing)


async def answer_proposal(uow: UnitOfWork, postbox: Postbox, who: Identity, order_id: int, accept: bool, now: datetime,
                          invoicing: Invoicing | None) -> Stepped | StepRefusal:
    """The member takes the other SKU (held, and billed for an invoice order), or does not
    (the order ends); the associate hears it as any step someone else took."""
    step = accept_other_sku(uow, who, order_id, now) if accept else decline_other_sku(uow, who, order_id, now)
    return await _stepped(uow, postbox, await step, invoicing)


async def member_orders(uow: UnitOfWork, who: Identity, page: int) -> MemberOrders | None:
    """A member's orders, newest first, a page at a time; None for anyone else."""
    member = who.member
    if who.role is not Role.MEMBER or member is None or member.id is None:
        return None
    page = max(0, page)
    orders = await uow.orders.of_member(member.id, (page + 1) * PAGE + 1)
    shown = orders[page * PAGE:(page + 1) * PAGE]
    return MemberOrders(tuple([await order_card(uow, order) for order in shown]), page, len(orders) > (page + 1) * PAGE)


async def pipeline(uow: UnitOfWork, who: Identity) -> Pipeline | None:
    """An active associate's open orders by lane, oldest first; None for anyone else."""
    associate = who.associate
    if who.role is not Role.ASSOCIATE or associate is None or associate.id is None:
        return None
    everything = frozenset().union(*LANES.values())
    orders = await uow.orders.of_associate(associate.id, everything)
    cards = [await order_card(uow, order) for order in orders]
    return Pipeline(tuple((lane, tuple(c for c in cards if c.order.status in statuses)) for lane, statuses in LANES.items()))


async def points_of(uow: UnitOfWork, who: Identity, now: datetime) -> PointsView | None:
    """A member's points, tier and spend toward the next tier; None for anyone else."""
    member = who.member
    if who.role is not Role.MEMBER or member is None or member.id is None:
        return None
    tiers = DEFAULT_POLICY.tiers
    balance = await uow.orders.points_balance(member.id)
    spend = await uow.orders.spend_since(member.id, now - tiers.window)
    latest: Sequence[Order] = await uow.orders.of_member(member.id, 1)
    ahead = [(name, least) for name, least in tiers.steps if least > spend]
    next_tier, to_next = (ahead[0][0], ahead[0][1] - spend) if ahead else (None, None)
    return PointsView(balance, member.tier, spend, latest[0].currency if latest else None, next_tier, to_next)
