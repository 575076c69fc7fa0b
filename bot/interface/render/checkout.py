"""The member's checkout as Bot API calls: each step's message with its buttons (every step
has Back, when there is a step before, and Cancel), the reply keyboards that share a phone
or a location, the review, and the order placed. Button presses edit the step's message in
place; a step that waits for typing comes as new messages (a reply keyboard cannot be
added by an edit), and leaving such a step takes its keyboard away."""

from __future__ import annotations

from typing import Any

from bot.interface.callbacks import CheckoutStep
from bot.interface.i18n import Catalog
from bot.interface.render.base import TEXT_LIMIT, Outgoing, button, fit, text
from commerce import lengths
from commerce.catalog import Variant
from commerce.checkout_steps import TYPED, Step
from commerce.checkout_values import (
    CheckoutShown,
    CheckoutView,
    Closed,
    OrderPlaced,
    Shut,
)
from commerce.money import Money, format_money
from commerce.orders import Fulfilment

NAME_SHOWN = 80  # UTF-16 units of a product's name on a step's message


def variant_label(variant: Variant | None) -> str:
    if variant is None:
        return "?"
    return " · ".join(part for part in (variant.size, variant.colour) if part) or variant.sku


def masked_phone(phone: str | None) -> str:
    """A phone as the member's own review shows it: its last digits only."""
    digits = [c for c in phone or "" if c.isdigit()]
    return "•••• " + "".join(digits[-4:]) if digits else ""


