"""The order's life as a pure state machine: which action moves an order from which status
to which, for which kind of order, and who may take it. No I/O: `decide` takes the order's
status and kind and returns the event to record, or a refusal that says why.

    pending_confirmation --confirm--> confirmed (stock held) --request_payment--> awaiting_payment
        --pay--> paid --pack--> packed --ship--> out_for_delivery --deliver--> delivered
                                      --ready--> ready_for_pickup --pick_up--> picked_up

Orders paid on delivery or at pickup skip awaiting_payment and paid: confirmed --pack-->
packed. Cancelling is possible until money is taken (and, for staff, an unpaid order that
was refused at the door or never collected); once money is taken only a refund ends the
order. cancelled and refunded are final. The README's "Orders" section has the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING_CONFIRMATION = "pending_confirmation"  # placed; the associate has not confirmed stock yet
    ALTERNATIVE_PROPOSED = "alternative_proposed"  # the associate offered another SKU (held); the member answers
    CONFIRMED = "confirmed"  # in stock and held for the member
    AWAITING_PAYMENT = "awaiting_payment"  # an invoice was sent; unpaid, the hold expires
    PAID = "paid"  # the invoice was paid
    PACKED = "packed"  # packed at the store (courier and tracking number when known)
    OUT_FOR_DELIVERY = "out_for_delivery"  # with the courier
    READY_FOR_PICKUP = "ready_for_pickup"  # waiting at the store's counter
    DELIVERED = "delivered"  # handed over at the address; the stock left the store
    PICKED_UP = "picked_up"  # collected at the store; the stock left the store
    CANCELLED = "cancelled"  # final: ended before any money was taken
    REFUNDED = "refunded"  # final: the money was given back


class Fulfilment(StrEnum):
    DELIVERY = "delivery"  # same-day delivery from the store
    PICKUP = "pickup"  # collected at the store
    EXPRESS = "express"  # sent by an express carrier


class Payment(StrEnum):
    INVOICE = "invoice"  # paid in the chat (Telegram invoice) before packing
    ON_DELIVERY = "on_delivery"  # paid to the courier
    AT_PICKUP = "at_pickup"  # paid at the store's counter


class Actor(StrEnum):
    MEMBER = "member"  # the member who placed the order
    ASSOCIATE = "associate"  # the associate it is attributed to, or their store's manager
    HQ = "hq"  # a brand head-office operator
    COURIER = "courier"  # a courier, through the brand's systems
    SYSTEM = "system"  # storelink itself: payments, invoices, expired holds
    API = "api"  # the brand's own systems through the HTTP API


class Action(StrEnum):
    PLACE = "place"  # the member placed the order (its first event, from no status)
    CONFIRM = "confirm"  # the associate confirms stock: it is held
    PROPOSE_ALTERNATIVE = "propose_alternative"  # the associate offers (and holds) another SKU
    ACCEPT_ALTERNATIVE = "accept_alternative"  # the member takes it
    DECLINE_ALTERNATIVE = "decline_alternative"  # the member does not: the order ends
    DECLINE = "decline"  # the associate cannot serve the order (a reason is required)
    REQUEST_PAYMENT = "request_payment"  # the invoice went out
    PAY = "pay"  # the invoice was paid
    PACK = "pack"  # packed, with courier and tracking number when known
    SET_ETA = "set_eta"  # a new estimated arrival or tracking details; the status stays
    SHIP = "ship"  # out for delivery
    READY = "ready"  # ready for pickup
    DELIVER = "deliver"  # delivered
    PICK_UP = "pick_up"  # picked up
    CANCEL = "cancel"  # ended before money was taken
    EXPIRE = "expire"  # the hold ran out while the member did not answer or pay
    REFUND = "refund"  # the money goes back (a reason is required)


class Why(StrEnum):
    """Why an action was refused."""

    NOT_NOW = "not_now"  # the order's status (or kind) does not allow it
    NOT_YOUR_ROLE = "not_your_role"  # allowed now, but not for this actor
    REASON_REQUIRED = "reason_required"  # declines, refunds and late cancellations say why


S = OrderStatus
FINAL = frozenset({S.CANCELLED, S.REFUNDED})
BEFORE_MONEY = frozenset({S.PENDING_CONFIRMATION, S.ALTERNATIVE_PROPOSED, S.CONFIRMED, S.AWAITING_PAYMENT})
ON_THE_WAY = frozenset({S.PACKED, S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP})
HANDED_OVER = frozenset({S.DELIVERED, S.PICKED_UP})
STAFF = frozenset({Actor.ASSOCIATE, Actor.HQ, Actor.API})
FIELD = frozenset({Actor.ASSOCIATE, Actor.COURIER, Actor.API})

Kind = Callable[[Payment, Fulfilment], bool]


def any_kind(payment: Payment, fulfilment: Fulfilment) -> bool:
    return True


def prepaid(payment: Payment, fulfilment: Fulfilment) -> bool:
    return payment is Payment.INVOICE


def unpaid(payment: Payment, fulfilment: Fulfilment) -> bool:
    return payment is not Payment.INVOICE


def shipped(payment: Payment, fulfilment: Fulfilment) -> bool:
    return fulfilment is not Fulfilment.PICKUP


def collected(payment: Payment, fulfilment: Fulfilment) -> bool:
    return fulfilment is Fulfilment.PICKUP


@dataclass(frozen=True, slots=True)
class Rule:
    """`action` moves an order of a kind `when` accepts from any of `sources` to `target`
    (None: the status stays), if taken by one of `actors`."""

    action: Action
    sources: frozenset[OrderStatus]
    target: OrderStatus | None
    actors: frozenset[Actor]
    when: Kind = any_kind
    needs_reason: bool = False


def _rule(action: Action, sources: set[OrderStatus] | frozenset[OrderStatus], target: OrderStatus | None,
          actors: set[Actor] | frozenset[Actor], when: Kind = any_kind, needs_reason: bool = False) -> Rule:
    return Rule(action, frozenset(sources), target, frozenset(actors), when, needs_reason)


A = Action
RULES: tuple[Rule, ...] = (
    _rule(A.CONFIRM, {S.PENDING_CONFIRMATION}, S.CONFIRMED, {Actor.ASSOCIATE}),
    _rule(A.PROPOSE_ALTERNATIVE, {S.PENDING_CONFIRMATION}, S.ALTERNATIVE_PROPOSED, {Actor.ASSOCIATE}),
    _rule(A.ACCEPT_ALTERNATIVE, {S.ALTERNATIVE_PROPOSED}, S.CONFIRMED, {Actor.MEMBER}),
    _rule(A.DECLINE_ALTERNATIVE, {S.ALTERNATIVE_PROPOSED}, S.CANCELLED, {Actor.MEMBER}),
    _rule(A.DECLINE, {S.PENDING_CONFIRMATION, S.ALTERNATIVE_PROPOSED}, S.CANCELLED, {Actor.ASSOCIATE},
          needs_reason=True),
    _rule(A.REQUEST_PAYMENT, {S.CONFIRMED}, S.AWAITING_PAYMENT, {Actor.SYSTEM, Actor.ASSOCIATE}, prepaid),
    _rule(A.PAY, {S.AWAITING_PAYMENT}, S.PAID, {Actor.SYSTEM, Actor.API}, prepaid),
    _rule(A.PACK, {S.PAID}, S.PACKED, FIELD, prepaid),
    _rule(A.PACK, {S.CONFIRMED}, S.PACKED, FIELD, unpaid),
    _rule(A.SET_ETA, {S.PACKED, S.OUT_FOR_DELIVERY}, None, FIELD, shipped),
    _rule(A.SHIP, {S.PACKED}, S.OUT_FOR_DELIVERY, FIELD, shipped),
    _rule(A.READY, {S.PACKED}, S.READY_FOR_PICKUP, {Actor.ASSOCIATE, Actor.API}, collected),
    _rule(A.DELIVER, {S.OUT_FOR_DELIVERY}, S.DELIVERED, FIELD, shipped),
    _rule(A.PICK_UP, {S.READY_FOR_PICKUP}, S.PICKED_UP, {Actor.ASSOCIATE, Actor.API}, collected),
    _rule(A.CANCEL, BEFORE_MONEY, S.CANCELLED, {Actor.MEMBER} | STAFF),
    # An unpaid order refused at the door or never collected: staff end it, with a reason.
    _rule(A.CANCEL, ON_THE_WAY, S.CANCELLED, STAFF | {Actor.COURIER}, unpaid, needs_reason=True),
    _rule(A.EXPIRE, {S.ALTERNATIVE_PROPOSED, S.CONFIRMED, S.AWAITING_PAYMENT}, S.CANCELLED, {Actor.SYSTEM}),
    _rule(A.REFUND, {S.PAID} | ON_THE_WAY, S.REFUNDED, STAFF, prepaid, needs_reason=True),
    _rule(A.REFUND, HANDED_OVER, S.REFUNDED, STAFF, needs_reason=True),
)


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One step of an order's life, as recorded: what, from which status to which, who
    (and their id: member, associate or HQ operator), when and why. `event_key` names an
    event from outside (a payment's charge id, the brand's event id): applied once."""

    action: Action
    from_status: OrderStatus | None
    to_status: OrderStatus
    actor: Actor
    at: datetime
    actor_id: int | None = None
    reason: str | None = None
    event_key: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """The action was not taken; nothing changed."""

    action: Action
    status: OrderStatus
    actor: Actor
    why: Why

    @property
    def message(self) -> str:
        if self.why is Why.NOT_YOUR_ROLE:
            return f"a {self.actor} cannot {self.action.replace('_', ' ')} an order"
        if self.why is Why.REASON_REQUIRED:
            return f"to {self.action.replace('_', ' ')} an order, say why"
        return f"an order that is {self.status.replace('_', ' ')} cannot be {_done(self.action)}"


