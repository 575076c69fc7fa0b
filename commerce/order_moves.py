"""One step of an order, the way every order use case takes it: decide with the state
machine, turn the decision into one OrderChange (what the action does to holds, lines,
points and fields), apply it against the version that was read, and report the outcome.

What an action does besides moving the status:
    confirm            holds each line's units (expiring if an invoice is to be paid)
    propose_alternative holds the other SKU's units (expiring: the member has to answer)
    accept_alternative the line becomes the other SKU, priced for the member; totals follow
    decline*, cancel, expire, refund   open holds go back to stock
    pay, pack          the holds stop expiring
    deliver, pick_up   the held units leave the store; points are earned, the tier follows
    refund             earned points are taken back, the tier follows
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from commerce.access import NotYours, access_order, order_actor
from commerce.identity import Identity
from commerce.order_values import (
    HoldFate,
    HoldRequest,
    LineUpdate,
    Order,
    OrderChange,
    OutOfStock,
    Replayed,
    Stale,
)
from commerce.orders import Action, Actor, OrderEvent, Payment, Refused, decide
from commerce.points import TierThresholds, earned, reversal
from commerce.ports.uow import UnitOfWork
from commerce.pricing import priced_variant
from commerce.shop_policy import DEFAULT_SHOP_POLICY, ShopPolicy, shop_policy


@dataclass(frozen=True, slots=True)
class Party:
    """Who takes a step that no person's identity vouches for: storelink itself, or the
    brand's systems (or their courier) authenticated by the API's token."""

    actor: Actor
    id: int | None = None


SYSTEM = Party(Actor.SYSTEM)


@dataclass(frozen=True, slots=True)
class Details:
    """What a step may carry beyond its reason."""

    courier: str | None = None
    tracking_number: str | None = None
    eta: datetime | None = None
    telegram_charge_id: str | None = None
    provider_charge_id: str | None = None


# The brand's order policies (commerce.shop_policy). DEFAULT_POLICY, the use cases' default
# argument, stands for "the order's brand's own": step() reads them from the brand file's
# `shop:` section (its defaults where there is none); any other Policy is used as given.
Policy = ShopPolicy
DEFAULT_POLICY, NO_DETAILS = DEFAULT_SHOP_POLICY, Details()


@dataclass(frozen=True, slots=True)
class Moved:
    """The step was taken: the order as it is now and the event recorded."""

    order: Order
    event: OrderEvent
    points: int = 0  # points the member earned (or lost, negative) with this step
    tier: str | None = None  # the member's new tier, when this step changed it


@dataclass(frozen=True, slots=True)
class AlternativeUnavailable:
    """The SKU proposed instead is not on sale to this member; nothing changed."""

    variant_id: int
    message: str = "that item is not available"


StepRefusal = Refused | Stale | OutOfStock | Replayed | NotYours | AlternativeUnavailable


async def resolve(uow: UnitOfWork, by: Identity | Party, order_id: int) -> tuple[Party, Order] | NotYours:
    """The order and who acts on it: a person only on an order they may see."""
    if isinstance(by, Party):
        order = await uow.orders.get(order_id)
        return (by, order) if order is not None else NotYours()
    actor = order_actor(by)
    if actor is None:
        return NotYours()
    try:
        return Party(*actor), await access_order(uow, by, order_id)
    except NotYours as refused:
        return refused


async def step(uow: UnitOfWork, by: Identity | Party, order_id: int, action: Action, now: datetime, *,
               reason: str | None = None, event_key: str | None = None, details: Details = NO_DETAILS,
               policy: Policy = DEFAULT_POLICY, alternative: int | None = None) -> Moved | StepRefusal:
    """Take `action` on the order for `by`; a refusal writes nothing."""
    resolved = await resolve(uow, by, order_id)
    if isinstance(resolved, NotYours):
        return resolved
    party, order = resolved
    assert order.id is not None
    if policy is DEFAULT_POLICY:
        policy = await shop_policy(uow, order.brand_id)
    decided = decide(order.status, order.payment, order.fulfilment, action, party.actor, now,
                     actor_id=party.id, reason=reason, event_key=event_key)
    if isinstance(decided, Refused):
        return decided
    change = await _change(uow, order, decided, details, policy, alternative)
    if not isinstance(change, OrderChange):
        return change
    outcome = await uow.orders.apply(change)
    if isinstance(outcome, Stale | OutOfStock | Replayed):
        return outcome
    moved = await uow.orders.get(order.id)
    assert moved is not None
    points = sum(entry.delta for entry in change.points)
    tier = await _follow_tier(uow, moved, policy.tiers, now) if action in _SPEND_CHANGES else None
    return Moved(moved, decided, points, tier)


_SPEND_CHANGES = {Action.DELIVER, Action.PICK_UP, Action.REFUND}
_RELEASING = {Action.DECLINE, Action.DECLINE_ALTERNATIVE, Action.CANCEL, Action.EXPIRE, Action.REFUND}


async def _change(uow: UnitOfWork, order: Order, event: OrderEvent, details: Details, policy: Policy,
                  alternative: int | None) -> OrderChange | AlternativeUnavailable:
    assert order.id is not None
    expiring = event.at + policy.hold_for
    fields: dict[str, Any] = {name: value for name, value in (
        ("courier", details.courier), ("tracking_number", details.tracking_number), ("eta", details.eta))
        if value is not None}
    change = OrderChange(order.id, order.version, event)
    action = event.action
    if action is Action.CONFIRM:
        until = expiring if order.payment is Payment.INVOICE else None
        take = tuple(HoldRequest(order.store_id, line.variant_id, line.quantity, until) for line in order.lines)
        return replace(change, take=take, fields={"hold_expires_at": until})
    if action is Action.PROPOSE_ALTERNATIVE:
        return await _proposal(uow, order, change, alternative, expiring)
    if action is Action.ACCEPT_ALTERNATIVE:
        return await _acceptance(uow, order, change)
    if action in _RELEASING:
        points = reversal(await uow.orders.points_of_order(order.id), event.at) if action is Action.REFUND else ()
        return replace(change, holds=HoldFate.RELEASE, points=points, fields={"hold_expires_at": None})
    if action is Action.PAY:
        fields |= {"telegram_charge_id": details.telegram_charge_id, "provider_charge_id": details.provider_charge_id}
    if action in (Action.PAY, Action.PACK):
        return replace(change, holds=HoldFate.PIN, fields=fields | {"hold_expires_at": None})
    if action in (Action.DELIVER, Action.PICK_UP):
        return replace(change, holds=HoldFate.CONSUME, points=earned(order, policy.points, event.at), fields=fields)
    return replace(change, fields=fields)


async def _proposal(uow: UnitOfWork, order: Order, change: OrderChange, variant_id: int | None,
                    expiring: datetime) -> OrderChange | AlternativeUnavailable:
    # One line is offered another SKU (a single-line order's only line).
    member = await uow.members.get(order.member_id)
    priced = None if variant_id is None or member is None else await priced_variant(
        uow, order.brand_id, variant_id, member.tier)
    if priced is None or priced.currency != order.currency:
        return AlternativeUnavailable(variant_id or 0)
    line = order.lines[0]
    assert line.id is not None
    update = LineUpdate(line.id, line.variant_id, line.list_price_minor, line.unit_price_minor, priced.variant_id)
    take = (HoldRequest(order.store_id, priced.variant_id, line.quantity, expiring),)
    return replace(change, take=take, lines=(update,), fields={"hold_expires_at": expiring})


async def _acceptance(uow: UnitOfWork, order: Order, change: OrderChange) -> OrderChange | AlternativeUnavailable:
    member = await uow.members.get(order.member_id)
    line = order.lines[0]
    assert line.id is not None and line.proposed_variant_id is not None and member is not None
    priced = await priced_variant(uow, order.brand_id, line.proposed_variant_id, member.tier)
    if priced is None:
        return AlternativeUnavailable(line.proposed_variant_id)
    update = LineUpdate(line.id, priced.variant_id, priced.list_price_minor, priced.unit_price_minor, None)
    lines = [update if other.id == line.id else other for other in order.lines]
    subtotal = sum(item.unit_price_minor * other.quantity for item, other in zip(lines, order.lines, strict=True))
    coupon = next((c for c in await uow.rewards.coupons_of(order.member_id) if c.id == order.coupon_id), None)
    discount = reward_discount(subtotal, coupon.percent_off) if coupon is not None else 0
    until = order.hold_expires_at if order.payment is Payment.INVOICE else None
    fields = {"subtotal_minor": subtotal, "discount_minor": discount, "total_minor": subtotal - discount,
              "hold_expires_at": until}
    # The hold taken with the proposal stays, and keeps expiring only while an invoice is to be paid.
    return replace(change, lines=(update,), fields=fields, holds=None if until else HoldFate.PIN)


async def _follow_tier(uow: UnitOfWork, order: Order, tiers: TierThresholds, now: datetime) -> str | None:
    member = await uow.members.get(order.member_id)
    if member is None:
        return None
    spend = await uow.orders.spend_since(order.member_id, now - tiers.window)
    tier = tiers.next_tier(member.tier, spend)
    if tier == member.tier:
        return None
    member.tier = tier
    await uow.members.update(member)
    return tier


def reward_discount(subtotal_minor: int, percent_off: int) -> int:
    """The enrollment reward's discount, rounded down to the minor unit."""
    return subtotal_minor * percent_off // 100
