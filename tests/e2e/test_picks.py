"""The catalog in the chats, end to end: an associate browses, searches and pages /catalog,
reads a product's card (prices per tier and locale, stock here and in the other store),
sends it to a member (who gets it under the associate's persona with Buy, Ask and Reserve,
priced for their tier; the history keeps it), sends the new arrivals as a lookbook album;
a member browses /catalog and /new, and Ask, Buy and Reserve reach their associate with
the product named. Forged data, other associates, HQ, strangers and guests are refused;
each product picture is uploaded once per bot.

Given the store of the enrollment tests (Bob and Lina), a store in Beijing, and a small
catalog written in the test. Both stacks run every test.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from bot.interface.callbacks import (
    CatalogList,
    CatalogProduct,
    CheckoutStart,
    OpenCatalog,
    SendLookbook,
    SendPick,
    ShopAction,
    ShopList,
    ShopProduct,
)
from commerce.catalog import MemberPrice, Product, Variant
from commerce.conversations import Direction, MessageKind
from commerce.outbox import Blob
from commerce.people import HQOperator, Store
from commerce.shelf import category_key
from commerce.workspace import set_tier
from storage.backends import SendLimits
from tests.e2e.scenario import (
    STORE_NAME,
    buttons,
    enrol,
    enrol_with_bob,
    history_of,
    membership,
    open_shop,
    png,
    press,
    push_callback,
    settle,
    wait_for_edit,
    wait_for_text,
)

PERSONA = f"Bob · {STORE_NAME}"
STALE = "This button is no longer valid. Please use the latest message."
LINENS = 9  # linen scarves besides the two new ones: Scarves has 11, a page holds 8


@pytest.fixture
def stack_limits() -> SendLimits:
    return SendLimits(per_chat_rate=50.0, per_chat_burst=20)


@pytest.fixture(autouse=True)
async def quick_chats(stack) -> None:
    await stack.people.set_limits(per_chat_rate=50.0, per_chat_burst=20)


async def stock_the_shelves(stack, shop) -> dict[str, int]:
    """Products by code -> id: two new scarves with Gold prices and pictures, nine linen
    scarves, a shirt in three sizes; stock in Shanghai (the shop) and Beijing."""
    services = stack.runtime.services
    brand_id, now = services.brand.id, services.clock.now()
    ids: dict[str, int] = {}
    async with services.uow() as uow:
        beijing = await uow.stores.add(Store(brand_id=brand_id, code="BJ1", name="Beijing Sanlitun"))

        async def product(code: str, name: str, category: str, price: int, variants: list[tuple[str | None, str | None, int, int]],
                          *, new: bool = False, gold: int | None = None, colour: str = "red") -> None:
            made = await uow.catalog.upsert_product(Product(brand_id=brand_id, code=code, name=name, category=category, currency="CNY",
                                                            description=f"The {name.lower()} of the season.", is_new=new,
                                                            created_at=now, updated_at=now))
            ids[code] = made.id
            content = png(colour, (12, 10))
            blob = await uow.blobs.put(Blob(hashlib.sha256(content).hexdigest(), content, "image/png", f"{code}.png", now))
            await uow.catalog.set_images(made.id, [blob.id])
            for n, (size, tint, here, there) in enumerate(variants):
                variant = await uow.catalog.upsert_variant(Variant(brand_id=brand_id, product_id=made.id, sku=f"{code}-{n}",
                                                                   price_minor=price, size=size, colour=tint))
                if gold is not None:
                    await uow.catalog.set_member_prices(variant.id, [MemberPrice("Gold", gold)])
                await uow.stock.set_on_hand(shop.store.id, variant.id, here, now)
                await uow.stock.set_on_hand(beijing.id, variant.id, there, now)

        for n in range(LINENS):
            await product(f"LN-{n:02}", f"Linen scarf {n}", "Scarves", 58000, [(None, "Sage", 1, 1)], colour="#8FA58A")
        await product("TS-201", "Oxford shirt", "Shirts", 89000, [("S", "White", 0, 2), ("M", "White", 0, 0), ("L", "White", 0, 1)],
                      colour="white")
        await product("SC-102", "Silk square", "Scarves", 98000, [(None, "Rose", 2, 0)], new=True, colour="pink")
        await product("SC-101", "Cashmere scarf", "Scarves", 128000, [(None, "Navy", 3, 2), (None, "Camel", 0, 4)],
                      new=True, gold=115000, colour="navy")
        await uow.commit()
    return ids


async def gold(stack, user: int) -> None:
    services = stack.runtime.services
    state = await membership(stack, user)
    async with services.uow() as uow:
        await set_tier(uow, state.member, "Gold", "cli", services.clock.now())
        await uow.commit()


async def asks(stack, user: int, bot: str, text: str) -> dict[str, Any]:
    sent = await stack.people.send_text(user, bot, text)
    return await stack.people.wait_for(user, bot, lambda m: True, 10.0, after_message_id=sent["message_id"])


async def pressed(stack, user: int, bot: str, message: dict[str, Any], data: str, *, kind: str | None = None,
                  needle: str = "") -> dict[str, Any]:
    """Press a button the message has; the bot's next new message (of `kind`, holding `needle`)."""
    await press(stack, user, bot, message, data)
    return await stack.people.wait_for(
        user, bot, lambda m: m["sender"] == "bot" and (kind is None or m["kind"] == kind)
        and needle in (m["text"] or m["caption"] or ""), 10.0, after_message_id=message["message_id"])