_DONE = {
    A.PLACE: "placed", A.CONFIRM: "confirmed", A.PROPOSE_ALTERNATIVE: "offered another item",
    A.ACCEPT_ALTERNATIVE: "switched to the other item", A.DECLINE_ALTERNATIVE: "ended over the other item",
    A.DECLINE: "declined", A.REQUEST_PAYMENT: "invoiced", A.PAY: "paid", A.PACK: "packed",
    A.SET_ETA: "given an arrival time", A.SHIP: "sent out", A.READY: "made ready for pickup",
    A.DELIVER: "delivered", A.PICK_UP: "picked up", A.CANCEL: "cancelled", A.EXPIRE: "expired",
    A.REFUND: "refunded",
}


def _done(action: Action) -> str:
    return _DONE[action]


def rules_for(action: Action, status: OrderStatus, payment: Payment, fulfilment: Fulfilment) -> list[Rule]:
    return [rule for rule in RULES
            if rule.action is action and status in rule.sources and rule.when(payment, fulfilment)]


def decide(status: OrderStatus, payment: Payment, fulfilment: Fulfilment, action: Action, actor: Actor, at: datetime,
           *, actor_id: int | None = None, reason: str | None = None, event_key: str | None = None
           ) -> OrderEvent | Refused:
    """The event `action` by `actor` makes on an order in `status` of this kind, or why not."""
    rules = rules_for(action, status, payment, fulfilment)
    if not rules:
        return Refused(action, status, actor, Why.NOT_NOW)
    rule = next((rule for rule in rules if actor in rule.actors), None)
    if rule is None:
        return Refused(action, status, actor, Why.NOT_YOUR_ROLE)
    reason = (reason or "").strip() or None
    if rule.needs_reason and reason is None:
        return Refused(action, status, actor, Why.REASON_REQUIRED)
    return OrderEvent(action, status, rule.target or status, actor, at, actor_id, reason, event_key)


def allowed_actions(status: OrderStatus, payment: Payment, fulfilment: Fulfilment, actor: Actor) -> list[Action]:
    """What this actor may do to the order now (the buttons an order card shows)."""
    return [action for action in Action if action is not A.PLACE
            and any(actor in rule.actors for rule in rules_for(action, status, payment, fulfilment))]


def reachable(payment: Payment, fulfilment: Fulfilment) -> frozenset[OrderStatus]:
    """Every status an order of this kind can ever be in."""
    seen, todo = {S.PENDING_CONFIRMATION}, [S.PENDING_CONFIRMATION]
    while todo:
        status = todo.pop()
        for rule in RULES:
            if status in rule.sources and rule.when(payment, fulfilment) and rule.target not in seen | {None}:
                assert rule.target is not None
                seen.add(rule.target)
                todo.append(rule.target)
    return frozenset(seen)


def compatible(payment: Payment, fulfilment: Fulfilment) -> bool:
    """Paying at pickup needs a pickup; paying on delivery needs a delivery."""
    if payment is Payment.AT_PICKUP:
        return fulfilment is Fulfilment.PICKUP
    if payment is Payment.ON_DELIVERY:
        return fulfilment is not Fulfilment.PICKUP
    return True
