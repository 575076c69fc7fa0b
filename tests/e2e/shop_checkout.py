"""Given/when/then for a member's checkout end to end: a product in two sizes in the shop's
store, the associate's card sent to a member from the staff bot's catalog (as picks send
it), and a member going through the checkout's steps with the buttons the bot gave them.

Buttons are pressed by their label on the message the member has; a step that waits for
typing is answered by typing or by the reply keyboard's button, as a phone would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.interface.callbacks import CatalogProduct, SendPick
from commerce.catalog import MemberPrice, Product, Variant
from tests.e2e.scenario import (
    Shop,
    buttons,
    membership,
    press,
    settle,
    wait_for_edit,
    wait_for_text,
)

LIST, GOLD = 128_000, 110_000  # a scarf's list price and Gold price, in fen


@dataclass
class Scarf:
    product_id: int
    sizes: dict[str, int]  # size -> variant id


async def a_scarf(stack, shop: Shop, *, on_hand: dict[str, int] | None = None, name: str = "Silk scarf") -> Scarf:
    """A scarf in M and L (CN¥1,280.00, Gold CN¥1,100.00), with `on_hand` of each at the shop."""
    services = stack.runtime.services
    now = datetime.now(UTC)
    stock = on_hand or {"M": 3, "L": 2}
    async with services.uow() as uow:
        product = await uow.catalog.upsert_product(Product(brand_id=services.brand.id, code="SC-7", name=name,
                                                           category="Scarves", currency="CNY", created_at=now, updated_at=now))
        sizes = {}
        for size, count in stock.items():
            variant = await uow.catalog.upsert_variant(Variant(brand_id=services.brand.id, product_id=product.id,
                                                               sku=f"SC-7-{size}", price_minor=LIST, size=size, colour="Navy"))
            await uow.catalog.set_member_prices(variant.id, [MemberPrice("Gold", GOLD)])
            await uow.stock.set_on_hand(shop.store.id, variant.id, count, now)
            sizes[size] = variant.id
        await uow.commit()
    return Scarf(product.id, sizes)


def data_of(message: dict[str, Any], label_part: str) -> str:
    return next(data for label, data in buttons(message) if label_part in label)


def shown(message: dict[str, Any]) -> str:
    return message["text"] or message.get("caption") or ""


async def send_card(stack, shop: Shop, associate_user: int, member_user: int, product_id: int) -> dict[str, Any]:
    """The associate opens the product in the staff bot's catalog and sends it to the member:
    the card in the member's chat."""
    sent = await stack.people.send_text(associate_user, stack.associate_bot, "/catalog scarf")
    home = await stack.people.wait_for(associate_user, stack.associate_bot, lambda m: True, 10.0,
                                       after_message_id=sent["message_id"])
    await press(stack, associate_user, stack.associate_bot, home, CatalogProduct(product_id, 0).pack())
    card = await stack.people.wait_for(associate_user, stack.associate_bot, lambda m: "Send to a member" in str(buttons(m)),
                                       10.0, after_message_id=home["message_id"])
    await press(stack, associate_user, stack.associate_bot, card, SendPick(product_id, 0).pack())
    picker = await wait_for_text(stack, associate_user, stack.associate_bot, "to which member", after=card["message_id"])
    member_id = (await membership(stack, member_user)).member.id
    await press(stack, associate_user, stack.associate_bot, picker, SendPick(product_id, member_id).pack())
    pick = await stack.people.wait_for(member_user, stack.consumer_bot, lambda m: "Buy" in str(buttons(m)), 10.0)
    await settle(stack)
    return pick


async def choose(stack, user: int, step: dict[str, Any], label: str, then: str) -> dict[str, Any]:
    """Press the step's button labelled `label`; the same message, once it reads `then`."""
    await press(stack, user, stack.consumer_bot, step, data_of(step, label))
    return await wait_for_edit(stack, user, stack.consumer_bot, step, then)


async def buy_to_review(stack, user: int, card: dict[str, Any], *, size: str = "M", quantity: int = 1,
                        address: str = "88 Middle Huaihai Road, Shanghai") -> dict[str, Any]:
    """Buy on the card → size → quantity → express delivery → the phone by request_contact →
    a typed address: the review."""
    await press(stack, user, stack.consumer_bot, card, data_of(card, "Buy"))
    step = await wait_for_text(stack, user, stack.consumer_bot, "Choose a size and colour", after=card["message_id"])
    step = await choose(stack, user, step, f"{size} · Navy", "How many?")
    step = await choose(stack, user, step, str(quantity), "How would you like to get it?")
    await press(stack, user, stack.consumer_bot, step, data_of(step, "Express"))
    asked = await wait_for_text(stack, user, stack.consumer_bot, "Who receives the order?", after=step["message_id"])
    await settle(stack)
    await stack.people.press_keyboard_button(user, stack.consumer_bot, "📱 Share my phone")
    where = await wait_for_text(stack, user, stack.consumer_bot, "Type the delivery address", after=asked["message_id"])
    await settle(stack)
    await stack.people.send_text(user, stack.consumer_bot, address)
    return await wait_for_text(stack, user, stack.consumer_bot, "Your order", after=where["message_id"])


async def place(stack, user: int, review: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Place order on the review: the order's number and the placed message."""
    await press(stack, user, stack.consumer_bot, review, data_of(review, "Place order"))
    placed = await wait_for_edit(stack, user, stack.consumer_bot, review, "placed")
    number = int(placed["text"].split("#", 1)[1].split()[0])
    return number, placed


async def member_messages_after(stack, user: int, message_id: int) -> list[dict[str, Any]]:
    """What the bot sent the member after message `message_id`, everything delivered first."""
    await settle(stack)
    return [m for m in await stack.bot_messages(user, stack.consumer_bot) if m["message_id"] > message_id]