def data_of(message: dict[str, Any], label_part: str) -> str:
    return next(data for label, data in buttons(message) if label_part in label)


async def test_an_associate_browses_categories_pages_in_place_and_searches(stack):
    shop = await open_shop(stack)
    await stock_the_shelves(stack, shop)
    bob = shop.bob_user

    home = await asks(stack, bob, stack.associate_bot, "/catalog")
    scarves = CatalogList("c", category_key("Scarves"), 0, 0).pack()
    await press(stack, bob, stack.associate_bot, home, scarves)
    first = await wait_for_edit(stack, bob, stack.associate_bot, home, "page 1")
    await press(stack, bob, stack.associate_bot, first, CatalogList("c", category_key("Scarves"), 1, 0).pack())
    second = await wait_for_edit(stack, bob, stack.associate_bot, home, "page 2")
    found = await asks(stack, bob, stack.associate_bot, "/catalog  CASHMERE")
    nothing = await asks(stack, bob, stack.associate_bot, "/catalog velvet: gloves")

    assert home["text"].startswith("🛍 Catalog · 12 products.")
    assert [label for label, _ in buttons(home)] == ["✨ New arrivals (2)", "Scarves (11)", "Shirts (1)",
                                                     "🖼 Send the new arrivals to a member"]
    assert first["message_id"] == second["message_id"] == home["message_id"], "pages replace the listing"
    lines = first["text"].splitlines()
    assert lines[0] == "🛍 Scarves · 11 products · page 1" and len(lines) == 9
    assert lines[1] == "1. Cashmere scarf · CN¥1,280.00", "newest first, the list price for an associate"
    assert [label for label, _ in buttons(first)][-2:] == ["↩ Categories", "▶"]
    assert second["text"].splitlines()[0] == "🛍 Scarves · 11 products · page 2" and len(second["text"].splitlines()) == 4
    assert [label for label, _ in buttons(second)][-2:] == ["◀", "↩ Categories"]
    assert found["text"] == "🔎 cashmere · 1 found · page 1\n1. Cashmere scarf · CN¥1,280.00"
    assert nothing["text"].startswith("🔎 Nothing found for velvet gloves.")


async def test_a_card_shows_every_price_and_the_stock_here_and_in_the_other_store(stack):
    shop = await open_shop(stack)
    ids = await stock_the_shelves(stack, shop)
    home = await asks(stack, shop.bob_user, stack.associate_bot, "/catalog cashmere")

    card = await pressed(stack, shop.bob_user, stack.associate_bot, home, CatalogProduct(ids["SC-101"], 0).pack(), kind="photo")
    shirts = await asks(stack, shop.bob_user, stack.associate_bot, "/catalog oxford")
    shirt = await pressed(stack, shop.bob_user, stack.associate_bot, shirts, CatalogProduct(ids["TS-201"], 0).pack(),
                          kind="photo", needle="Oxford")

    assert card["caption"].splitlines() == [
        "Cashmere scarf", "SC-101 · Scarves", "Price: CN¥1,280.00", "Gold: CN¥1,150.00", "The cashmere scarf of the season.",
        f"Stock · here ({STORE_NAME}) · other stores",
        "• Navy: 3 here · Beijing Sanlitun 2", "• Camel: 0 here · Beijing Sanlitun 4"]
    assert buttons(card) == [("📤 Send to a member", SendPick(ids["SC-101"], 0).pack())]
    assert shirt["caption"].splitlines()[-3:] == ["• S / White: 0 here · Beijing Sanlitun 2", "• M / White: 0 here",
                                                  "• L / White: 0 here · Beijing Sanlitun 1"]


