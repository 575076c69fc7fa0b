"""An order's updates as Bot API calls: the member's message for each step, the invoice
(sendInvoice), and the associate's notices. Money is formatted per locale by Babel
(commerce.money), times in the brand's time zone.

The invoice's provider token is a secret: its row names the setting ({"setting":
"payment_provider_token"}) and the sender fills the value in as it calls Telegram, so the
token is never written to the database.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.interface.i18n import Catalog, locale_for
from bot.interface.render.base import Outgoing, text
from commerce import lengths
from commerce.money import Money, babel_locale, format_money
from commerce.order_commands import Misread
from commerce.order_desk import DECLINE_REASONS
from commerce.order_moves import AlternativeUnavailable, Moved
from commerce.order_notices import OrderStepNotice, OrderUpdate, PaymentTooLate
from commerce.order_values import Order, OutOfStock, Stale
from commerce.orders import Action, Payment, Refused, Why
from commerce.payments import DESCRIPTION_LIMIT, Invoice, Item, NoPayment
from commerce.people import Brand, Member

PROVIDER_TOKEN = {"setting": "payment_provider_token"}  # filled in by the sender (bot/runtime/attempts.py)
A = Action
_STEP_KEYS = {
    A.REQUEST_PAYMENT: "awaiting_payment", A.PAY: "paid", A.PACK: "packed", A.SHIP: "shipped",
    A.SET_ETA: "eta_changed", A.READY: "ready", A.DELIVER: "delivered", A.PICK_UP: "picked_up",
    A.CANCEL: "cancelled", A.DECLINE: "declined", A.DECLINE_ALTERNATIVE: "cancelled", A.EXPIRE: "expired",
    A.REFUND: "refunded",
}
_CONFIRMED = {Payment.INVOICE: "confirmed", Payment.AT_PICKUP: "confirmed_at_pickup",
              Payment.ON_DELIVERY: "confirmed_on_delivery"}


class OrderUpdatesRenderer:
    def __init__(self, catalog: Catalog, brand: Brand, default_locale: str) -> None:
        self.catalog, self.brand, self.default_locale = catalog, brand, default_locale

    def renderers(self) -> dict[type, Callable[[Any], list[Outgoing]]]:
        """The bodies this module renders, for bot.interface.render.outbound."""
        return {OrderUpdate: self.update, Invoice: self.invoice, OrderStepNotice: self.staff_step,
                PaymentTooLate: self.paid_late}

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, key, **params)

    def locale_of(self, member: Member) -> str:
        return locale_for(member.language_code, self.default_locale)

    # --- to the member ---------------------------------------------------------------------

    def update(self, b: OrderUpdate) -> list[Outgoing]:
        locale, order, event = self.locale_of(b.member), b.order, b.event
        action = event.action
        if action in (A.CONFIRM, A.ACCEPT_ALTERNATIVE):
            key = "confirmed_invoice" if b.invoice_follows else _CONFIRMED[order.payment]
            return [text(self.t(locale, f"order_update.{key}", order=order.id, markup={"items": self.lines(locale, order, b.items)}))]
        markup = {"details": self._details(locale, order), "reason": self._reason(locale, event.reason),
                  "points": self._points(locale, b.points), "items": self.lines(locale, order, b.items)}
        return [text(self.t(locale, f"order_update.{_STEP_KEYS[action]}", markup=markup, order=order.id,
                            total=self.money(locale, order.total_minor, order.currency),
                            charge=order.telegram_charge_id or "", store=b.store_name or ""))]

    def invoice(self, b: Invoice) -> list[Outgoing]:
        locale = self.locale_of(b.member)
        names = ", ".join(f"{item.name} × {item.quantity}" for item in b.items)
        description = html.unescape(self.t(locale, "payment.description", order=b.order_id, items=names))
        prices = [{"label": self._price_label(locale, item), "amount": amount} for item, amount in b.prices]
        params = {"title": b.title, "description": lengths.shorten(description, DESCRIPTION_LIMIT), "payload": b.payload,
                  "provider_token": PROVIDER_TOKEN, "currency": b.currency, "prices": prices}
        return [Outgoing("sendInvoice", params)]

    def _price_label(self, locale: str, item: Item | None) -> str:
        if item is None:
            return html.unescape(self.t(locale, "payment.discount_label"))
        label = html.unescape(self.t(locale, "payment.item_label", name=item.name, quantity=item.quantity))
        return lengths.shorten(label, 64)

    def refusal(self, locale: str, why: NoPayment) -> str:
        """A pre-checkout refusal, as Telegram shows it: plain text."""
        return html.unescape(self.t(locale, f"payment.{why.value}"))

    # --- to the associate --------------------------------------------------------------------

    def staff_step(self, b: OrderStepNotice) -> list[Outgoing]:
        locale = b.associate.locale
        said = self.t(locale, "order_update.staff_step", order=b.order.id, member=_name(b.member),
                      status=self.t(locale, f"order_update.status.{b.event.to_status.value}"),
                      actor=self.t(locale, f"order_update.actor.{b.event.actor.value}"),
                      markup={"reason": self._reason(locale, b.event.reason)})
        return [text(said + "\n" + self.lines(locale, b.order, b.items))]

    def paid_late(self, b: PaymentTooLate) -> list[Outgoing]:
        locale = b.associate.locale
        return [text(self.t(locale, "order_update.staff_paid_late", order=b.order.id, member=_name(b.member),
                            status=self.t(locale, f"order_update.status.{b.order.status.value}"), charge=b.telegram_charge_id))]

    def step_answer(self, locale: str, order_id: int, result: object, step: str = "") -> Outgoing:
        """The staff command's answer: the order's status now, or why the step was not taken."""
        t = self.t
        if isinstance(result, Misread):
            return text(t(locale, f"order_update.{result.value}", order=order_id, step=step))
        if isinstance(result, Moved):
            return text(t(locale, "order_update.done", order=order_id,
                          status=t(locale, f"order_update.status.{result.order.status.value}")))
        if isinstance(result, Refused):
            if result.why is Why.REASON_REQUIRED:
                return text(t(locale, "order_update.reason_needed", order=order_id, step=step))
            key = "not_now" if result.why is Why.NOT_NOW else "not_your_role"
            return text(t(locale, f"order_update.{key}", order=order_id,
                          status=t(locale, f"order_update.status.{result.status.value}")))
        key = {OutOfStock: "out_of_stock", Stale: "stale", AlternativeUnavailable: "unavailable"}.get(type(result), "not_yours")
        return text(t(locale, f"order_update.{key}", order=order_id))

    # --- pieces ------------------------------------------------------------------------------

    def money(self, locale: str, minor: int, currency: str) -> str:
        return format_money(Money(minor, currency), locale)

    def when(self, locale: str, at: datetime) -> str:
        return format_datetime(at, format="medium", tzinfo=ZoneInfo(self.brand.timezone), locale=babel_locale(locale))

    def lines(self, locale: str, order: Order, items: tuple[Item, ...]) -> str:
        """The items with their amounts, the reward taken off and the total (HTML)."""
        rows = [self.t(locale, "order_update.item", name=item.name, quantity=item.quantity,
                       amount=self.money(locale, item.amount_minor, order.currency)) for item in items]
        if order.discount_minor:
            rows.append(self.t(locale, "order_update.discount", amount=self.money(locale, order.discount_minor, order.currency)))
        rows.append(self.t(locale, "order_update.total", total=self.money(locale, order.total_minor, order.currency)))
        return "\n".join(rows)

    def _details(self, locale: str, order: Order) -> str:
        parts = []
        if order.courier and order.tracking_number:
            parts.append(self.t(locale, "order_update.courier", courier=order.courier, tracking=order.tracking_number))
        if order.eta is not None:
            parts.append(self.t(locale, "order_update.eta", eta=self.when(locale, order.eta)))
        return "".join(parts)

    def _reason(self, locale: str, reason: str | None) -> str:
        if not reason:
            return ""
        # The order card's preset reasons are stored by key and said in the reader's language.
        shown = self.t(locale, f"orders.reason.{reason}") if reason in DECLINE_REASONS else reason
        return self.t(locale, "order_update.reason", reason=shown)

    def _points(self, locale: str, points: int) -> str:
        if points > 0:
            return self.t(locale, "order_update.points_earned", points=points)
        if points < 0:
            return self.t(locale, "order_update.points_reversed", points=-points)
        return ""


def _name(member: Member) -> str:
    return " ".join(part for part in (member.first_name, member.last_name) if part)
