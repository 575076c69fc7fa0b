"""Orders as the domain sees them, and the one change a use case asks storage to make to an
order atomically (OrderChange): its transition, checked against the version it read, with
the stock it holds or lets go and the points it earns or loses.

Money is an integer in the currency's minor unit (fen, cents).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from commerce.orders import Fulfilment, OrderEvent, OrderStatus, Payment


@dataclass(frozen=True, slots=True)
class OrderLine:
    variant_id: int
    quantity: int
    list_price_minor: int  # the SKU's list price when the order was placed
    unit_price_minor: int  # what the member pays for one (the member price of their tier, if any)
    proposed_variant_id: int | None = None  # another SKU the associate offers instead (held)
    id: int | None = None

    @property
    def amount_minor(self) -> int:
        return self.unit_price_minor * self.quantity


@dataclass(frozen=True, slots=True)
class Delivery:
    """Who receives the order and where. The phone is never logged."""

    contact_name: str | None = None
    phone: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Order:
    brand_id: int
    member_id: int
    associate_id: int | None  # the member's associate when the order was placed (kept if they switch)
    store_id: int  # the store that holds the stock and fulfils
    status: OrderStatus
    fulfilment: Fulfilment
    payment: Payment
    currency: str  # ISO 4217
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    created_at: datetime
    updated_at: datetime
    lines: tuple[OrderLine, ...] = ()
    delivery: Delivery = field(default_factory=Delivery)
    coupon_id: int | None = None  # the enrollment reward it redeemed
    courier: str | None = None
    tracking_number: str | None = None
    eta: datetime | None = None
    hold_expires_at: datetime | None = None
    telegram_charge_id: str | None = None
    provider_charge_id: str | None = None
    campaign_id: int | None = None
    version: int = 1  # every transition bumps it
    id: int | None = None


@dataclass(frozen=True, slots=True)
class StockHold:
    order_id: int
    store_id: int
    variant_id: int
    quantity: int
    created_at: datetime
    expires_at: datetime | None = None  # None: held until the order is handed over or ends
    released_at: datetime | None = None  # set once, when the units went back to stock or left it
    id: int | None = None


class PointsReason(StrEnum):
    EARNED = "earned"  # an order was handed over
    REVERSED = "reversed"  # that order was refunded


@dataclass(frozen=True, slots=True)
class PointsEntry:
    member_id: int
    delta: int
    reason: PointsReason
    at: datetime
    order_id: int | None = None


@dataclass(frozen=True, slots=True)
class HoldRequest:
    """Hold `quantity` units of a SKU in a store, if that many are free."""

    store_id: int
    variant_id: int
    quantity: int
    expires_at: datetime | None


class HoldFate(StrEnum):
    """What a transition does to the order's open holds."""

    RELEASE = "release"  # the units are free again (cancelled, declined, expired, refunded before handover)
    CONSUME = "consume"  # the units left the store (delivered, picked up): on hand and held both drop
    PIN = "pin"  # the holds stop expiring (paid, or packed for payment at the door)


@dataclass(frozen=True, slots=True)
class LineUpdate:
    """A line's SKU and prices after an alternative was proposed or accepted."""

    line_id: int
    variant_id: int
    list_price_minor: int
    unit_price_minor: int
    proposed_variant_id: int | None


# The order columns a change may set besides its status (anything else is fixed at placing).
CHANGEABLE = frozenset({"courier", "tracking_number", "eta", "hold_expires_at", "telegram_charge_id",
                        "provider_charge_id", "subtotal_minor", "discount_minor", "total_minor"})


@dataclass(frozen=True, slots=True)
class OrderChange:
    """Everything one transition writes, applied all or nothing: the order moves only if it
    is still at `expected_version`; the new holds are taken only if the stock is free."""

    order_id: int
    expected_version: int
    event: OrderEvent
    fields: Mapping[str, object] = field(default_factory=dict)  # names from CHANGEABLE
    take: tuple[HoldRequest, ...] = ()
    holds: HoldFate | None = None  # applied to the holds open before this change
    lines: tuple[LineUpdate, ...] = ()
    points: tuple[PointsEntry, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.fields) - CHANGEABLE
        if unknown:
            raise ValueError(f"an order change cannot set {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class Applied:
    version: int  # the order's version after the change


@dataclass(frozen=True, slots=True)
class Stale:
    """Another transition changed the order first; nothing was written."""

    message: str = "the order changed meanwhile: look at it again"


@dataclass(frozen=True, slots=True)
class OutOfStock:
    """The store has fewer free units of the SKU than asked; nothing was written."""

    variant_id: int
    message: str = "not enough stock to hold"


@dataclass(frozen=True, slots=True)
class Replayed:
    """An event with this key was applied before; nothing was written."""

    event_key: str
    message: str = "this event was applied already"


ChangeOutcome = Applied | Stale | OutOfStock | Replayed


@dataclass(frozen=True, slots=True)
class PricedVariant:
    """A SKU on sale, as an order prices it: list price, and the member price of one tier."""

    variant_id: int
    sku: str
    product_name: str
    currency: str
    list_price_minor: int
    member_price_minor: int | None  # None: the tier has no price of its own

    @property
    def unit_price_minor(self) -> int:
        return self.list_price_minor if self.member_price_minor is None else self.member_price_minor
