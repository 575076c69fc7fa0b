"""What the member's checkout shows and answers, as values: the step's view (CheckoutView with
the member's options and totals), why a checkout is over (Shut), the order it placed
(OrderPlaced), what a member typed or shared (Typed), and how an order placed in the chat is
paid. The use cases that produce them are in commerce.checkout."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from commerce.catalog import CatalogItem, Variant
from commerce.checkout_steps import (
    TYPED,
    Checkout,
    Hitch,
    Step,
    has_back,
    quantity_limit,
)
from commerce.geo import Place
from commerce.order_values import Order
from commerce.orders import Fulfilment, Payment
from commerce.people import Associate, Member, Store


class Closed(StrEnum):
    STALE = "stale"  # not the member's open checkout, or not its current step: an old button
    EXPIRED = "expired"  # untouched for too long
    CANCELLED = "cancelled"  # the member cancelled it
    NOT_A_MEMBER = "not_a_member"  # only members buy
    NOT_OFFERED = "not_offered"  # the product is not on sale (any more)


@dataclass(frozen=True, slots=True)
class Shut:
    why: Closed
    was_typing: bool = False  # the checkout waited for typing: its reply keyboard goes too


@dataclass(frozen=True, slots=True)
class Option:
    """One SKU as the member sees it: their price and what their store has free."""

    variant: Variant
    list_minor: int
    price_minor: int
    available: int


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    list_unit_minor: int
    unit_minor: int  # the member's price for one
    quantity: int
    subtotal_minor: int
    discount_minor: int
    reward_percent: int | None  # the usable enrollment reward's, applied or not; None: none usable

    @property
    def total_minor(self) -> int:
        return self.subtotal_minor - self.discount_minor


@dataclass(frozen=True, slots=True)
class CheckoutView:
    checkout: Checkout
    member: Member
    item: CatalogItem
    store: Store | None
    options: tuple[Option, ...]  # the offered SKUs
    choose_variant: bool  # the product has several: the variant step is in the flow
    same_day: bool  # same-day delivery is offered (the store has a location)
    radius_km: float
    totals: Totals | None  # once a SKU and a quantity are chosen
    hitch: Hitch | None = None  # why the last choice or input was not taken
    from_step: Step | None = None  # the step the member was at before this action
    pay_in_chat: bool = False  # a payment provider is set: orders are paid by Telegram invoice

    @property
    def payment(self) -> Payment:
        return checkout_payment(self.checkout.fulfilment, self.pay_in_chat)

    @property
    def chosen(self) -> Option | None:
        return next((o for o in self.options if o.variant.id == self.checkout.variant_id), None)

    @property
    def max_quantity(self) -> int:
        chosen = self.chosen
        return quantity_limit(chosen.available) if chosen is not None else 0

    @property
    def has_back(self) -> bool:
        return has_back(self.checkout, self.choose_variant)

    @property
    def left_typing(self) -> bool:
        """The member was typing at a step with a reply keyboard, and is not any more."""
        return self.from_step in TYPED and self.checkout.step not in TYPED


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    order: Order
    member: Member
    item: CatalogItem
    variant: Variant
    associate: Associate | None  # the order's associate, to be told
    was_typing: bool = False


@dataclass(frozen=True, slots=True)
class CheckoutShown:
    """Body: a checkout's step for the member (after they typed or shared something)."""

    locale: str
    view: CheckoutView | Shut


@dataclass(frozen=True, slots=True)
class Typed:
    """What a member typed or shared while a checkout waited for it."""

    text: str | None = None
    contact: tuple[str, str] | None = None  # their own card: (name, phone)
    place: Place | None = None


def checkout_payment(fulfilment: Fulfilment | None, pay_in_chat: bool) -> Payment:
    """How an order placed in the chat is paid: by Telegram invoice once the stock is
    confirmed, where the brand has a payment provider; else at the counter for a pickup and
    on delivery otherwise."""
    if pay_in_chat:
        return Payment.INVOICE
    return Payment.AT_PICKUP if fulfilment is Fulfilment.PICKUP else Payment.ON_DELIVERY
