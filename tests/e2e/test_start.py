"""Both bots answer /start and /help, through the real PTB stack, in polling mode."""

from commerce.people import Associate, HQOperator, Store


async def test_the_consumer_bot_welcomes_a_new_shopper(stack):
    alice = await stack.person("Alice")
    reply = await stack.reply_to(alice, stack.consumer_bot, "/start")
    assert reply["text"].startswith("Welcome to Maison Test!")
    assert {"type": "bold", "offset": 11, "length": 11} in reply["entities"]
    assert "short code" in reply["text"]


async def test_the_associate_bot_tells_a_stranger_to_ask_for_an_invite(stack):
    stranger = await stack.person("Sam")
    reply = await stack.reply_to(stranger, stack.associate_bot, "/start")
    assert "invite link" in reply["text"]


async def test_the_role_comes_from_the_database_by_numeric_id(stack):
    bob = await stack.person("Bob")
    hannah = await stack.person("Hannah")
    brand_id = stack.runtime.services.brand.id
    async with stack.runtime.services.uow() as uow:
        store = await uow.stores.add(Store(brand_id=brand_id, code="SH1", name="Shanghai Xintiandi"))
        await uow.associates.add(Associate(store_id=store.id, display_name="Bob Chen", short_code="BOB123", telegram_user_id=bob))
        await uow.hq.add(HQOperator(brand_id=brand_id, name="Hannah", telegram_user_id=hannah))
        await uow.commit()

    assert "associate of Shanghai Xintiandi" in (await stack.reply_to(bob, stack.associate_bot, "/start"))["text"]
    assert "/qr" in (await stack.reply_to(bob, stack.associate_bot, "/help"))["text"]
    assert "signed in as Maison Test HQ" in (await stack.reply_to(hannah, stack.associate_bot, "/start"))["text"]


async def test_chinese_speakers_get_chinese(stack):
    xiaoming = await stack.person("Xiaoming", language_code="zh-hans")
    reply = await stack.reply_to(xiaoming, stack.consumer_bot, "/help")
    assert "私人购物助手" in reply["text"]


async def test_help_in_the_consumer_bot_lists_the_commands(stack):
    alice = await stack.person("Alice")
    reply = await stack.reply_to(alice, stack.consumer_bot, "/help")
    assert "/start" in reply["text"] and "Maison Test" in reply["text"]
