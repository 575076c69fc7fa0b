"""Given/when/then for orders end to end: a product with stock in the shop's store, an order
a member placed (as the checkout places it: commerce.ordering.place_order for the member's
identity), the associate's `/order` steps, and what the database says of the order.

The checkout conversation that places orders in the chat is another feature's; these tests
start from the order it leaves behind.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from commerce.bots import BotKind
from commerce.catalog import MemberPrice, Product, Variant
from commerce.fan_out import fan_out
from commerce.identity import identify
from commerce.order_moves import Moved
from commerce.order_values import Delivery, Order
from commerce.ordering import OrderRequest, place_order
from commerce.orders import Fulfilment, Payment
from commerce.outbox import OutboxMessage, OutboxPurpose
from tests.e2e.scenario import Shop, settle

PROVIDER_TOKEN = "284685063:TEST:c2FuZGJveC1wcm92aWRlcg"  # the shape @BotFather gives; the sandbox takes any
ADDRESS = Delivery(contact_name="Alice", phone="+8613811112222", address="88 Middle Huaihai Road, Shanghai")


async def a_product(stack, shop: Shop, *, name: str = "Silk scarf", sku: str = "SCARF-NAVY", price_minor: int = 128_000,
                    on_hand: int = 3, gold_minor: int | None = None) -> int:
    """A product with one SKU on sale and `on_hand` of it in the shop's store; the SKU's id."""
    services = stack.runtime.services
    now = datetime.now(UTC)
    async with services.uow() as uow:
        product = await uow.catalog.upsert_product(Product(brand_id=services.brand.id, code=f"P-{sku}", name=name,
                                                           category="scarves", currency="CNY", created_at=now, updated_at=now))
        variant = await uow.catalog.upsert_variant(Variant(brand_id=services.brand.id, product_id=product.id, sku=sku,
                                                           price_minor=price_minor))
        if gold_minor is not None:
            await uow.catalog.set_member_prices(variant.id, [MemberPrice("Gold", gold_minor)])
        await uow.stock.set_on_hand(shop.store.id, variant.id, on_hand, now)
        await uow.commit()
    return variant.id


async def make_tier(stack, user: int, tier: str) -> None:
    services = stack.runtime.services
    async with services.uow() as uow:
        member = await uow.members.by_telegram_user(services.brand.id, user)
        member.tier = tier
        await uow.members.update(member)
        await uow.commit()


async def placed_order(stack, user: int, variant_id: int, *, quantity: int = 1, payment: Payment = Payment.INVOICE,
                       fulfilment: Fulfilment = Fulfilment.DELIVERY, use_reward: bool = False) -> Order:
    """The member's order, pending the associate's stock check."""
    services = stack.runtime.services
    async with services.uow() as uow:
        who = await identify(uow, BotKind.CONSUMER, services.brand.id, user)
        delivery = ADDRESS if fulfilment is not Fulfilment.PICKUP else Delivery(contact_name="Alice")
        placed = await place_order(uow, who, OrderRequest(variant_id, quantity, fulfilment, payment, delivery, use_reward),
                                   datetime.now(UTC))
        assert isinstance(placed, Moved), placed
        await uow.commit()
    return placed.order


async def order_now(stack, order_id: int) -> Order:
    async with stack.runtime.services.uow() as uow:
        order = await uow.orders.get(order_id)
    assert order is not None
    return order


async def events_of(stack, order_id: int) -> list[Any]:
    async with stack.runtime.services.uow() as uow:
        return list(await uow.orders.events(order_id))


async def step(stack, associate_user: int, words: str) -> dict[str, Any]:
    """An associate's `/order ...` and the bot's answer to it."""
    sent = await stack.people.send_text(associate_user, stack.associate_bot, f"/order {words}")
    answer = await stack.people.wait_for(associate_user, stack.associate_bot,
                                         lambda m: not (m["text"] or "").startswith(("📋", "💬")), 10.0,
                                         after_message_id=sent["message_id"])
    await settle(stack)
    return answer


async def invoice_message(stack, user: int, after: int = 0) -> dict[str, Any]:
    return await stack.people.wait_for(user, stack.consumer_bot, lambda m: m["kind"] == "invoice", 10.0,
                                       after_message_id=after)


# --- a campaign draining in the bulk lane, for the lane tests ----------------------------------


async def audience(stack, size: int) -> list[int]:
    """People who started the consumer bot (so Telegram lets it write to them)."""
    people = []
    for n in range(size):
        person = stack.sandbox.people.create(f"Shopper{n}")
        stack.sandbox.people.chat(person.id, stack.consumer_bot).started = True
        people.append(person.id)
    return people


async def queue_campaign(stack, chats: list[int], body: str) -> None:
    """A campaign's rows, written in chunks and announced in the bulk lane."""
    services = stack.runtime.services
    now = services.clock.now()
    await fan_out(services.uow, (
        OutboxMessage(bot=BotKind.CONSUMER, chat_id=chat, method="sendMessage", params={"text": body},
                      created_at=now, purpose=OutboxPurpose.CAMPAIGN, campaign_id=1)
        for chat in chats), services.signals.outbox_pending, chunk=100)


async def pending_campaign_rows(stack) -> int:
    async with stack.runtime.services.uow() as uow:
        return len(list(await uow.outbox.pending_chats(1000, purposes=[OutboxPurpose.CAMPAIGN])))
