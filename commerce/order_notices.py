"""What an order's step tells people, at once and in the order lane (OutboxPurpose.ORDER:
the sender serves it with the conversations, never behind a campaign).

Whoever took a step (an associate's button or command, the brand's systems through the
HTTP API, a payment, the hold sweep) hands the Moved to `announce_step` in the same
transaction: the member hears of every step that matters to them, the order's associate
of steps they did not take themselves, and an order paid by invoice that was just
confirmed moves on to awaiting payment with its invoice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.access import NotYours, staff_chat
from commerce.bots import BotKind
from commerce.messages import Outbound, Postbox
from commerce.order_events import ExternalEvent, NotAnEvent, apply_external_event
from commerce.order_moves import SYSTEM, Moved, StepRefusal
from commerce.order_values import Order, Replayed
from commerce.ordering import request_payment
from commerce.orders import Action, Actor, OrderEvent, Payment
from commerce.outbox import OutboxPurpose
from commerce.payments import (
    Invoice,
    Item,
    PaidTooLate,
    invoice_for,
    order_items,
    pay_order,
)
from commerce.people import Associate, Member
from commerce.ports.uow import UnitOfWork

log = logging.getLogger("storelink.orders")

# The steps a member hears of. Placing and the associate's offer of another item have
# their own cards (the checkout's); the member's own answers are confirmed by those cards.
MEMBER_HEARS = frozenset({
    Action.CONFIRM, Action.ACCEPT_ALTERNATIVE, Action.REQUEST_PAYMENT, Action.PAY, Action.PACK, Action.SET_ETA,
    Action.SHIP, Action.READY, Action.DELIVER, Action.PICK_UP, Action.CANCEL, Action.DECLINE, Action.EXPIRE,
    Action.REFUND, Action.DECLINE_ALTERNATIVE,
})
# Who acts for the associate: of their own steps they need no notice.
_THE_ASSOCIATES = frozenset({Actor.ASSOCIATE})


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """A step of the member's order, for the member (a commerce.messages body)."""

    member: Member
    order: Order
    event: OrderEvent
    items: tuple[Item, ...]
    points: int = 0  # earned with this step (negative: taken back)
    invoice_follows: bool = False  # the invoice comes next, in its own message
    store_name: str | None = None  # where a pickup waits


@dataclass(frozen=True, slots=True)
class OrderStepNotice:
    """A step someone else took on an associate's order (the member, a payment, the
    brand's systems, a courier, the hold sweep), for that associate."""

    associate: Associate
    member: Member
    order: Order
    event: OrderEvent
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class PaymentTooLate:
    """Telegram took a payment for an order that had ended: the associate refunds it."""

    associate: Associate
    member: Member
    order: Order
    telegram_charge_id: str


@dataclass(frozen=True, slots=True)
class Invoicing:
    """How orders paid by invoice are billed (None where no provider token is set)."""

    key: bytes  # signs the invoice's payload (the current signing key)


async def announce_step(uow: UnitOfWork, postbox: Postbox, moved: Moved, *, invoicing: Invoicing | None) -> Moved:
    """Tell the member (and the associate, when someone else acted) of the step; an
    invoice order just confirmed is billed. Returns the order's last step."""
    order, event = moved.order, moved.event
    member = await uow.members.get(order.member_id)
    if member is None:
        return moved
    items = await order_items(uow, order)
    bill = (event.action in (Action.CONFIRM, Action.ACCEPT_ALTERNATIVE) and order.payment is Payment.INVOICE
            and invoicing is not None)
    if event.action in MEMBER_HEARS:
        store = await uow.stores.get(order.store_id) if event.action is Action.READY else None
        await _to_member(postbox, OrderUpdate(member, order, event, items, moved.points, invoice_follows=bill,
                                              store_name=store.name if store is not None else None))
    if event.actor not in _THE_ASSOCIATES:
        await tell_associate(uow, postbox, order, lambda a: OrderStepNotice(a, member, order, event, items))
    if not bill:
        if event.action in (Action.CONFIRM, Action.ACCEPT_ALTERNATIVE) and order.payment is Payment.INVOICE:
            log.warning("order %s is to be paid by invoice but no payment provider is configured", order.id)
        return moved
    assert invoicing is not None and order.id is not None
    billed = await request_payment(uow, SYSTEM, order.id, event.at)
    if not isinstance(billed, Moved):
        log.warning("order %s could not wait for payment: %s", order.id, getattr(billed, "message", billed))
        return moved
    invoice = await invoice_for(uow, billed.order, invoicing.key)
    if invoice is not None:
        await _to_member(postbox, invoice)
    return billed


