"""Paying an order in the chat with a Telegram invoice: the invoice an order is billed
with, the check Telegram asks for before it takes the money, and crediting the payment.

The invoice's payload is the one thing the payment brings back to us, and anyone can
craft a payment update (a modified client cannot, but a forged webhook call or a copied
invoice can carry any payload): it names the order and carries an HMAC of that name,
made with the signing key (as enrollment codes are, commerce.codes), so a payload we did
not sign never reaches an order.

    o<order id, base 36>.<20 chars of HMAC-SHA256, base64url>

The pre-checkout check must answer within Telegram's 10 s: it reads, never writes, and
says why not in words the member understands (sold out, reservation ran out, price
changed). The money is credited on successful_payment only (commerce.order_events.
record_payment, once per Telegram charge id).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from commerce import lengths
from commerce.access import NotYours
from commerce.order_events import record_payment
from commerce.order_moves import Moved
from commerce.order_values import Order, Replayed
from commerce.orders import Action, OrderStatus, Payment
from commerce.people import Member
from commerce.ports.uow import UnitOfWork

TITLE_LIMIT = 32  # UTF-16 units of an invoice's title (Telegram)
DESCRIPTION_LIMIT = 255  # UTF-16 units of its description
PAYLOAD_LIMIT = 128  # bytes of its payload
_PREFIX = "o"
_DOMAIN = b"storelink/order-invoice/v1:"
_MAC_BYTES, _MAC_CHARS = 15, 20
_REFERENCE = re.compile(r"o([0-9a-z]{1,13})\.([A-Za-z0-9_-]{20})")


def sign_order_reference(order_id: int, key: bytes) -> str:
    """The payload of the order's invoice."""
    if order_id < 0:
        raise ValueError("order ids are not negative")
    if not key:
        raise ValueError("an empty signing key signs nothing")
    body = _base36(order_id)
    return f"{_PREFIX}{body}.{_mac(key, body)}"


def verify_order_reference(payload: object, keys: Sequence[bytes]) -> int | None:
    """The order id if the payload was signed with any of `keys`; None otherwise. Never
    raises: the payload is whatever the update carried."""
    if not isinstance(payload, str) or len(payload) > PAYLOAD_LIMIT:
        return None
    match = _REFERENCE.fullmatch(payload)
    if match is None:
        return None
    body, mac = match.groups()
    order_id = int(body, 36)
    if _base36(order_id) != body:
        return None  # only the canonical spelling is ever signed
    valid = False
    for key in keys:
        if isinstance(key, bytes) and key:
            valid |= hmac.compare_digest(_mac(key, body), mac)
    return order_id if valid else None


# --- the invoice ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One line of an order as people read it."""

    name: str  # the product's name
    sku: str
    quantity: int
    amount_minor: int  # what the member pays for the line


@dataclass(frozen=True, slots=True)
class Invoice:
    """The invoice an order is billed with (a commerce.messages body: bot/ renders it as
    sendInvoice): the amounts are the order's own, in minor units; the lines and the
    discount add up to the total."""

    member: Member
    order_id: int
    title: str  # the product's name, held to Telegram's 32 units
    items: tuple[Item, ...]
    currency: str
    discount_minor: int  # the enrollment reward, taken off (0: none)
    total_minor: int
    payload: str  # the signed order reference

    @property
    def prices(self) -> tuple[tuple[Item | None, int], ...]:
        """(line, amount) for each line, then (None, -discount) when there is one."""
        lines: list[tuple[Item | None, int]] = [(item, item.amount_minor) for item in self.items]
        if self.discount_minor:
            lines.append((None, -self.discount_minor))
        return tuple(lines)


async def order_items(uow: UnitOfWork, order: Order) -> tuple[Item, ...]:
    """The order's lines with their products' names (a SKU no longer sold keeps its name)."""
    items = []
    for line in order.lines:
        variant = await uow.catalog.variant(line.variant_id)
        product = await uow.catalog.item(variant.product_id) if variant is not None else None
        name = product.product.name if product is not None else "#" + str(line.variant_id)
        items.append(Item(name, variant.sku if variant is not None else "", line.quantity, line.amount_minor))
    return tuple(items)


async def invoice_for(uow: UnitOfWork, order: Order, key: bytes) -> Invoice | None:
    """The invoice of an order waiting for payment; None for an order not paid by invoice."""
    if order.payment is not Payment.INVOICE or order.id is None:
        return None
    member = await uow.members.get(order.member_id)
    if member is None:
        return None
    items = await order_items(uow, order)
    title = lengths.shorten(items[0].name if items else "#" + str(order.id), TITLE_LIMIT) or "#" + str(order.id)
    return Invoice(member, order.id, title, items, order.currency, order.discount_minor, order.total_minor,
                   sign_order_reference(order.id, key))


