"""Buying in the chat, end to end: a product card's Buy, the checkout's steps, the order
placed, the associate's card and the member told; what the checkout refuses."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.interface.callbacks import CheckoutStart, CheckoutStep
from bot.interface.render.base import button, text
from commerce.bots import BotKind
from commerce.catalog import MemberPrice, Product, Variant
from tests.e2e.scenario import (
    buttons,
    enrol,
    open_shop,
    press,
    push_callback,
    settle,
    wait_for_edit,
    wait_for_text,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)


async def a_scarf(stack, shop) -> tuple[int, dict[str, int]]:
    """A scarf in two colours, ¥1,280.00 (Gold ¥1,100.00), 3 navy and 0 red in the shop."""
    services = stack.runtime.services
    async with services.uow() as uow:
        product = await uow.catalog.upsert_product(Product(brand_id=services.brand.id, code="SC-1", name="Silk scarf",
                                                           category="scarves", currency="CNY", created_at=T0, updated_at=T0))
        ids = {}
        for colour, on_hand in (("navy", 3), ("red", 0)):
            variant = await uow.catalog.upsert_variant(Variant(brand_id=services.brand.id, product_id=product.id,
                                                               sku=f"SC-1-{colour}", price_minor=128_000, size="M", colour=colour))
            await uow.catalog.set_member_prices(variant.id, [MemberPrice("Gold", 110_000)])
            await uow.stock.set_on_hand(shop.store.id, variant.id, on_hand, T0)
            ids[colour] = variant.id
        await uow.commit()
    return product.id, ids


async def a_card(stack, user: int, product_id: int, label: str = "Silk scarf card") -> dict:
    """A product card in the member's chat with the Buy button, as the catalog sends it."""
    services = stack.runtime.services
    async with services.uow() as uow:
        outgoing = text(label, buttons=[[button("Buy", CheckoutStart(product_id, False)),
                                         button("Reserve", CheckoutStart(product_id, True))]])
        await services.postbox(uow).queue(BotKind.CONSUMER, user, [outgoing])
        await uow.commit()
    return await wait_for_text(stack, user, stack.consumer_bot, label)


async def gold(stack, user: int) -> None:
    async with stack.runtime.services.uow() as uow:
        member = (await uow.members.with_associate(stack.runtime.services.brand.id, user))[0]
        member.tier = "Gold"
        await uow.members.update(member)
        await uow.commit()


def data_of(message: dict, label: str) -> str:
    return next(data for shown, data in buttons(message) if label in shown)


async def test_a_member_buys_from_a_card_and_the_associate_confirms(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await gold(stack, alice)
    product_id, _ = await a_scarf(stack, shop)
    card = await a_card(stack, alice, product_id)

    await press(stack, alice, stack.consumer_bot, card, data_of(card, "Buy"))
    step = await wait_for_text(stack, alice, stack.consumer_bot, "Choose a size and colour", after=card["message_id"])
    assert "¥1,100.00" in str(buttons(step)) and "Sold out at your store: M · red" in step["text"]
    await press(stack, alice, stack.consumer_bot, step, data_of(step, "navy"))
    step = await wait_for_edit(stack, alice, stack.consumer_bot, step, "How many? (up to 3)")
    assert [label for label, _ in buttons(step)][:3] == ["1", "2", "3"]
    # Back and forth: Back shows the variants again, in the same message.
    await press(stack, alice, stack.consumer_bot, step, data_of(step, "Back"))
    step = await wait_for_edit(stack, alice, stack.consumer_bot, step, "Choose a size")
    await press(stack, alice, stack.consumer_bot, step, data_of(step, "navy"))
    step = await wait_for_edit(stack, alice, stack.consumer_bot, step, "How many?")
    await press(stack, alice, stack.consumer_bot, step, "bx:" + data_of(step, "2").split(":", 1)[1])
    step = await wait_for_edit(stack, alice, stack.consumer_bot, step, "How would you like to get it?")
    assert not any("Same-day" in label for label, _ in buttons(step))  # the shop has no location
    await press(stack, alice, stack.consumer_bot, step, data_of(step, "Pick up at"))
    asked = await wait_for_text(stack, alice, stack.consumer_bot, "Who receives the order?", after=step["message_id"])
    await settle(stack)

    # Typed while the checkout asks for a contact: for the checkout, not for Bob.
    await stack.people.send_text(alice, stack.consumer_bot, "hello Bob, is it soft?")
    await wait_for_text(stack, alice, stack.consumer_bot, "does not look like a phone number", after=asked["message_id"])
    await settle(stack)
    assert not [m for m in await stack.bot_messages(shop.bob_user, stack.associate_bot) if "is it soft" in (m["text"] or "")]

    await stack.people.press_keyboard_button(alice, stack.consumer_bot, "📱 Share my phone")
    review = await wait_for_text(stack, alice, stack.consumer_bot, "Your order", after=asked["message_id"])
    for needle in ("2 × CN¥1,100.00 = CN¥2,200.00", "Member price (Gold): CN¥1,100.00 instead of CN¥1,280.00",
                   "Enrollment reward −10%: −CN¥220.00", "Total: CN¥1,980.00", "Pickup at Shanghai Xintiandi",
                   "You pay at the counter when you collect it."):
        assert needle in review["text"], needle
    await press(stack, alice, stack.consumer_bot, review, data_of(review, "Place order"))
    placed = await wait_for_edit(stack, alice, stack.consumer_bot, review, "placed — your associate will confirm stock")

    card_for_bob = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "Order #")
    assert "Alice" in card_for_bob["text"] and "Gold" in card_for_bob["text"] and "CN¥1,980.00" in card_for_bob["text"]
    await settle(stack)
    await press(stack, shop.bob_user, stack.associate_bot, card_for_bob, data_of(card_for_bob, "Confirm stock"))
    await wait_for_edit(stack, shop.bob_user, stack.associate_bot, card_for_bob, "confirmed")
    await wait_for_text(stack, alice, stack.consumer_bot, "is in stock and held for you; you pay when you collect it",
                        after=placed["message_id"])
    await settle(stack)
    told = [m for m in await stack.bot_messages(alice, stack.consumer_bot) if m["message_id"] > placed["message_id"]]
    assert len(told) == 1, "one message for the step, as /order and the orders API say it"

    # Old and forged buttons: the checkout is closed, another id is nobody's.
    stale = await push_callback(stack, alice, stack.consumer_bot, review["message_id"],
                                CheckoutStep(int(data_of(review, "Place order").split(":")[1]), "review", "place").pack())
    assert "no longer valid" in stale["text"]
    forged = await push_callback(stack, shop.bob_user, stack.associate_bot, card_for_bob["message_id"], "od:999:confirm:0")
    assert "not one of yours" in forged["text"]

    # /orders and /points.
    mine = await stack.reply_to(alice, stack.consumer_bot, "/orders")
    assert "Silk scarf" in mine["text"] and "confirmed" in mine["text"]
    points = await stack.reply_to(alice, stack.consumer_bot, "/points")
    assert "0</b> points" in points["text"] or "0 points" in points["text"]
    pipeline = await stack.reply_to(shop.bob_user, stack.associate_bot, "/orders")
    assert "To pack: 1" in pipeline["text"] and "Needs confirmation: 0" in pipeline["text"]
