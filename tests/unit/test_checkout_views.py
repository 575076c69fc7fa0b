"""The checkout's messages stay within Telegram's limits whatever the names (UTF-16 units)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.interface.i18n import Catalog
from bot.interface.render.base import plain
from bot.interface.render.checkout import CheckoutRenderer
from commerce import lengths
from commerce.catalog import CatalogItem, Product, Variant
from commerce.checkout_steps import Step, new_checkout
from commerce.checkout_values import CheckoutView, Option, Totals, checkout_payment
from commerce.orders import Fulfilment, Payment
from commerce.people import Member, Store

CATALOG = Catalog.load()
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def a_view(name: str, size: str, step: Step) -> CheckoutView:
    product = Product(brand_id=1, code="P", name=name, category="c", currency="CNY", id=5)
    variants = tuple(Variant(brand_id=1, product_id=5, sku=f"S{n}", price_minor=128_000, size=size, colour=size, id=n)
                     for n in range(1, 9))
    checkout = new_checkout(1, 5, False, tuple(v.id for v in variants), NOW)
    from dataclasses import replace
    checkout = replace(checkout, id=3, step=step, variant_id=1, quantity=2, contact_name=name, phone="+86 138 0000 0000",
                       address=name)
    member = Member(brand_id=1, telegram_user_id=9, first_name=name, enrolled_at=NOW, tier=size, id=1)
    options = tuple(Option(v, 128_000, 110_000, 3) for v in variants)
    totals = Totals("CNY", 128_000, 110_000, 2, 220_000, 22_000, 10)
    return CheckoutView(checkout, member, CatalogItem(product, variants), Store(brand_id=1, code="S", name=name, id=1),
                        options, True, True, 10, totals)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=5000), st.text(max_size=300), st.sampled_from(list(Step)), st.sampled_from(["en", "zh-Hans"]))
def test_every_step_fits_telegram_whatever_the_names(name, size, step, locale):
    for outgoing in CheckoutRenderer(CATALOG).view(locale, a_view(name, size, step), edit_message_id=7):
        params = outgoing.params
        assert lengths.units(plain(params["text"])) <= lengths.TEXT
        for row in params.get("reply_markup", {}).get("inline_keyboard", []):
            for key in row:
                assert len(key["callback_data"].encode()) <= 64
                assert lengths.units(key["text"]) <= lengths.BUTTON_TEXT


def test_the_review_masks_the_phone():
    rendered = CheckoutRenderer(CATALOG).view("en", a_view("Alice", "M", Step.REVIEW))[0].params["text"]
    assert "0000 0000" not in rendered and "•••• 0000" in rendered


@given(st.sampled_from([None, *Fulfilment]), st.booleans())
def test_an_order_placed_in_the_chat_is_paid_by_invoice_exactly_when_a_provider_is_set(fulfilment, pay_in_chat):
    payment = checkout_payment(fulfilment, pay_in_chat)

    if pay_in_chat:
        assert payment is Payment.INVOICE
    else:
        assert payment is (Payment.AT_PICKUP if fulfilment is Fulfilment.PICKUP else Payment.ON_DELIVERY)


@pytest.mark.parametrize("locale", ["en", "zh-Hans"])
@pytest.mark.parametrize("pay_in_chat", [True, False])
def test_the_review_says_how_the_member_pays(locale, pay_in_chat):
    from dataclasses import replace

    view = a_view("Alice", "M", Step.REVIEW)
    view = replace(view, checkout=replace(view.checkout, fulfilment=Fulfilment.EXPRESS), pay_in_chat=pay_in_chat)
    rendered = CheckoutRenderer(CATALOG).view(locale, view)[0].params["text"]

    said = {p: CATALOG.text(locale, f"checkout.pay.{p.value}") for p in Payment}
    assert said[view.payment] in rendered
    assert [p for p, text in said.items() if text in rendered] == [Payment.INVOICE if pay_in_chat else Payment.ON_DELIVERY]