# --- before Telegram takes the money -----------------------------------------------------------


class NoPayment(StrEnum):
    """Why a payment is refused before it is taken; the member reads it in Telegram's
    payment form."""

    NOT_OURS = "not_ours"  # a payload we did not sign, or someone else's order
    SOLD_OUT = "sold_out"  # the reservation ended and the store has no free units left
    EXPIRED = "expired"  # the reservation ran out (the units may still be there: order again)
    PAID = "paid"  # paid already
    CLOSED = "closed"  # the order is no longer waiting for payment (cancelled, declined)
    PRICE_CHANGED = "price_changed"  # the amount asked is not the order's total


@dataclass(frozen=True, slots=True)
class ReadyToPay:
    order: Order


@dataclass(frozen=True, slots=True)
class PaymentRefused:
    why: NoPayment
    order: Order | None = None


async def check_before_payment(uow: UnitOfWork, payload: str, keys: Sequence[bytes], payer_telegram_id: int,
                               total_minor: int, currency: str, now: datetime) -> ReadyToPay | PaymentRefused:
    """Telegram's pre-checkout question: may this person pay this amount for this order
    now? Only reads: the order's state, its holds and the amount."""
    order_id = verify_order_reference(payload, keys)
    order = await uow.orders.get(order_id) if order_id is not None else None
    member = await uow.members.get(order.member_id) if order is not None else None
    if order is None or member is None or member.telegram_user_id != payer_telegram_id:
        return PaymentRefused(NoPayment.NOT_OURS)
    if order.status is not OrderStatus.AWAITING_PAYMENT:
        if order.telegram_charge_id is not None:
            return PaymentRefused(NoPayment.PAID, order)
        events = await uow.orders.events(order.id)  # type: ignore[arg-type]
        if order.status is OrderStatus.CANCELLED and events and events[-1].action is Action.EXPIRE:
            return PaymentRefused(await _gone_or_expired(uow, order), order)
        return PaymentRefused(NoPayment.CLOSED, order)
    if total_minor != order.total_minor or currency.upper() != order.currency.upper():
        return PaymentRefused(NoPayment.PRICE_CHANGED, order)
    holds = [hold for hold in await uow.orders.holds(order_id) if hold.released_at is None]  # type: ignore[arg-type]
    if not holds or any(hold.expires_at is not None and hold.expires_at <= now for hold in holds):
        # Expired, not yet swept: the units are still counted as held by this order.
        return PaymentRefused(await _gone_or_expired(uow, order, still_held=True), order)
    return ReadyToPay(order)


async def _gone_or_expired(uow: UnitOfWork, order: Order, still_held: bool = False) -> NoPayment:
    """Sold out when the store cannot give the order its units again, else expired."""
    levels = await uow.stock.at_store(order.store_id, [line.variant_id for line in order.lines])
    for line in order.lines:
        level = levels.get(line.variant_id)
        free = (level.available if level is not None else 0) + (line.quantity if still_held else 0)
        if free < line.quantity:
            return NoPayment.SOLD_OUT
    return NoPayment.EXPIRED


# --- the money arrived ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaidTooLate:
    """Telegram took the money but the order cannot take it (it ended meanwhile): staff
    must refund it by hand."""

    order: Order
    telegram_charge_id: str


async def pay_order(uow: UnitOfWork, payload: str, keys: Sequence[bytes], payer_telegram_id: int,
                    telegram_charge_id: str, provider_charge_id: str | None, total_minor: int, currency: str,
                    now: datetime) -> Moved | Replayed | NotYours | PaidTooLate:
    """Telegram's successful_payment: the order is paid, once per charge id (a replay
    changes nothing and says Replayed)."""
    order_id = verify_order_reference(payload, keys)
    order = await uow.orders.get(order_id) if order_id is not None else None
    member = await uow.members.get(order.member_id) if order is not None else None
    if order is None or order_id is None or member is None or member.telegram_user_id != payer_telegram_id:
        return NotYours()
    moved = await record_payment(uow, order_id, telegram_charge_id, provider_charge_id or None, total_minor, currency, now)
    if isinstance(moved, Moved | Replayed | NotYours):
        return moved
    # Refused by the state machine (ended meanwhile), Stale, or an amount that is not the
    # order's: the money is Telegram's to give back, by hand.
    return PaidTooLate(order, telegram_charge_id)


def _mac(key: bytes, body: str) -> str:
    digest = hmac.new(key, _DOMAIN + body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).decode("ascii")


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    while True:
        number, index = divmod(number, 36)
        out.append(digits[index])
        if number == 0:
            return "".join(reversed(out))
