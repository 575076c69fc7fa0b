"""Orders in the chats: the associate's order card (edited in place as the order moves) with
its buttons, what the member hears when the associate acts, /orders for both and /points."""

from __future__ import annotations

from typing import Any

from bot.interface.callbacks import OrderAnswer, OrderDesk, OrdersPage
from bot.interface.i18n import Catalog
from bot.interface.render.base import TEXT_LIMIT, Outgoing, button, fit, text
from bot.interface.render.checkout import CheckoutRenderer, variant_label
from commerce import lengths
from commerce.order_desk import (
    DECLINE_REASONS,
    MemberOrders,
    OrderCard,
    Pipeline,
    PointsView,
    Stepped,
)
from commerce.orders import Action, Actor, OrderStatus, allowed_actions

Rows = list[list[dict[str, str]]]


def member_name(card: OrderCard) -> str:
    member = card.member
    return " ".join(filter(None, [member.first_name, member.last_name]))


class OrdersRenderer:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.checkout = CheckoutRenderer(catalog)

    def t(self, locale: str, key: str, **params: object) -> str:
        return self.catalog.text(locale, key, **params)

    def status(self, locale: str, status: OrderStatus) -> str:
        return self.t(locale, f"orders.status.{status.value}")

    # --- the associate's card ----------------------------------------------------------------

    def card_text(self, locale: str, card: OrderCard) -> str:
        order, money = card.order, lambda minor: self.checkout.money(minor, card.order.currency, locale)
        lines = [self.t(locale, "orders.card_title", number=order.id or 0, status=self.status(locale, order.status)),
                 self.t(locale, "orders.card_member", name=member_name(card), tier=card.member.tier or "—")]
        for line in card.lines:
            lines.append(self.t(locale, "orders.card_line", quantity=line.quantity,
                                product=lengths.shorten(line.product_name, 80), variant=variant_label(line.variant),
                                unit=money(line.unit_price_minor)))
            if line.proposed is not None:
                lines.append(self.t(locale, "orders.card_proposed", variant=variant_label(line.proposed)))
        if order.discount_minor:
            lines.append(self.t(locale, "orders.card_discount", discount=money(order.discount_minor)))
        lines.append(self.t(locale, "orders.card_total", total=money(order.total_minor)))
        delivery = order.delivery
        lines.append(self.checkout.fulfilment_line(locale, order.fulfilment, card.store_name, delivery.address,
                                                   delivery.latitude, delivery.longitude))
        lines.append(self.t(locale, f"orders.card_pay.{order.payment.value}"))
        if delivery.contact_name:
            lines.append(self.t(locale, "orders.card_contact", name=delivery.contact_name))
        return "\n".join(lines)

    def card_rows(self, locale: str, card: OrderCard, mode: str = "card") -> Rows:
        order = card.order
        assert order.id is not None
        data = lambda action, arg=0: OrderDesk(order.id, action, arg)
        allowed = allowed_actions(order.status, order.payment, order.fulfilment, Actor.ASSOCIATE)
        if mode == "propose":
            rows = [[button(variant_label(v), data("propose", v.id or 0))] for v in card.alternatives[:8]]
            return rows + [[button(self.t(locale, "checkout.back"), data("open"))]]
        if mode == "decline":
            rows = [[button(self.t(locale, f"orders.reason.{reason}"), data("decline", n))]
                    for n, reason in enumerate(DECLINE_REASONS, start=1)]
            return rows + [[button(self.t(locale, "checkout.back"), data("open"))]]
        first: list[dict[str, str]] = []
        if Action.CONFIRM in allowed:
            first.append(button(self.t(locale, "orders.confirm"), data("confirm")))
        if Action.PROPOSE_ALTERNATIVE in allowed and card.alternatives:
            first.append(button(self.t(locale, "orders.propose"), data("propose")))
        rows = [first] if first else []
        if Action.DECLINE in allowed:
            rows.append([button(self.t(locale, "orders.decline"), data("decline"))])
        return rows

    def card(self, locale: str, card: OrderCard, mode: str = "card", edit_message_id: int | None = None) -> Outgoing:
        body, rows = self.card_text(locale, card), self.card_rows(locale, card, mode)
        if edit_message_id is None:
            return text(body, buttons=rows or None)
        params: dict[str, Any] = {"message_id": edit_message_id, "text": fit(body, TEXT_LIMIT), "parse_mode": "HTML",
                                  "reply_markup": {"inline_keyboard": rows}}
        return Outgoing("editMessageText", params)

    def refused(self, locale: str, refusal: object) -> str:
        name = type(refusal).__name__
        key = {"NotYours": "orders.not_yours", "OutOfStock": "orders.out_of_stock", "Stale": "orders.changed",
               "AlternativeUnavailable": "orders.alternative_gone"}.get(name, "orders.not_now")
        return self.t(locale, key)

    # --- the member's side -------------------------------------------------------------------

    def member_notice(self, locale: str, stepped: Stepped) -> Outgoing:
        """The associate's offer of another SKU, with Accept and Decline (every other step the
        member hears of is an order update: bot/interface/render/order_updates.py)."""
        card, number = stepped.card, stepped.card.order.id or 0
        line = card.lines[0]
        associate = stepped.associate.display_name if stepped.associate is not None else ""
        rows = [[button(self.t(locale, "orders.accept"), OrderAnswer(number, True)),
                 button(self.t(locale, "orders.refuse"), OrderAnswer(number, False))]]
        return text(self.t(locale, "orders.told_proposed", number=number, associate=associate,
                           product=lengths.shorten(line.product_name, 80), was=variant_label(line.variant),
                           variant=variant_label(line.proposed)), buttons=rows)

    def member_answered(self, locale: str, stepped: Stepped, edit_message_id: int | None) -> Outgoing:
        """The offer, answered: its buttons go; what the order does next is its own update."""
        key = "orders.you_accepted" if stepped.moved.event.action is Action.ACCEPT_ALTERNATIVE else "orders.you_refused"
        body = self.t(locale, key, number=stepped.card.order.id or 0)
        if edit_message_id is None:
            return text(body)
        return Outgoing("editMessageText", {"message_id": edit_message_id, "text": body, "parse_mode": "HTML"})

    # --- lists ---------------------------------------------------------------------------

    def member_orders(self, locale: str, orders: MemberOrders, edit_message_id: int | None = None) -> Outgoing:
        if not orders.cards:
            body = self.t(locale, "orders.none")
        else:
            lines = [self.t(locale, "orders.mine_title")]
            for card in orders.cards:
                order, line = card.order, card.lines[0] if card.lines else None
                lines.append(self.t(locale, "orders.mine_line", number=order.id or 0,
                                    product=lengths.shorten(line.product_name if line else "", 60),
                                    variant=variant_label(line.variant if line else None), quantity=line.quantity if line else 0,
                                    total=self.checkout.money(order.total_minor, order.currency, locale),
                                    status=self.status(locale, order.status), date=order.created_at.date().isoformat()))
            body = "\n".join(lines)
        nav = []
        if orders.page > 0:
            nav.append(button("◀", OrdersPage(orders.page - 1)))
        if orders.has_more:
            nav.append(button("▶", OrdersPage(orders.page + 1)))
        rows = [nav] if nav else []
        if edit_message_id is None:
            return text(body, buttons=rows or None)
        return Outgoing("editMessageText", {"message_id": edit_message_id, "text": fit(body, TEXT_LIMIT), "parse_mode": "HTML",
                                            "reply_markup": {"inline_keyboard": rows}})

    def pipeline(self, locale: str, pipeline: Pipeline) -> Outgoing:
        lines = [self.t(locale, "orders.pipeline_title")]
        rows: Rows = []
        for lane, cards in pipeline.lanes:
            lines.append(self.t(locale, f"orders.lane.{lane.value}", count=len(cards)))
            for card in cards:
                if len(rows) < 20:
                    label = self.t(locale, "orders.pipeline_button", number=card.order.id or 0, name=member_name(card),
                                   status=self.status(locale, card.order.status))
                    rows.append([button(label, OrderDesk(card.order.id or 0, "open", 0))])
        return text("\n".join(lines), buttons=rows or None)

    def points(self, locale: str, view: PointsView) -> Outgoing:
        money = (lambda minor: self.checkout.money(minor, view.currency, locale)) if view.currency else str
        lines = [self.t(locale, "orders.points_balance", points=view.balance),
                 self.t(locale, "orders.points_tier", tier=view.tier or self.t(locale, "orders.no_tier")),
                 self.t(locale, "orders.points_spend", spend=money(view.spend_minor))]
        if view.next_tier is not None and view.to_next_minor is not None:
            lines.append(self.t(locale, "orders.points_next", amount=money(view.to_next_minor), tier=view.next_tier))
        else:
            lines.append(self.t(locale, "orders.points_top"))
        return text("\n".join(lines))
