"""The member's checkout as a pure step machine: the steps a checkout goes through, what a
choice at a step makes of it, and which step Back leads to. No I/O: the use cases in
commerce/checkout.py read the catalog, the stock and the member, and store the result.

    variant (only when the product has several SKUs) -> quantity -> fulfilment (not when
    reserving for pickup) -> contact -> address (delivery and express only) -> review

A checkout lives in our own table, one open per member: its buttons work after a restart,
and in any process. A choice at a step that is not the checkout's current one is stale.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from commerce.geo import Place, within
from commerce.orders import Fulfilment

MAX_QUANTITY = 5  # the quantity buttons: 1 to 5, fewer when the store has fewer
OPEN_FOR = timedelta(hours=2)  # a checkout untouched this long has expired
NAME_LIMIT, PHONE_LIMIT, ADDRESS_LIMIT = 200, 32, 1000  # what an order keeps


class Step(StrEnum):
    VARIANT = "variant"  # which size / colour
    QUANTITY = "quantity"  # how many
    FULFILMENT = "fulfilment"  # same-day delivery, store pickup or express
    CONTACT = "contact"  # who receives it: a shared contact or a typed name and phone
    ADDRESS = "address"  # where: a typed address or a shared location
    REVIEW = "review"  # everything, priced, with the reward: place the order


# The steps that wait for the member to type or share something.
TYPED = frozenset({Step.CONTACT, Step.ADDRESS})


class Hitch(StrEnum):
    """Why a choice or an input was not taken (the checkout stays at its step)."""

    NOT_OFFERED = "not_offered"  # the SKU is not on sale any more
    SOLD_OUT = "sold_out"  # the member's store has none free
    BAD_QUANTITY = "bad_quantity"  # outside 1..the buttons' limit
    NO_SAME_DAY = "no_same_day"  # the store has no location: no same-day delivery
    BAD_PHONE = "bad_phone"  # no phone number in what was typed
    TOO_LONG = "too_long"  # longer than an order keeps
    EMPTY = "empty"  # nothing usable was typed
    NEEDS_LOCATION = "needs_location"  # same-day delivery checks the distance: share a location
    OUT_OF_RADIUS = "out_of_radius"  # the shared place is beyond the store's radius
    BAD_PLACE = "bad_place"  # coordinates that are no place on Earth
    REWARD_GONE = "reward_gone"  # another order redeemed the reward first: review without it


@dataclass(frozen=True, slots=True)
class Checkout:
    member_id: int
    product_id: int
    step: Step
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    reserve: bool = False  # "Reserve for pickup": fulfilment is pickup, no fulfilment step
    variant_id: int | None = None
    quantity: int | None = None
    fulfilment: Fulfilment | None = None
    contact_name: str | None = None
    phone: str | None = None  # never logged
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    use_reward: bool = True  # apply the enrollment reward when it is usable
    id: int | None = None

    @property
    def place(self) -> Place | None:
        return Place(self.latitude, self.longitude) if self.latitude is not None and self.longitude is not None else None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def waits_for_text(self) -> bool:
        return self.step in TYPED


def new_checkout(member_id: int, product_id: int, reserve: bool, variants: tuple[int, ...], now: datetime) -> Checkout:
    """A checkout at its first step: a product with one SKU skips choosing it."""
    single = variants[0] if len(variants) == 1 else None
    checkout = Checkout(member_id, product_id, Step.VARIANT, now, now, now + OPEN_FOR, reserve=reserve, variant_id=single,
                        fulfilment=Fulfilment.PICKUP if reserve else None)
    return replace(checkout, step=flow(checkout, len(variants) > 1)[0])


def flow(checkout: Checkout, choose_variant: bool) -> tuple[Step, ...]:
    """The checkout's steps, in order, as its choices so far shape them."""
    steps = [Step.VARIANT] if choose_variant else []
    steps.append(Step.QUANTITY)
    if not checkout.reserve:
        steps.append(Step.FULFILMENT)
    steps.append(Step.CONTACT)
    if checkout.fulfilment in (Fulfilment.DELIVERY, Fulfilment.EXPRESS):
        steps.append(Step.ADDRESS)
    steps.append(Step.REVIEW)
    return tuple(steps)


