"""Any unicode in an invoice's title, description and payload, through real PTB: the
sandbox accepts exactly what Telegram accepts (title 1-32 and description 1-255 UTF-16
units, payload 1-128 UTF-8 bytes), hands the texts back unchanged, and brings the
payload back in the pre-checkout query byte for byte.

Control characters are left out: Telegram's servers clean them from texts before
counting, which the sandbox does not imitate."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import telegram
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import LabeledPrice, Update

from bot.sandbox import Sandbox, SandboxClient

BOT = "shop_bot"
CHARACTERS = st.characters(exclude_categories=("Cs", "Cc"))


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def around(limit: int, measure: Callable[[str], int]) -> st.SearchStrategy[str]:
    """Texts of any size, and texts whose measure lands within two of `limit`, where
    counting code points instead of Telegram's units would go wrong."""

    @st.composite
    def near_the_limit(draw: st.DrawFn) -> str:
        target = draw(st.integers(min_value=limit - 2, max_value=limit + 2))
        # Every character is at least one unit (or byte): `target` of them reach the target.
        characters = draw(st.lists(CHARACTERS, min_size=target, max_size=target))
        text = ""
        for character in characters:
            if measure(text) >= target:
                break
            text += character
        return text

    return st.one_of(st.text(CHARACTERS, max_size=limit + 4), near_the_limit())


def expected_refusal(title: str, description: str, payload: str) -> str | None:
    """What Telegram answers, in the order it checks."""
    for name, value in (("title", title), ("description", description), ("payload", payload)):
        if not value:
            return f'Parameter "{name}" is required'
    if utf16_units(title) > 32:
        return "invoice title must be 1-32 characters"
    if utf16_units(description) > 255:
        return "invoice description must be 1-255 characters"
    if utf8_bytes(payload) > 128:
        return "INVOICE_PAYLOAD_INVALID"
    return None


@dataclass
class Shop:
    sandbox: Sandbox
    people: SandboxClient
    bot: telegram.Bot
    shopper: int


async def open_shop() -> Shop:
    sandbox = Sandbox()
    await sandbox.start()
    sandbox.limits.enabled = False  # one chat gets every example: flood control is not tested here
    sandbox.world.pre_checkout_timeout = 2  # an example that goes wrong fails fast
    bot = telegram.Bot(sandbox.create_bot(BOT), base_url=sandbox.api_base_url, base_file_url=sandbox.file_base_url)
    await bot.initialize()
    people = SandboxClient(sandbox.url)
    shopper = (await people.create_user("Ada"))["id"]
    await people.send_text(shopper, BOT, "/start")
    [start] = await bot.get_updates()
    await bot.get_updates(offset=start.update_id + 1)
    return Shop(sandbox, people, bot, shopper)


async def close_shop(shop: Shop) -> None:
    await shop.bot.shutdown()
    await shop.people.close()
    await shop.sandbox.stop()


async def pay_and_read_payload(shop: Shop, message_id: int) -> str:
    """Pay the invoice, answer the pre-checkout query, return the payload it carried."""

    async def answer() -> str:
        while True:
            for update in await shop.bot.get_updates(timeout=2, allowed_updates=Update.ALL_TYPES):
                await shop.bot.get_updates(offset=update.update_id + 1)
                if update.pre_checkout_query:
                    await update.pre_checkout_query.answer(ok=True)
                    return update.pre_checkout_query.invoice_payload

    answering = asyncio.create_task(answer())
    try:
        outcome = await shop.people.pay(shop.shopper, BOT, message_id)
        payload = await asyncio.wait_for(answering, 2)
    finally:
        answering.cancel()  # a failed example must not leave a reader of the next one's updates
    assert outcome["paid"]
    [receipt] = await shop.bot.get_updates()
    await shop.bot.get_updates(offset=receipt.update_id + 1)
    assert receipt.message.successful_payment.invoice_payload == payload
    return payload


async def send_and_judge(shop: Shop, title: str, description: str, payload: str) -> None:
    refusal = expected_refusal(title, description, payload)
    prices = [LabeledPrice("Scarf", 1_000)]
    try:
        sent = await shop.bot.send_invoice(shop.shopper, title, description, payload, "XTR", prices)
    except telegram.error.BadRequest:
        call = (await shop.people.calls(method="sendInvoice"))[-1]
        assert call["description"] == f"Bad Request: {refusal}"
        return
    assert refusal is None, f"accepted what Telegram refuses with {refusal!r}"
    assert (sent.invoice.title, sent.invoice.description) == (title, description)
    assert await pay_and_read_payload(shop, sent.message_id) == payload


def test_invoice_texts_are_held_to_telegrams_units_whatever_their_characters() -> None:
    with asyncio.Runner() as runner:
        shop = runner.run(open_shop())
        try:

            @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
            @given(title=around(32, utf16_units), description=around(255, utf16_units), payload=around(128, utf8_bytes))
            def check(title: str, description: str, payload: str) -> None:
                runner.run(send_and_judge(shop, title, description, payload))

            check()
        finally:
            runner.run(close_shop(shop))

