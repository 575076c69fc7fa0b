"""Placing an order and the people's steps on it, one use case per intent. Each takes the
person's identity as the server knows it (never the client's word for whose order it is),
the unit of work and the time, and returns the step taken (Moved) or why not; a refusal
writes nothing. Sending the member and the associate their cards is the caller's part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from commerce.bots import Role
from commerce.identity import Identity
from commerce.order_moves import (
    DEFAULT_POLICY,
    Details,
    Moved,
    Party,
    Policy,
    StepRefusal,
    reward_discount,
    step,
)
from commerce.order_values import Delivery, Order, OrderLine
from commerce.orders import (
    Action,
    Actor,
    Fulfilment,
    OrderEvent,
    OrderStatus,
    Payment,
    compatible,
)
from commerce.people import AssociateStatus
from commerce.ports.uow import UnitOfWork
from commerce.pricing import priced_variant
from commerce.rewards import usable_reward
from commerce.shop_policy import shop_policy, within_same_day_radius

MAX_QUANTITY = 99
_CONTACT_LIMITS = {"contact_name": 200, "phone": 32, "address": 1000}


class Problem(StrEnum):
    """Why an order was not placed."""

    NOT_A_MEMBER = "not_a_member"  # only members order
    UNKNOWN_ITEM = "unknown_item"  # no such SKU on sale
    BAD_QUANTITY = "bad_quantity"  # 1 to MAX_QUANTITY
    PAYMENT_DOES_NOT_FIT = "payment_does_not_fit"  # paying at pickup needs a pickup, on delivery a delivery
    ADDRESS_NEEDED = "address_needed"  # a delivery needs an address or a location
    CONTACT_TOO_LONG = "contact_too_long"  # a name, phone or address longer than we keep
    NO_STORE = "no_store"  # the member has neither an associate nor a store to order from
    NO_REWARD = "no_reward"  # no unused, unexpired enrollment reward to apply
    REWARD_USED = "reward_used"  # another checkout redeemed it first
    OUT_OF_RANGE = "out_of_range"  # a same-day delivery to a shared location beyond the brand's radius from the store


@dataclass(frozen=True, slots=True)
class NotPlaced:
    problem: Problem


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the member chose at checkout."""

    variant_id: int
    quantity: int
    fulfilment: Fulfilment
    payment: Payment
    delivery: Delivery = field(default_factory=Delivery)
    use_reward: bool = False  # apply the enrollment reward


async def place_order(uow: UnitOfWork, who: Identity, request: OrderRequest, now: datetime) -> Moved | NotPlaced:
    """The member's order, pending the associate's stock check, attributed to the member's
    associate now and fulfilled by their store; priced at the member price of their tier;
    with the enrollment reward if asked for and still valid (redeemed by one order only,
    even when two checkouts race)."""
    member = who.member
    if who.role is not Role.MEMBER or member is None or member.id is None:
        return NotPlaced(Problem.NOT_A_MEMBER)
    problem = _check(request)
    if problem is not None:
        return NotPlaced(problem)
    priced = await priced_variant(uow, member.brand_id, request.variant_id, member.tier)
    if priced is None:
        return NotPlaced(Problem.UNKNOWN_ITEM)
    associate_id, store_id = await _attribution(uow, member.id, member.store_id)
    if store_id is None:
        return NotPlaced(Problem.NO_STORE)
    if request.fulfilment is Fulfilment.DELIVERY:
        store = await uow.stores.get(store_id)
        radius = (await shop_policy(uow, member.brand_id)).same_day_radius_km
        if store is not None and not within_same_day_radius(store, request.delivery, radius):
            return NotPlaced(Problem.OUT_OF_RANGE)
    coupon = None
    if request.use_reward:
        coupon = usable_reward(await uow.rewards.coupons_of(member.id), now)
        if coupon is None:
            return NotPlaced(Problem.NO_REWARD)
    subtotal = priced.unit_price_minor * request.quantity
    discount = reward_discount(subtotal, coupon.percent_off) if coupon is not None else 0
    # The last check is the first write: the reward's conditional redemption.
    if coupon is not None and not await uow.orders.redeem_coupon(coupon.id, member.id, now):  # type: ignore[arg-type]
        return NotPlaced(Problem.REWARD_USED)
    order = Order(
        brand_id=member.brand_id, member_id=member.id, associate_id=associate_id, store_id=store_id,
        status=OrderStatus.PENDING_CONFIRMATION, fulfilment=request.fulfilment, payment=request.payment,
        currency=priced.currency, subtotal_minor=subtotal, discount_minor=discount, total_minor=subtotal - discount,
        created_at=now, updated_at=now, delivery=request.delivery,
        coupon_id=coupon.id if coupon is not None else None,
        lines=(OrderLine(priced.variant_id, request.quantity, priced.list_price_minor, priced.unit_price_minor),))
    event = OrderEvent(Action.PLACE, None, OrderStatus.PENDING_CONFIRMATION, Actor.MEMBER, now, member.id)
    return Moved(await uow.orders.place(order, event), event)