async def test_a_pick_reaches_the_member_under_the_persona_priced_for_their_tier_and_is_kept(stack):
    shop = await open_shop(stack)
    ids = await stock_the_shelves(stack, shop)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await gold(stack, alice)
    xiaoming = await stack.person("小明", language_code="zh-hans")
    await enrol_with_bob(stack, shop, xiaoming, "小明")

    home = await asks(stack, shop.bob_user, stack.associate_bot, "/catalog cashmere")
    card = await pressed(stack, shop.bob_user, stack.associate_bot, home, CatalogProduct(ids["SC-101"], 0).pack(), kind="photo")
    picker = await pressed(stack, shop.bob_user, stack.associate_bot, card, SendPick(ids["SC-101"], 0).pack(), needle="which member")
    member_id = (await membership(stack, alice)).member.id
    answer = await press(stack, shop.bob_user, stack.associate_bot, picker, SendPick(ids["SC-101"], member_id).pack())
    pick = await stack.people.wait_for(alice, stack.consumer_bot, lambda m: m["kind"] == "photo", 10.0)
    await press(stack, shop.bob_user, stack.associate_bot, picker, data_of(picker, "小明"))
    chinese = await stack.people.wait_for(xiaoming, stack.consumer_bot, lambda m: m["kind"] == "photo", 10.0)
    await settle(stack)
    shown = await asks(stack, shop.bob_user, stack.associate_bot, "/chats")
    opened = await pressed(stack, shop.bob_user, stack.associate_bot, shown, data_of(shown, "Alice"), needle="Alice")

    assert picker["text"] == "📤 Send Cashmere scarf to which member?"
    assert {label for label, _ in buttons(picker)} == {"Alice", "小明"}
    assert answer["text"] == "📤 Cashmere scarf sent to Alice."
    assert pick["caption"].splitlines()[:4] == [PERSONA, "Cashmere scarf", "SC-101",
                                                "CN¥1,150.00 · your Gold price (list CN¥1,280.00)"]
    assert f"✅ In stock at {STORE_NAME}" in pick["caption"]
    assert buttons(pick) == [("🛒 Buy", CheckoutStart(ids["SC-101"], False).pack()), ("❓ Ask", ShopAction("ask", ids["SC-101"]).pack()),
                             ("📍 Reserve for pickup", CheckoutStart(ids["SC-101"], True).pack())]
    assert chinese["caption"].splitlines()[3] == "¥1,280.00", "a member without a tier pays the list price, in their locale"
    assert [label for label, _ in buttons(chinese)] == ["🛒 购买", "❓ 咨询", "📍 预留自提"]
    history = await history_of(stack, alice)
    assert (history[-1].direction, history[-1].kind, history[-1].text) == (Direction.OUT, MessageKind.PRODUCT, "SC-101 · Cashmere scarf")
    assert "🛍 SC-101 · Cashmere scarf" in opened["text"], "the conversation shows what was sent"


async def test_each_product_picture_is_uploaded_once_per_bot(stack):
    shop = await open_shop(stack)
    ids = await stock_the_shelves(stack, shop)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    member_id = (await membership(stack, alice)).member.id
    home = await asks(stack, shop.bob_user, stack.associate_bot, "/catalog cashmere")

    cards = [await pressed(stack, shop.bob_user, stack.associate_bot, home, CatalogProduct(ids["SC-101"], 0).pack(), kind="photo")]
    await press(stack, shop.bob_user, stack.associate_bot, home, CatalogProduct(ids["SC-101"], 0).pack())
    cards.append(await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: m["kind"] == "photo", 10.0,
                                             after_message_id=cards[0]["message_id"]))
    picker = await pressed(stack, shop.bob_user, stack.associate_bot, cards[1], SendPick(ids["SC-101"], 0).pack(), needle="which")
    for _ in range(2):
        await press(stack, shop.bob_user, stack.associate_bot, picker, SendPick(ids["SC-101"], member_id).pack())
    await stack.people.wait_for(alice, stack.consumer_bot, lambda m: m["kind"] == "photo", 10.0)
    await settle(stack)
    picks = [m for m in await stack.bot_messages(alice, stack.consumer_bot) if m["kind"] == "photo"]

    assert len(picks) == 2
    for bot in (stack.associate_bot, stack.consumer_bot):
        calls = await stack.people.calls(bot=bot, method="sendPhoto")
        assert len(calls) == 2 and [len(call.get("uploads", [])) for call in calls] == [1, 0], bot
    assert cards[0]["file"]["file_unique_id"] == cards[1]["file"]["file_unique_id"]
    assert picks[0]["file"]["file_unique_id"] == picks[1]["file"]["file_unique_id"]


