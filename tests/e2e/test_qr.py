"""/qr: the associate's poster arrives in the associate bot and its QR opens their link."""

import dataclasses
import io

import pytest
import zxingcpp
from PIL import Image

from commerce.bots import BotKind
from commerce.codes import make_short_code, sign_enrollment_code
from commerce.people import Associate, Store


async def an_associate(stack, name="Bob", locale="en"):
    person = await stack.person(name, language_code="zh-hans" if locale == "zh-Hans" else "en")
    services = stack.runtime.services
    async with services.uow() as uow:
        store = await uow.stores.add(Store(brand_id=services.brand.id, code=f"S{person}", name="Shanghai Xintiandi"))
        associate = await uow.associates.add(Associate(store_id=store.id, display_name=name, short_code=f"tmp{person}", telegram_user_id=person, locale=locale))
        associate.short_code = make_short_code(associate.id, services.signing_keys[0])
        await uow.associates.update(associate)
        await uow.commit()
    return person, associate


async def test_qr_sends_a_poster_whose_code_opens_the_associates_deep_link(stack):
    bob, associate = await an_associate(stack)
    expected = f"https://t.me/{stack.consumer_bot}?start={sign_enrollment_code(associate.id, stack.runtime.services.signing_keys[0])}"

    poster = await stack.reply_to(bob, stack.associate_bot, "/qr")

    assert poster["kind"] == "photo"
    assert associate.short_code in poster["caption"] and expected in poster["caption"]
    share = poster["reply_markup"]["inline_keyboard"][0][0]
    assert share["url"].startswith("https://t.me/share/url?url=")
    image = Image.open(io.BytesIO(await stack.people.download_file(poster["file"]["file_unique_id"])))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [expected]


async def test_a_second_qr_reuses_the_uploaded_file(stack):
    bob, associate = await an_associate(stack)
    await stack.reply_to(bob, stack.associate_bot, "/qr")
    await stack.runtime.sender_idle()
    first = (await stack.bot_messages(bob, stack.associate_bot))[-1]
    again = await stack.reply_to(bob, stack.associate_bot, "/qr")

    assert again["kind"] == "photo"
    assert again["file"]["file_unique_id"] == first["file"]["file_unique_id"]  # the same file, sent by file_id
    assert len(await stack.people.calls(bot=stack.associate_bot, method="sendPhoto")) == 2


async def test_qr_is_refused_to_people_who_are_not_associates(stack):
    stranger = await stack.person("Sam")
    reply = await stack.reply_to(stranger, stack.associate_bot, "/qr")
    assert reply["text"].startswith("/qr is for store associates.\n\nMaison Test staff bot")


async def test_the_services_know_both_bots_from_the_start_and_never_change(stack):
    services = stack.runtime.services

    assert dict(services.bot_usernames) == {BotKind.CONSUMER: stack.consumer_bot, BotKind.ASSOCIATE: stack.associate_bot}
    with pytest.raises(TypeError):
        services.bot_usernames[BotKind.CONSUMER] = "another_bot"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.brand = None  # type: ignore[misc]
    for app in stack.runtime.applications.values():
        assert app.bot_data.services is services