class CheckoutRenderer:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def t(self, locale: str, key: str, **params: object) -> str:
        return self.catalog.text(locale, key, **params)

    def money(self, minor: int, currency: str, locale: str) -> str:
        return format_money(Money(minor, currency), locale)

    # --- a step ----------------------------------------------------------------------------

    def view(self, locale: str, view: CheckoutView, edit_message_id: int | None = None) -> list[Outgoing]:
        """The step's message(s): edited in place when pressed from a button step to a
        button step, else sent anew."""
        body, rows = self._step(locale, view)
        step = view.checkout.step
        if step in TYPED:
            return [text(body, buttons=rows), self._keyboard(locale, view)]
        if view.left_typing:
            return [self._remove_keyboard(locale), text(body, buttons=rows)]
        if edit_message_id is not None:
            return [_edit(edit_message_id, body, rows)]
        return [text(body, buttons=rows)]

    def shown(self, body: CheckoutShown) -> list[Outgoing]:
        """After typing or sharing: the next step, or the hitch and the same step again."""
        if isinstance(body.view, Shut):
            return self.shut(body.locale, body.view)
        return self.view(body.locale, body.view)

    def _step(self, locale: str, view: CheckoutView) -> tuple[str, list[list[dict[str, str]]]]:
        checkout, product = view.checkout, view.item.product
        name = lengths.shorten(product.name, NAME_SHOWN)
        lines = [self.t(locale, "checkout.title", product=name)]
        if view.hitch is not None:
            lines.insert(0, self.t(locale, f"checkout.hitch.{view.hitch.value}", radius=view.radius_km))
        chosen = view.chosen
        if chosen is not None and checkout.step is not Step.VARIANT:
            lines.append(self.t(locale, "checkout.chosen", variant=variant_label(chosen.variant),
                                price=self.money(chosen.price_minor, product.currency, locale)))
        rows: list[list[dict[str, str]]] = []
        data = lambda choice: CheckoutStep(checkout.id or 0, checkout.step.value, choice)
        step = checkout.step
        if step is Step.VARIANT:
            lines.append(self.t(locale, "checkout.ask_variant"))
            for option in view.options:
                label = self.t(locale, "checkout.option", variant=variant_label(option.variant),
                               price=self.money(option.price_minor, product.currency, locale), available=option.available)
                if option.available > 0:
                    rows.append([button(label, data(str(option.variant.id)))])
                else:
                    lines.append(self.t(locale, "checkout.sold_out_here", variant=variant_label(option.variant)))
        elif step is Step.QUANTITY:
            lines.append(self.t(locale, "checkout.ask_quantity", most=view.max_quantity))
            rows.append([button(str(n), data(str(n))) for n in range(1, view.max_quantity + 1)])
        elif step is Step.FULFILMENT:
            lines.append(self.t(locale, "checkout.ask_fulfilment"))
            store = view.store.name if view.store is not None else ""
            if view.same_day:
                rows.append([button(self.t(locale, "checkout.same_day", radius=view.radius_km), data(Fulfilment.DELIVERY.value))])
            rows.append([button(self.t(locale, "checkout.pickup", store=store), data(Fulfilment.PICKUP.value))])
            rows.append([button(self.t(locale, "checkout.express"), data(Fulfilment.EXPRESS.value))])
        elif step is Step.CONTACT:
            lines.append(self.t(locale, "checkout.ask_contact"))
        elif step is Step.ADDRESS:
            if checkout.fulfilment is Fulfilment.DELIVERY:
                store = view.store.name if view.store is not None else ""
                lines.append(self.t(locale, "checkout.ask_location", radius=view.radius_km, store=store))
            else:
                lines.append(self.t(locale, "checkout.ask_address"))
        else:
            lines.extend(self._review(locale, view))
            rows.append([button(self.t(locale, "checkout.place"), data("place"))])
            totals = view.totals
            if totals is not None and totals.reward_percent is not None:
                key, choice = ("checkout.reward_off", "reward_off") if checkout.use_reward else ("checkout.reward_on", "reward_on")
                rows.append([button(self.t(locale, key, percent=totals.reward_percent), data(choice))])
        last = [button(self.t(locale, "checkout.back"), data("back"))] if view.has_back else []
        last.append(button(self.t(locale, "checkout.cancel"), data("cancel")))
        rows.append(last)
        return "\n".join(lines), rows

    def _review(self, locale: str, view: CheckoutView) -> list[str]:
        checkout, totals = view.checkout, view.totals
        lines = [self.t(locale, "checkout.review")]
        if totals is None:
            return lines
        money = lambda minor: self.money(minor, totals.currency, locale)
        lines.append(self.t(locale, "checkout.review_line", quantity=totals.quantity, unit=money(totals.unit_minor),
                            amount=money(totals.subtotal_minor)))
        if totals.unit_minor != totals.list_unit_minor:
            lines.append(self.t(locale, "checkout.member_price", list=money(totals.list_unit_minor),
                                price=money(totals.unit_minor), tier=view.member.tier or ""))
        if totals.reward_percent is not None:
            if checkout.use_reward:
                lines.append(self.t(locale, "checkout.reward_applied", percent=totals.reward_percent,
                                    discount=money(totals.discount_minor)))
            else:
                lines.append(self.t(locale, "checkout.reward_unused", percent=totals.reward_percent))
        lines.append(self.t(locale, "checkout.total", total=money(totals.total_minor)))
        lines.append(self.fulfilment_line(locale, checkout.fulfilment, view.store.name if view.store else "",
                                          checkout.address, checkout.latitude, checkout.longitude))
        lines.append(self.t(locale, f"checkout.pay.{view.payment.value}"))
        lines.append(self.t(locale, "checkout.contact", name=checkout.contact_name or "", phone=masked_phone(checkout.phone)))
        return lines

    def fulfilment_line(self, locale: str, fulfilment: Fulfilment | None, store: str, address: str | None,
                        latitude: float | None, longitude: float | None) -> str:
        if fulfilment is Fulfilment.PICKUP or fulfilment is None:
            return self.t(locale, "checkout.by_pickup", store=store)
        where = lengths.shorten(address, 300) if address else (
            f"📍 {latitude:.5f}, {longitude:.5f}" if latitude is not None and longitude is not None else "")
        key = "checkout.by_same_day" if fulfilment is Fulfilment.DELIVERY else "checkout.by_express"
        return self.t(locale, key, address=where)

    def _keyboard(self, locale: str, view: CheckoutView) -> Outgoing:
        if view.checkout.step is Step.CONTACT:
            key, share = {"text": self.t(locale, "checkout.share_phone"), "request_contact": True}, "checkout.keyboard_contact"
        else:
            key, share = {"text": self.t(locale, "checkout.share_location"), "request_location": True}, "checkout.keyboard_address"
        markup: dict[str, Any] = {"keyboard": [[key]], "resize_keyboard": True, "one_time_keyboard": True,
                                  "input_field_placeholder": lengths.shorten(self.t(locale, f"{share}_placeholder"), 64)}
        return Outgoing("sendMessage", {"text": self.t(locale, share), "parse_mode": "HTML", "reply_markup": markup})

    def _remove_keyboard(self, locale: str) -> Outgoing:
        return Outgoing("sendMessage", {"text": self.t(locale, "checkout.noted"), "parse_mode": "HTML",
                                        "reply_markup": {"remove_keyboard": True}})

    # --- the end ---------------------------------------------------------------------------

    def shut(self, locale: str, shut: Shut, edit_message_id: int | None = None) -> list[Outgoing]:
        body = self.t(locale, f"checkout.closed.{shut.why.value}")
        if shut.was_typing or edit_message_id is None:
            params: dict[str, Any] = {"text": body, "parse_mode": "HTML"}
            if shut.was_typing:
                params["reply_markup"] = {"remove_keyboard": True}
            return [Outgoing("sendMessage", params)]
        return [_edit(edit_message_id, body, [])]

    def stale(self, locale: str, shut: Shut) -> str | None:
        """A press answered with an alert only (nothing to edit): an old or foreign button."""
        return self.t(locale, f"checkout.closed.{shut.why.value}") if shut.why in (Closed.STALE, Closed.NOT_A_MEMBER) else None

    def placed(self, locale: str, placed: OrderPlaced, edit_message_id: int | None) -> list[Outgoing]:
        order = placed.order
        body = "\n".join([
            self.t(locale, "checkout.placed", number=order.id or 0),
            self.t(locale, "checkout.placed_item", product=lengths.shorten(placed.item.product.name, NAME_SHOWN),
                   variant=variant_label(placed.variant), quantity=order.lines[0].quantity if order.lines else 0,
                   total=self.money(order.total_minor, order.currency, locale)),
        ])
        if edit_message_id is not None:
            return [_edit(edit_message_id, body, [])]
        return [text(body)]


def _edit(message_id: int, body: str, rows: list[list[dict[str, str]]]) -> Outgoing:
    params: dict[str, Any] = {"message_id": message_id, "text": fit(body, TEXT_LIMIT), "parse_mode": "HTML"}
    if rows:
        params["reply_markup"] = {"inline_keyboard": rows}
    return Outgoing("editMessageText", params)