async def test_the_new_arrivals_go_to_a_member_as_a_lookbook_from_their_profile(stack):
    shop = await open_shop(stack)
    ids = await stock_the_shelves(stack, shop)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    member_id = (await membership(stack, alice)).member.id
    await stack.people.send_text(alice, stack.consumer_bot, "Anything new?")
    relayed = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "Anything new?")
    profile = await pressed(stack, shop.bob_user, stack.associate_bot, relayed, data_of(relayed, "Profile"), needle="Enrolled")

    home = await pressed(stack, shop.bob_user, stack.associate_bot, profile, OpenCatalog(member_id).pack(),
                         needle="choosing for")
    answer = await press(stack, shop.bob_user, stack.associate_bot, home, SendLookbook(member_id).pack())
    follow = await wait_for_text(stack, alice, stack.consumer_bot, "Tap a piece")
    album = [m for m in await stack.bot_messages(alice, stack.consumer_bot) if m["media_group_id"]]
    card = await pressed(stack, alice, stack.consumer_bot, follow, ShopProduct(ids["SC-102"]).pack(), kind="photo")
    await settle(stack)

    assert "🛍 Send a product" in [label for label, _ in buttons(profile)]
    assert home["text"].startswith("🛍 Catalog · choosing for Alice.")
    assert answer["text"] == "🖼 2 new arrivals sent to Alice."
    assert album[0]["caption"].splitlines() == [PERSONA, f"✨ New arrivals at {STORE_NAME}",
                                                "1. Cashmere scarf · CN¥1,280.00", "2. Silk square · CN¥980.00"]
    assert [label for label, _ in buttons(follow)] == ["1. Cashmere scarf", "2. Silk square"]
    assert card["caption"].splitlines()[:2] == ["Silk square", "SC-102"]
    assert len(album) == 2 and len({m["media_group_id"] for m in album}) == 1 and album[1]["caption"] is None
    assert follow["reply_to_message_id"] == album[0]["message_id"], "the buttons follow the album"
    assert len(await stack.people.calls(bot=stack.consumer_bot, method="sendMediaGroup")) == 1
    history = await history_of(stack, alice)
    assert (history[-1].kind, history[-1].text) == (MessageKind.LOOKBOOK, "SC-101 · Cashmere scarf; SC-102 · Silk square")


async def test_a_member_browses_and_ask_reaches_their_associate_while_buy_and_reserve_start_the_checkout(stack):
    shop = await open_shop(stack)
    ids = await stock_the_shelves(stack, shop)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await gold(stack, alice)

    home = await asks(stack, alice, stack.consumer_bot, "/catalog")
    await press(stack, alice, stack.consumer_bot, home, ShopList("c", category_key("Shirts"), 0).pack())
    shirts = await wait_for_edit(stack, alice, stack.consumer_bot, home, "Shirts")
    shirt = await pressed(stack, alice, stack.consumer_bot, shirts, ShopProduct(ids["TS-201"]).pack(), kind="photo")
    new = await asks(stack, alice, stack.consumer_bot, "/new")
    card = await pressed(stack, alice, stack.consumer_bot, new, ShopProduct(ids["SC-101"]).pack(), kind="photo")
    told = await pressed(stack, alice, stack.consumer_bot, card, ShopAction("ask", ids["SC-101"]).pack(), needle="question")
    asked = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "Asks about")
    await settle(stack)
    await stack.people.send_text(shop.bob_user, stack.associate_bot, "It's lovely, come and try it", reply_to_message_id=asked["message_id"])
    answered = await wait_for_text(stack, alice, stack.consumer_bot, "come and try it")
    buy = await pressed(stack, alice, stack.consumer_bot, shirt, CheckoutStart(ids["TS-201"], False).pack(), needle="Oxford shirt")
    await press(stack, alice, stack.consumer_bot, card, CheckoutStart(ids["SC-101"], True).pack())
    reserve = await wait_for_text(stack, alice, stack.consumer_bot, "Cashmere scarf", after=buy["message_id"])
    # A card sent before Buy started the checkout (its data says "buy") starts it as well.
    await push_callback(stack, alice, stack.consumer_bot, card["message_id"], "ua:buy:" + str(ids["SC-101"]))
    older = await wait_for_text(stack, alice, stack.consumer_bot, "Cashmere scarf", after=reserve["message_id"])
    await settle(stack)

    assert home["text"].startswith("🛍 ") and {"✨ New arrivals (2)", "Scarves (11)", "Shirts (1)"} == {label for label, _ in buttons(home)}
    assert shirts["text"].splitlines()[1] == "1. Oxford shirt · CN¥890.00"
    assert "Ask your associate about availability" in shirt["caption"], "no stock in the member's store"
    assert "Beijing" not in shirt["caption"], "other stores' stock is the associate's business"
    assert new["text"].splitlines()[1] == "1. Cashmere scarf · CN¥1,150.00", "the member's tier price"
    assert told["text"] == "❓ Your question about Cashmere scarf went to Bob. Anything you write next reaches them too."
    assert asked["text"] == (f"💬 Alice · Gold · {STORE_NAME}\n❓ Asks about Cashmere scarf (SC-101) · CN¥1,150.00\n"
                             "I'd like to know more about Cashmere scarf.")
    assert [label for label, _ in buttons(asked)] == ["👤 Profile", "🏷 Tags & notes"]
    assert answered["text"] == f"{PERSONA}\nIt's lovely, come and try it", "a reply to the question reaches the member"
    assert buy["text"].startswith("🛒 Oxford shirt") and "Sold out at your store: S · White" in buy["text"], "the checkout's first step"
    assert data_of(buy, "Cancel").startswith("bx:")
    for step in (reserve, older):
        assert step["text"].startswith("🛒 Cashmere scarf") and "Choose a size and colour" in step["text"]
        assert next(label for label, _ in buttons(step)) == "Navy · CN¥1,150.00 · 3 here"
    assert not [m for m in await stack.bot_messages(shop.bob_user, stack.associate_bot) if "Wants to" in (m["text"] or "")], \
        "Buy and Reserve are not relayed to the associate"
    history = await history_of(stack, alice)
    kept = [(m.direction, m.kind, m.text) for m in history if m.kind is MessageKind.PRODUCT]
    assert kept == [(Direction.IN, MessageKind.PRODUCT, "❓ SC-101 · Cashmere scarf")]


