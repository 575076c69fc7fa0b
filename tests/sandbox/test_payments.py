"""Invoices and payments through the sandbox, with a real PTB Bot: sendInvoice refused in
Telegram's words, a person paying, the pre-checkout query and its deadline, the
successful_payment message with both charge ids, and Stars refunds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Update

from bot.sandbox import Sandbox, SandboxClient, SandboxError
from tests.sandbox.conftest import BRAND

PROVIDER = "284685063:TEST:sandbox"
SCARF = [LabeledPrice("Silk scarf", 128_000), LabeledPrice("Delivery", 2_000)]
PAY = InlineKeyboardMarkup([[InlineKeyboardButton("Pay ¥1,300.00", pay=True)], [InlineKeyboardButton("Ask", callback_data="ask")]])


async def send_scarf_invoice(brand: telegram.Bot, chat_id: int, **extra) -> telegram.Message:
    options = {"provider_token": PROVIDER, "reply_markup": PAY, **extra}
    return await brand.send_invoice(chat_id, "Silk scarf", "Navy, 90 x 90 cm", "order:42", "CNY", SCARF, **options)


async def answer_next_pre_checkout(
    brand: telegram.Bot, answer: Callable[[telegram.PreCheckoutQuery], tuple[bool, str | None]]
) -> telegram.PreCheckoutQuery:
    """Wait for the next pre_checkout_query, answer it as `answer` says, return it."""
    offset = None
    while True:
        for update in await brand.get_updates(offset=offset, timeout=2, allowed_updates=Update.ALL_TYPES):
            offset = update.update_id + 1
            if update.pre_checkout_query:
                ok, error_message = answer(update.pre_checkout_query)
                await update.pre_checkout_query.answer(ok, error_message=error_message)
                await brand.get_updates(offset=offset)  # confirm it, as a running bot would
                return update.pre_checkout_query


async def next_message(brand: telegram.Bot) -> telegram.Message:
    [update] = await brand.get_updates(timeout=2)
    await brand.get_updates(offset=update.update_id + 1)
    return update.message


async def test_an_invoice_arrives_in_the_chat_with_its_pay_button(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    sent = await send_scarf_invoice(brand, ada["id"], start_parameter="scarf")

    entry = (await people.transcript(ada["id"], BRAND))[-1]

    assert (sent.invoice.title, sent.invoice.description) == ("Silk scarf", "Navy, 90 x 90 cm")
    assert (sent.invoice.currency, sent.invoice.total_amount, sent.invoice.start_parameter) == ("CNY", 130_000, "scarf")
    assert sent.reply_markup.inline_keyboard[0][0].pay is True
    assert entry["kind"] == "invoice" and entry["message_id"] == sent.message_id
    assert entry["invoice"] == {"title": "Silk scarf", "description": "Navy, 90 x 90 cm", "start_parameter": "scarf",
                                "currency": "CNY", "total_amount": 130_000, "paid": False}
    with pytest.raises(telegram.error.BadRequest, match="Message can't be copied"):
        await brand.copy_message(ada["id"], ada["id"], sent.message_id)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"prices": []}, "There must be at least one price"),
        ({"prices": [LabeledPrice("Scarf", 100), LabeledPrice("Coupon", -100)]}, "Total price must be positive"),
        ({"prices": [LabeledPrice("Scarf", 10**12)]}, "Too big amount of the currency specified"),
        ({"currency": "yuan"}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"provider_token": None}, "PAYMENT_PROVIDER_INVALID"),
        ({"currency": "XTR"}, "STARS_INVOICE_INVALID"),  # Stars take no provider token
        ({"currency": "XTR", "provider_token": None}, "STARS_INVOICE_INVALID"),  # and exactly one price
        ({"payload": "é" * 64 + "a"}, "INVOICE_PAYLOAD_INVALID"),  # 129 bytes
        ({"title": "😀" * 16 + "a"}, "invoice title must be 1-32 characters"),  # 17 code points, 33 units
        ({"description": "x" * 256}, "invoice description must be 1-255 characters"),
        ({"title": ""}, 'Parameter "title" is required'),
        ({"reply_markup": InlineKeyboardMarkup([[InlineKeyboardButton("Ask", callback_data="ask")]])},
         "REPLY_MARKUP_BUY_EMPTY"),  # an invoice's own keyboard starts with its pay button
        ({"max_tip_amount": 100, "suggested_tip_amounts": [50, 200]}, "Suggested tip amount can't be bigger than max_tip_amount"),
    ],
)
async def test_an_invoice_telegram_refuses_is_refused_in_telegrams_words(
    people: SandboxClient, brand: telegram.Bot, ada, change: dict, refusal: str
) -> None:
    invoice = {"title": "Silk scarf", "description": "Navy", "payload": "order:42", "currency": "CNY",
               "prices": SCARF, "provider_token": PROVIDER, **change}

    with pytest.raises(telegram.error.BadRequest) as refused:
        await brand.send_invoice(ada["id"], **invoice)
    [call] = await people.calls(method="sendInvoice")

    assert call["description"] == f"Bad Request: {refusal}"  # PTB shows it capitalised
    assert refused.value.message.lower() == refusal.lower()
    assert [m["kind"] for m in await people.transcript(ada["id"], BRAND)] == ["text"]  # only her /start


async def test_invoices_at_their_limits_and_in_stars_are_accepted(brand: telegram.Bot, ada) -> None:
    at_the_edge = await brand.send_invoice(
        ada["id"], "😀" * 16, "d" * 255, "é" * 64, "CNY", SCARF, provider_token=PROVIDER,
        max_tip_amount=500, suggested_tip_amounts=[100, 200, 300, 500],
    )
    stars = await brand.send_invoice(ada["id"], "Gift wrap", "Wrapped in our paper", "wrap:1", "XTR",
                                     [LabeledPrice("Wrap", 50)])

    assert at_the_edge.invoice.title == "😀" * 16 and at_the_edge.invoice.total_amount == 130_000
    assert (stars.invoice.currency, stars.invoice.total_amount) == ("XTR", 50)


async def test_a_price_that_is_not_a_whole_number_is_refused_like_the_bot_api_does(
    sandbox: Sandbox, brand: telegram.Bot, ada
) -> None:
    body = {"chat_id": ada["id"], "title": "Scarf", "description": "Navy", "payload": "p", "currency": "CNY",
            "provider_token": PROVIDER, "prices": [{"label": "Scarf", "amount": 12.5}]}

    url = f"{sandbox.api_base_url}{brand.token}/sendInvoice"
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as response:
        answer = await response.json()

    assert response.status == 400
    assert answer["description"] == 'Bad Request: Can\'t parse labeled price: Field "amount" must be of type Number'


async def test_paying_sends_a_pre_checkout_query_then_a_successful_payment_with_both_charge_ids(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    invoice = await send_scarf_invoice(brand, ada["id"], need_name=True, need_phone_number=True, need_shipping_address=True)
    address = {"country_code": "CN", "state": "Shanghai", "city": "Shanghai", "street_line1": "123 Madang Road",
               "post_code": "200021"}

    answering = asyncio.create_task(answer_next_pre_checkout(brand, lambda query: (True, None)))
    outcome = await people.pay(ada["id"], BRAND, invoice.message_id, order_info={"shipping_address": address})
    query = await answering
    receipt = await next_message(brand)

    assert (query.from_user.id, query.currency, query.total_amount, query.invoice_payload) == (ada["id"], "CNY", 130_000, "order:42")
    assert query.order_info.name == "Ada Lovelace" and query.order_info.phone_number == ada["phone_number"]
    assert query.order_info.shipping_address.street_line1 == "123 Madang Road"
    assert query.order_info.shipping_address.street_line2 == ""
    assert outcome["status"] == "paid" and outcome["paid"] and outcome["error_message"] is None
    payment = receipt.successful_payment
    assert receipt.from_user.id == receipt.chat.id == ada["id"]
    assert (payment.currency, payment.total_amount, payment.invoice_payload) == ("CNY", 130_000, "order:42")
    assert payment.telegram_payment_charge_id == outcome["telegram_payment_charge_id"] != ""
    assert payment.provider_payment_charge_id == outcome["provider_payment_charge_id"] != ""
    assert payment.order_info.shipping_address.post_code == "200021"
    assert outcome["message"]["message_id"] == receipt.message_id
    paid_invoice = next(m for m in await people.transcript(ada["id"], BRAND) if m["message_id"] == invoice.message_id)
    assert paid_invoice["invoice"]["paid"] is True
    with pytest.raises(SandboxError, match="already paid") as again:
        await people.pay(ada["id"], BRAND, invoice.message_id)
    assert again.value.status == 400


async def test_a_pre_checkout_query_carries_only_what_the_invoice_asked_for(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    invoice = await send_scarf_invoice(brand, ada["id"])

    answering = asyncio.create_task(answer_next_pre_checkout(brand, lambda query: (True, None)))
    await people.pay(ada["id"], BRAND, invoice.message_id, order_info={"name": "Ada", "phone_number": "+33600000000"})
    query = await answering
    receipt = await next_message(brand)

    assert query.order_info is None and receipt.successful_payment.order_info is None


async def test_a_refused_pre_checkout_shows_the_person_the_bots_reason_and_charges_nothing(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    invoice = await send_scarf_invoice(brand, ada["id"])

    answering = asyncio.create_task(answer_next_pre_checkout(brand, lambda query: (False, "Sold out since your order")))
    outcome = await people.pay(ada["id"], BRAND, invoice.message_id)
    await answering

    assert outcome["status"] == "refused" and not outcome["paid"]
    assert outcome["error_message"] == "Sold out since your order"
    assert await brand.get_updates(timeout=0) == ()  # no successful_payment
    kinds = [m["kind"] for m in await people.transcript(ada["id"], BRAND)]
    assert "successful_payment" not in kinds
    with pytest.raises(telegram.error.BadRequest, match='Parameter "error_message" is required'):
        await brand.answer_pre_checkout_query(outcome["pre_checkout_query_id"], ok=False)


async def test_an_unanswered_pre_checkout_times_out_and_a_late_answer_is_refused(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    await people.set_pre_checkout_timeout(0.3)
    invoice = await send_scarf_invoice(brand, ada["id"])

    started = time.monotonic()
    outcome = await people.pay(ada["id"], BRAND, invoice.message_id)
    waited = time.monotonic() - started
    [update] = await brand.get_updates()

    assert outcome["status"] == "timed_out" and not outcome["paid"]
    assert "in time" in outcome["error_message"]
    assert 0.3 <= waited < 3
    assert update.pre_checkout_query.id == outcome["pre_checkout_query_id"]
    with pytest.raises(telegram.error.BadRequest, match="Query is too old"):
        await update.pre_checkout_query.answer(ok=True)
    assert await brand.get_updates(offset=update.update_id + 1) == ()  # no successful_payment


async def test_the_deadline_is_telegrams_ten_seconds_unless_set(people: SandboxClient) -> None:
    async with Sandbox(pre_checkout_timeout=2.5) as other, SandboxClient(other.url) as people_of_other:
        assert await people_of_other.pre_checkout_timeout() == 2.5

    assert await people.pre_checkout_timeout() == 10.0
    with pytest.raises(SandboxError):
        await people.set_pre_checkout_timeout(0)
    await people.set_pre_checkout_timeout(0.5)
    assert await people.pre_checkout_timeout() == 0.5


async def test_an_answer_to_an_unknown_or_answered_query_is_refused(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    invoice = await send_scarf_invoice(brand, ada["id"])

    with pytest.raises(telegram.error.BadRequest, match="Query is too old"):
        await brand.answer_pre_checkout_query("123456789", ok=True)
    answering = asyncio.create_task(answer_next_pre_checkout(brand, lambda query: (True, None)))
    outcome = await people.pay(ada["id"], BRAND, invoice.message_id)
    await answering

    with pytest.raises(telegram.error.BadRequest, match="Query is too old"):
        await brand.answer_pre_checkout_query(outcome["pre_checkout_query_id"], ok=False, error_message="changed my mind")
    assert outcome["paid"]


async def test_an_invoice_waiting_for_the_bot_cannot_be_paid_twice_at_once(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    await people.set_pre_checkout_timeout(0.5)
    invoice = await send_scarf_invoice(brand, ada["id"])

    first = asyncio.create_task(people.pay(ada["id"], BRAND, invoice.message_id))
    await asyncio.sleep(0.1)
    with pytest.raises(SandboxError) as second:
        await people.pay(ada["id"], BRAND, invoice.message_id)

    assert second.value.status == 409
    assert (await first)["status"] == "timed_out"


async def test_only_an_invoice_can_be_paid(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    text = await brand.send_message(ada["id"], "Your scarf is ready")
    invoice = await send_scarf_invoice(brand, ada["id"], need_email=True)

    with pytest.raises(SandboxError, match="no invoice"):
        await people.pay(ada["id"], BRAND, text.message_id)
    with pytest.raises(SandboxError, match="email"):
        await people.pay(ada["id"], BRAND, invoice.message_id)
    assert await brand.get_updates(timeout=0) == ()  # nothing reached the bot


async def test_a_stars_payment_can_be_refunded_once(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    invoice = await brand.send_invoice(ada["id"], "Gift wrap", "Wrapped in our paper", "wrap:1", "XTR",
                                       [LabeledPrice("Wrap", 50)])
    answering = asyncio.create_task(answer_next_pre_checkout(brand, lambda query: (True, None)))
    outcome = await people.pay(ada["id"], BRAND, invoice.message_id)
    await answering
    paid = await next_message(brand)

    await brand.refund_star_payment(ada["id"], outcome["telegram_payment_charge_id"])
    refunded = await next_message(brand)

    assert paid.successful_payment.provider_payment_charge_id == ""  # Stars go through no provider
    assert refunded.refunded_payment.telegram_payment_charge_id == outcome["telegram_payment_charge_id"]
    assert (refunded.refunded_payment.currency, refunded.refunded_payment.total_amount) == ("XTR", 50)
    with pytest.raises(telegram.error.BadRequest, match="(?i)CHARGE_ALREADY_REFUNDED"):
        await brand.refund_star_payment(ada["id"], outcome["telegram_payment_charge_id"])
    with pytest.raises(telegram.error.BadRequest, match="(?i)CHARGE_NOT_FOUND"):
        await brand.refund_star_payment(ada["id"], "stxunknown")
