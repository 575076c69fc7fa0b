"""Steps that come from outside a chat: a Telegram payment, the brand's own systems through
the HTTP API, and holds that ran out. Each is idempotent: the same payment or event
delivered twice is applied once (its key is unique per order), and the sweep releases an
expired hold once, whichever process runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.access import NotYours
from commerce.order_moves import (
    DEFAULT_POLICY,
    SYSTEM,
    Details,
    Moved,
    Party,
    Policy,
    StepRefusal,
    step,
)
from commerce.order_values import Replayed, Stale
from commerce.orders import Action, Actor
from commerce.ports.uow import UnitOfWork

# What the brand's systems may ask for; the state machine still says whether the actor may.
API_ACTIONS = frozenset({Action.PAY, Action.PACK, Action.SET_ETA, Action.SHIP, Action.READY, Action.DELIVER,
                         Action.PICK_UP, Action.CANCEL, Action.REFUND})
MAX_EVENT_ID = 100  # characters of an event id (the key column holds 128 with its prefix)


@dataclass(frozen=True, slots=True)
class WrongAmount:
    """The payment does not match the order's total or currency; nothing was recorded."""

    message: str = "the payment does not match the order"


@dataclass(frozen=True, slots=True)
class NotAnEvent:
    """The brand's request names no action we take from outside, or an unusable event id."""

    message: str


async def record_payment(uow: UnitOfWork, order_id: int, telegram_charge_id: str, provider_charge_id: str | None,
                         amount_minor: int, currency: str, now: datetime) -> Moved | StepRefusal | WrongAmount:
    """Telegram's successful_payment: the order is paid, once per charge id (a redelivered
    update is Replayed). Its holds stop expiring."""
    key = f"telegram:{telegram_charge_id}"
    order = await uow.orders.get(order_id)
    if order is None:
        return NotYours()
    if order.telegram_charge_id == telegram_charge_id or await uow.orders.event_by_key(order_id, key) is not None:
        return Replayed(key)
    if amount_minor != order.total_minor or currency.upper() != order.currency.upper():
        return WrongAmount()
    details = Details(telegram_charge_id=telegram_charge_id, provider_charge_id=provider_charge_id)
    moved = await step(uow, SYSTEM, order_id, Action.PAY, now, event_key=key, details=details)
    return await _replayed_if_raced(uow, order_id, key, moved)


@dataclass(frozen=True, slots=True)
class ExternalEvent:
    """One event the brand's systems post for an order."""

    event_id: str  # theirs, unique per order: a repeat is applied once
    action: Action
    actor: Actor = Actor.API  # API, or COURIER for a courier's scan
    reason: str | None = None
    courier: str | None = None
    tracking_number: str | None = None
    eta: datetime | None = None


async def apply_external_event(uow: UnitOfWork, order_id: int, event: ExternalEvent, now: datetime,
                               policy: Policy = DEFAULT_POLICY) -> Moved | StepRefusal | NotAnEvent:
    """An event from the brand's systems (authenticated by the caller): applied once per
    event id; an illegal one is refused with the reason and changes nothing."""
    if event.action not in API_ACTIONS or event.actor not in (Actor.API, Actor.COURIER):
        return NotAnEvent(f"{event.actor} cannot post {event.action} events")
    if not event.event_id.strip() or len(event.event_id) > MAX_EVENT_ID:
        return NotAnEvent(f"an event id has 1 to {MAX_EVENT_ID} characters")
    key = f"api:{event.event_id}"
    if await uow.orders.event_by_key(order_id, key) is not None:
        return Replayed(key)
    details = Details(courier=event.courier, tracking_number=event.tracking_number, eta=event.eta)
    moved = await step(uow, Party(event.actor), order_id, event.action, now, reason=event.reason, event_key=key,
                       details=details, policy=policy)
    return await _replayed_if_raced(uow, order_id, key, moved)


async def _replayed_if_raced(uow: UnitOfWork, order_id: int, key: str,
                             moved: Moved | StepRefusal) -> Moved | StepRefusal:
    # Two deliveries of one event at once: the one that lost the order's version finds
    # the winner's event (committed by now) and is a replay, not a conflict.
    if isinstance(moved, Stale) and await uow.orders.event_by_key(order_id, key) is not None:
        return Replayed(key)
    return moved


async def due_expiries(uow: UnitOfWork, now: datetime, limit: int = 100) -> Sequence[int]:
    """Orders whose held stock ran out of time at `now`."""
    return await uow.orders.expiring(now, limit)


async def expire_hold(uow: UnitOfWork, order_id: int, now: datetime) -> Moved | StepRefusal:
    """The member did not answer or pay in time: the order ends and its stock is free
    again. Refused (nothing written) when the order moved on meanwhile: a payment that
    arrived first stops the hold from expiring."""
    holds = await uow.orders.holds(order_id)
    if not any(h.released_at is None and h.expires_at is not None and h.expires_at <= now for h in holds):
        return Stale("the hold no longer expires")
    return await step(uow, SYSTEM, order_id, Action.EXPIRE, now, reason="the hold expired")