async def test_forged_data_other_associates_hq_strangers_and_guests_are_refused(stack):
    shop = await open_shop(stack)
    ids = await stock_the_shelves(stack, shop)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    alice_id = (await membership(stack, alice)).member.id
    hannah, stranger, guest = await stack.person("Hannah"), await stack.person("Sam"), await stack.person("Gus")
    async with stack.runtime.services.uow() as uow:
        await uow.hq.add(HQOperator(brand_id=stack.runtime.services.brand.id, name="Hannah", telegram_user_id=hannah))
        hidden = await uow.catalog.upsert_product(Product(brand_id=stack.runtime.services.brand.id, code="OLD-1", name="Retired",
                                                          category="Scarves", currency="CNY", active=False,
                                                          created_at=stack.runtime.services.clock.now(),
                                                          updated_at=stack.runtime.services.clock.now()))
        await uow.commit()

    lina_home = await asks(stack, shop.lina_user, stack.associate_bot, "/catalog")
    refusals = [
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], SendPick(ids["SC-101"], alice_id).pack()),
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], SendLookbook(alice_id).pack()),
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], CatalogList("h", "", 0, alice_id).pack()),
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], OpenCatalog(alice_id).pack()),
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], CatalogProduct(hidden.id, 0).pack()),
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], CatalogProduct(999999, 0).pack()),
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], CatalogList("z", "x", 0, 0).pack()),
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], CatalogList("c", "00000000", 0, 0).pack()),
        await push_callback(stack, shop.lina_user, stack.associate_bot, lina_home["message_id"], "kp:99999999999:0"),
    ]
    home = await asks(stack, alice, stack.consumer_bot, "/catalog")
    member_refusals = [
        await push_callback(stack, alice, stack.consumer_bot, home["message_id"], ShopAction("steal", ids["SC-101"]).pack()),
        await push_callback(stack, alice, stack.consumer_bot, home["message_id"], ShopAction("ask", hidden.id).pack()),
        await push_callback(stack, alice, stack.consumer_bot, home["message_id"], ShopProduct(hidden.id).pack()),
    ]
    hq = await asks(stack, hannah, stack.associate_bot, "/catalog")
    strange = await asks(stack, stranger, stack.associate_bot, "/catalog")
    guesting = await asks(stack, guest, stack.consumer_bot, "/new")
    await settle(stack)

    assert [r["text"] for r in refusals] == ["This member is not one of your members."] * 4 + [STALE] * 5
    assert [r["text"] for r in member_refusals] == [STALE] * 3
    assert hq["text"].startswith("/catalog is for store associates.") and strange["text"].startswith("/catalog is for store associates.")
    assert guesting["text"].startswith("/new is for members.")
    assert not [m for m in await stack.bot_messages(alice, stack.consumer_bot) if m["kind"] == "photo"], "nothing reached Alice"
    assert not [m for m in await history_of(stack, alice) if m.kind is MessageKind.PRODUCT]