async def tell_associate(uow: UnitOfWork, postbox: Postbox, order: Order, body: Callable[[Associate], object]) -> None:
    """`body(associate)` to the order's associate, if the staff bot may write to them."""
    associate = await uow.associates.get(order.associate_id) if order.associate_id is not None else None
    chat = staff_chat(associate) if associate is not None else None
    if associate is not None and chat is not None:
        await postbox.post(Outbound(BotKind.ASSOCIATE, chat, body(associate), OutboxPurpose.ORDER))


async def _to_member(postbox: Postbox, body: OrderUpdate | Invoice) -> None:
    # About their own order a member always hears (it is no marketing); the sender's
    # policy still drops messages to a member who blocked the bot.
    await postbox.post(Outbound(BotKind.CONSUMER, body.member.telegram_user_id, body, OutboxPurpose.ORDER))


# --- the use cases that take a step and tell people ---------------------------------------------


async def credit_payment(uow: UnitOfWork, postbox: Postbox, payment: PaymentIn, keys: Sequence[bytes], now: datetime,
                         invoicing: Invoicing | None) -> Moved | Replayed | NotYours | PaidTooLate:
    """A successful_payment: the order is paid once (a replay changes nothing and tells
    nobody); the member gets the receipt, the associate a notice. A payment for an order
    that ended meanwhile is not credited: the associate is told to refund it."""
    credited = await pay_order(uow, payment.payload, keys, payment.payer_telegram_id, payment.telegram_charge_id,
                               payment.provider_charge_id, payment.total_minor, payment.currency, now)
    if isinstance(credited, Moved):
        await announce_step(uow, postbox, credited, invoicing=invoicing)
    elif isinstance(credited, PaidTooLate):
        order = credited.order
        member = await uow.members.get(order.member_id)
        log.warning("order %s was paid after it ended (%s); it must be refunded", order.id, order.status)
        if member is not None:
            await tell_associate(uow, postbox, order, lambda a: PaymentTooLate(a, member, order, payment.telegram_charge_id))
    return credited


async def take_step(uow: UnitOfWork, postbox: Postbox, moved: Moved | StepRefusal,
                    invoicing: Invoicing | None) -> Moved | StepRefusal:
    """A step just taken (by any of commerce.ordering's use cases), announced."""
    if isinstance(moved, Moved):
        return await announce_step(uow, postbox, moved, invoicing=invoicing)
    return moved


async def take_external_event(uow: UnitOfWork, postbox: Postbox, order_id: int, event: ExternalEvent, now: datetime,
                              invoicing: Invoicing | None) -> Moved | StepRefusal | NotAnEvent | Applied:
    """An event from the brand's systems, applied once per event id and announced; a
    replay answers with the step the first delivery took (Applied), and tells nobody."""
    result = await apply_external_event(uow, order_id, event, now)
    if isinstance(result, Replayed):
        first = await uow.orders.event_by_key(order_id, f"api:{event.event_id}")
        return Applied(first) if first is not None else result
    if isinstance(result, Moved):
        return await announce_step(uow, postbox, result, invoicing=invoicing)
    return result


@dataclass(frozen=True, slots=True)
class Applied:
    """This event was applied before: the step it took then."""

    event: OrderEvent


@dataclass(frozen=True, slots=True)
class PaymentIn:
    """A successful_payment as Telegram reports it."""

    payload: str
    payer_telegram_id: int
    telegram_charge_id: str
    provider_charge_id: str | None
    total_minor: int
    currency: str