def _moved(checkout: Checkout, step: Step, now: datetime, **changes: object) -> Checkout:
    return replace(checkout, step=step, updated_at=now, expires_at=now + OPEN_FOR, **changes)  # type: ignore[arg-type]


def forward(checkout: Checkout, choose_variant: bool, now: datetime, **changes: object) -> Checkout:
    """The checkout with `changes`, at the step after its current one (in the flow the
    changes make: choosing pickup leaves the address out)."""
    changed = replace(checkout, **changes)  # type: ignore[arg-type]
    steps = flow(changed, choose_variant)
    following = steps[steps.index(checkout.step) + 1] if checkout.step in steps[:-1] else Step.REVIEW
    return _moved(changed, following, now)


def back(checkout: Checkout, choose_variant: bool, now: datetime) -> Checkout | None:
    """The checkout at the step before its current one; None at the first step."""
    steps = flow(checkout, choose_variant)
    at = steps.index(checkout.step) if checkout.step in steps else 0
    return _moved(checkout, steps[at - 1], now) if at > 0 else None


def has_back(checkout: Checkout, choose_variant: bool) -> bool:
    steps = flow(checkout, choose_variant)
    return checkout.step in steps and steps.index(checkout.step) > 0


# --- the choices ---------------------------------------------------------------------------


def quantity_limit(available: int) -> int:
    """How many the quantity buttons offer: up to MAX_QUANTITY, no more than the store has."""
    return max(0, min(MAX_QUANTITY, available))


def check_variant(available: int | None) -> Hitch | None:
    """A SKU can be chosen when it is offered (`available` not None) and its store has one free."""
    if available is None:
        return Hitch.NOT_OFFERED
    return Hitch.SOLD_OUT if available <= 0 else None


def check_quantity(quantity: int, available: int) -> Hitch | None:
    if available <= 0:
        return Hitch.SOLD_OUT
    return None if 1 <= quantity <= quantity_limit(available) else Hitch.BAD_QUANTITY


def check_fulfilment(fulfilment: Fulfilment, store: Place | None) -> Hitch | None:
    """Same-day delivery needs a store with a location (the radius is measured from it)."""
    if fulfilment is Fulfilment.DELIVERY and (store is None or not store.valid):
        return Hitch.NO_SAME_DAY
    return None


_PHONE = re.compile(r"\+?\d[\d\s().-]*\d")


def read_contact(typed: str, default_name: str) -> tuple[str, str] | Hitch:
    """A typed contact: a phone number (7 to 15 digits, spaces, dashes, brackets and a
    leading + allowed) and, around it, the name (the member's own when none is typed)."""
    words = _clean(typed)
    if not words:
        return Hitch.EMPTY
    found = max(_PHONE.finditer(words), key=lambda m: sum(c.isdigit() for c in m.group()), default=None)
    digits = sum(c.isdigit() for c in found.group()) if found is not None else 0
    if found is None or not 7 <= digits <= 15:
        return Hitch.BAD_PHONE
    phone = found.group().strip()
    name = (words[:found.start()] + " " + words[found.end():]).strip(" ,;:-\n\t") or default_name
    name = " ".join(name.split())
    if len(phone) > PHONE_LIMIT or len(name) > NAME_LIMIT:
        return Hitch.TOO_LONG
    return name, phone


def check_address(typed: str, fulfilment: Fulfilment | None) -> str | Hitch:
    """A typed address: kept as written (lines too). Same-day delivery measures the
    distance, so it needs a shared location instead."""
    address = _clean(typed)
    if fulfilment is Fulfilment.DELIVERY:
        return Hitch.NEEDS_LOCATION
    if not address:
        return Hitch.EMPTY
    return address if len(address) <= ADDRESS_LIMIT else Hitch.TOO_LONG


def check_location(place: Place, fulfilment: Fulfilment | None, store: Place | None, radius_km: float) -> Hitch | None:
    """A shared location: any real place for express; within the radius for same-day."""
    if not place.valid:
        return Hitch.BAD_PLACE
    if fulfilment is Fulfilment.DELIVERY and not within(store, place, radius_km):
        return Hitch.OUT_OF_RADIUS
    return None


def _clean(typed: str) -> str:
    """What was typed, without control characters (lines kept) and surrounding blanks."""
    kept = "".join(c for c in typed if c == "\n" or unicodedata.category(c)[0] != "C")
    return kept.strip()