def _check(request: OrderRequest) -> Problem | None:
    if not 1 <= request.quantity <= MAX_QUANTITY:
        return Problem.BAD_QUANTITY
    if not compatible(request.payment, request.fulfilment):
        return Problem.PAYMENT_DOES_NOT_FIT
    delivery = request.delivery
    if any(len(getattr(delivery, name) or "") > limit for name, limit in _CONTACT_LIMITS.items()):
        return Problem.CONTACT_TOO_LONG
    located = delivery.latitude is not None and delivery.longitude is not None
    if request.fulfilment is not Fulfilment.PICKUP and not (delivery.address or "").strip() and not located:
        return Problem.ADDRESS_NEEDED
    return None


async def _attribution(uow: UnitOfWork, member_id: int, member_store_id: int | None) -> tuple[int | None, int | None]:
    """The member's associate now (if active) and the store that fulfils: that associate's,
    or, for a member without one, the store they enrolled at."""
    link = await uow.links.current(member_id)
    associate = await uow.associates.get(link.associate_id) if link is not None else None
    if associate is None:
        return None, member_store_id
    active = associate.status is AssociateStatus.ACTIVE
    return (associate.id if active else None), associate.store_id



# --- the associate's and the member's steps --------------------------------------------


async def confirm_stock(uow: UnitOfWork, who: Identity, order_id: int, now: datetime,
                        policy: Policy = DEFAULT_POLICY) -> Moved | StepRefusal:
    """The associate has it: the units are held (OutOfStock if the store has too few free)."""
    return await step(uow, who, order_id, Action.CONFIRM, now, policy=policy)


async def propose_other_sku(uow: UnitOfWork, who: Identity, order_id: int, variant_id: int, now: datetime,
                            reason: str | None = None, policy: Policy = DEFAULT_POLICY) -> Moved | StepRefusal:
    """The associate offers another SKU (another size, colour) and holds it for the member."""
    return await step(uow, who, order_id, Action.PROPOSE_ALTERNATIVE, now, reason=reason, policy=policy,
                      alternative=variant_id)


async def accept_other_sku(uow: UnitOfWork, who: Identity, order_id: int, now: datetime) -> Moved | StepRefusal:
    return await step(uow, who, order_id, Action.ACCEPT_ALTERNATIVE, now)


async def decline_other_sku(uow: UnitOfWork, who: Identity, order_id: int, now: datetime,
                            reason: str | None = None) -> Moved | StepRefusal:
    return await step(uow, who, order_id, Action.DECLINE_ALTERNATIVE, now, reason=reason)


async def decline_order(uow: UnitOfWork, who: Identity, order_id: int, reason: str, now: datetime) -> Moved | StepRefusal:
    """The associate cannot serve the order, and says why."""
    return await step(uow, who, order_id, Action.DECLINE, now, reason=reason)


async def cancel_order(uow: UnitOfWork, by: Identity | Party, order_id: int, now: datetime,
                       reason: str | None = None) -> Moved | StepRefusal:
    return await step(uow, by, order_id, Action.CANCEL, now, reason=reason)


async def refund_order(uow: UnitOfWork, by: Identity | Party, order_id: int, reason: str, now: datetime,
                       policy: Policy = DEFAULT_POLICY) -> Moved | StepRefusal:
    """Money back, with who and why; stock not yet handed over is free again, points
    earned are taken back."""
    return await step(uow, by, order_id, Action.REFUND, now, reason=reason, policy=policy)


async def request_payment(uow: UnitOfWork, by: Identity | Party, order_id: int, now: datetime) -> Moved | StepRefusal:
    """The invoice went out: the order waits for payment (its hold keeps expiring)."""
    return await step(uow, by, order_id, Action.REQUEST_PAYMENT, now)


async def pack_order(uow: UnitOfWork, by: Identity | Party, order_id: int, now: datetime,
                     courier: str | None = None, tracking_number: str | None = None,
                     eta: datetime | None = None) -> Moved | StepRefusal:
    return await step(uow, by, order_id, Action.PACK, now,
                      details=Details(courier=courier, tracking_number=tracking_number, eta=eta))


async def set_eta(uow: UnitOfWork, by: Identity | Party, order_id: int, eta: datetime, now: datetime,
                  courier: str | None = None, tracking_number: str | None = None) -> Moved | StepRefusal:
    return await step(uow, by, order_id, Action.SET_ETA, now,
                      details=Details(courier=courier, tracking_number=tracking_number, eta=eta))


async def send_out(uow: UnitOfWork, by: Identity | Party, order_id: int, now: datetime,
                   eta: datetime | None = None) -> Moved | StepRefusal:
    return await step(uow, by, order_id, Action.SHIP, now, details=Details(eta=eta))


async def ready_for_pickup(uow: UnitOfWork, by: Identity | Party, order_id: int, now: datetime) -> Moved | StepRefusal:
    return await step(uow, by, order_id, Action.READY, now)


async def hand_over(uow: UnitOfWork, by: Identity | Party, order_id: int, now: datetime,
                    policy: Policy = DEFAULT_POLICY) -> Moved | StepRefusal:
    """Delivered at the address or picked up at the store (whichever the order is): the
    units leave the store's stock and the member earns the order's points."""
    order = await uow.orders.get(order_id)
    action = Action.PICK_UP if order is not None and order.fulfilment is Fulfilment.PICKUP else Action.DELIVER
    return await step(uow, by, order_id, action, now, policy=policy)
