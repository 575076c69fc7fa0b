"""The staff bot's typed fallback for an order's steps, `/order N STEP ...`, beside the order
card's buttons:

    /order 12 confirm
    /order 12 packed [COURIER TRACKING]
    /order 12 ship COURIER TRACKING [ETA]        ETA: 2026-11-24T18:00 (store time) or with an offset
    /order 12 eta ETA [COURIER TRACKING]
    /order 12 ready | delivered | picked_up
    /order 12 cancel REASON | refund REASON

Parsing is pure; the step itself goes through commerce.ordering (role, ownership and the
state machine decide) and is announced by commerce.order_notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from commerce.identity import Identity
from commerce.messages import Postbox
from commerce.order_moves import Details, Moved, StepRefusal
from commerce.order_moves import step as order_step
from commerce.order_notices import Invoicing, take_step
from commerce.ordering import (
    cancel_order,
    confirm_stock,
    hand_over,
    pack_order,
    ready_for_pickup,
    refund_order,
    set_eta,
)
from commerce.orders import Action
from commerce.ports.uow import UnitOfWork

MAX_DETAIL = 100  # characters of a courier's name or a tracking number
MAX_REASON = 500


class Step(StrEnum):
    CONFIRM = "confirm"  # in stock: hold it (and bill it, for an invoice order)
    PACKED = "packed"
    SHIP = "ship"  # out for delivery
    ETA = "eta"  # a new arrival time (and courier details)
    READY = "ready"  # ready for pickup
    DELIVERED = "delivered"
    PICKED_UP = "picked_up"
    CANCEL = "cancel"
    REFUND = "refund"


_ALIASES = {"pack": Step.PACKED, "shipped": Step.SHIP, "out": Step.SHIP, "deliver": Step.DELIVERED,
            "pickedup": Step.PICKED_UP, "picked-up": Step.PICKED_UP, "collected": Step.PICKED_UP,
            "cancelled": Step.CANCEL, "refunded": Step.REFUND, "confirmed": Step.CONFIRM}


_STEPS = frozenset(step.value for step in Step)


class Misread(StrEnum):
    """Why the command's words are not a step."""

    USAGE = "usage"  # no order number or no step
    UNKNOWN_STEP = "unknown_step"
    DETAILS_NEEDED = "details_needed"  # ship needs a courier and a tracking number
    BAD_ETA = "bad_eta"
    REASON_NEEDED = "reason_needed"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class StaffStep:
    order_id: int
    step: Step
    courier: str | None = None
    tracking_number: str | None = None
    eta: datetime | None = None
    reason: str | None = None


def read_order_command(words: str, timezone: str) -> StaffStep | Misread:
    """The words after /order; a naive ETA is read in `timezone` (the brand's)."""
    parts = words.split()
    if len(parts) < 2 or not parts[0].lstrip("#").isdigit() or len(parts[0]) > 18:
        return Misread.USAGE
    order_id = int(parts[0].lstrip("#"))
    word = parts[1].lower()
    step = _ALIASES.get(word) or (Step(word) if word in _STEPS else None)
    if step is None:
        return Misread.UNKNOWN_STEP
    rest = parts[2:]
    if step in (Step.CANCEL, Step.REFUND):
        reason = words.split(None, 2)[2].strip() if len(parts) > 2 else ""
        if step is Step.REFUND and not reason:
            return Misread.REASON_NEEDED
        if len(reason) > MAX_REASON:
            return Misread.TOO_LONG
        return StaffStep(order_id, step, reason=reason or None)
    if step is Step.ETA:
        if not rest:
            return Misread.BAD_ETA
        eta = read_eta(rest[0], timezone)
        if eta is None:
            return Misread.BAD_ETA
        return _with_courier(StaffStep(order_id, step, eta=eta), rest[1:])
    if step in (Step.SHIP, Step.PACKED):
        if step is Step.SHIP and len(rest) < 2:
            return Misread.DETAILS_NEEDED
        eta = read_eta(rest[2], timezone) if len(rest) > 2 else None
        if len(rest) > 2 and eta is None:
            return Misread.BAD_ETA
        return _with_courier(StaffStep(order_id, step, eta=eta), rest[:2])
    return StaffStep(order_id, step)


def _with_courier(step: StaffStep, words: list[str]) -> StaffStep | Misread:
    if not words:
        return step
    if len(words) < 2:
        return Misread.DETAILS_NEEDED
    if any(len(word) > MAX_DETAIL for word in words[:2]):
        return Misread.TOO_LONG
    return StaffStep(step.order_id, step.step, words[0], words[1], step.eta, step.reason)


def read_eta(text: str, timezone: str) -> datetime | None:
    """ISO 8601 ("2026-11-24T18:00", "2026-11-24T18:00+08:00", "...Z"); None if unreadable."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=ZoneInfo(timezone))


async def staff_order_step(uow: UnitOfWork, postbox: Postbox, who: Identity, command: StaffStep, now: datetime,
                           invoicing: Invoicing | None) -> Moved | StepRefusal:
    """The step for the associate (commerce.access decides whose order it is), announced."""
    order_id, c, kind = command.order_id, command, command.step
    if kind is Step.CONFIRM:
        moved = await confirm_stock(uow, who, order_id, now)
    elif kind is Step.PACKED:
        moved = await pack_order(uow, who, order_id, now, c.courier, c.tracking_number, c.eta)
    elif kind is Step.SHIP:
        moved = await _ship(uow, who, command, now)
    elif kind is Step.ETA:
        assert c.eta is not None
        moved = await set_eta(uow, who, order_id, c.eta, now, c.courier, c.tracking_number)
    elif kind is Step.READY:
        moved = await ready_for_pickup(uow, who, order_id, now)
    elif kind in (Step.DELIVERED, Step.PICKED_UP):
        moved = await hand_over(uow, who, order_id, now)
    elif kind is Step.CANCEL:
        moved = await cancel_order(uow, who, order_id, now, c.reason)
    else:
        moved = await refund_order(uow, who, order_id, c.reason or "", now)
    return await take_step(uow, postbox, moved, invoicing)


async def _ship(uow: UnitOfWork, who: Identity, c: StaffStep, now: datetime) -> Moved | StepRefusal:
    """Out for delivery, with the courier, the tracking number and the arrival time."""
    details = Details(courier=c.courier, tracking_number=c.tracking_number, eta=c.eta)
    return await order_step(uow, who, c.order_id, Action.SHIP, now, details=details)


