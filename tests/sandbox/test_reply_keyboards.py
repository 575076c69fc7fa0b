"""A person tapping the buttons of a reply keyboard, as a Telegram client sends them: a
plain button's text, their own contact, a location; never a button the keyboard lacks."""

from __future__ import annotations

import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.sandbox import SandboxClient, SandboxError
from tests.sandbox.conftest import BRAND

CHECKOUT = ReplyKeyboardMarkup(
    [
        [KeyboardButton("Share my phone", request_contact=True), KeyboardButton("Deliver here", request_location=True)],
        ["Store pickup", KeyboardButton("Cancel")],
    ],
    one_time_keyboard=True,
)


async def sent_to_bot(brand: telegram.Bot) -> telegram.Message:
    [update] = await brand.get_updates(timeout=2)
    await brand.get_updates(offset=update.update_id + 1)
    return update.message


async def test_a_plain_button_sends_its_text(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    await brand.send_message(ada["id"], "How would you like it?", reply_markup=CHECKOUT)

    sent = await people.press_keyboard_button(ada["id"], BRAND, "Store pickup")
    message = await sent_to_bot(brand)

    assert message.text == "Store pickup" and message.message_id == sent["message_id"]
    assert message.from_user.id == ada["id"]


async def test_a_request_contact_button_shares_the_persons_own_phone(
    people: SandboxClient, brand: telegram.Bot
) -> None:
    grace = await people.create_user("Grace", last_name="Hopper", phone_number="+33612345678")
    await people.send_text(grace["id"], BRAND, "/start")
    await sent_to_bot(brand)
    await brand.send_message(grace["id"], "May we have your phone?", reply_markup=CHECKOUT)

    await people.press_keyboard_button(grace["id"], BRAND, "Share my phone")
    contact = (await sent_to_bot(brand)).contact

    assert (contact.phone_number, contact.first_name, contact.last_name) == ("+33612345678", "Grace", "Hopper")
    assert contact.user_id == grace["id"]


async def test_people_have_distinct_phone_numbers_unless_given_one(people: SandboxClient, ada) -> None:
    linus = await people.create_user("Linus")

    assert ada["phone_number"].startswith("+") and ada["phone_number"][1:].isdigit()
    assert linus["phone_number"] != ada["phone_number"]
    assert {u["id"]: u["phone_number"] for u in await people.users()}[linus["id"]] == linus["phone_number"]


async def test_a_request_location_button_sends_the_place_given(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    await brand.send_message(ada["id"], "Where shall we deliver?", reply_markup=CHECKOUT)

    with pytest.raises(SandboxError, match="latitude and longitude") as without_a_place:
        await people.press_keyboard_button(ada["id"], BRAND, "Deliver here")
    await people.press_keyboard_button(ada["id"], BRAND, "Deliver here", latitude=31.2196, longitude=121.4747)
    location = (await sent_to_bot(brand)).location

    assert without_a_place.value.status == 400
    assert (location.latitude, location.longitude) == (31.2196, 121.4747)


async def test_a_button_the_keyboard_does_not_show_cannot_be_pressed(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    with pytest.raises(SandboxError, match="no reply keyboard") as before_any:
        await people.press_keyboard_button(ada["id"], BRAND, "Store pickup")
    await brand.send_message(ada["id"], "How would you like it?", reply_markup=CHECKOUT)
    with pytest.raises(SandboxError, match="no button 'Express'") as unknown:
        await people.press_keyboard_button(ada["id"], BRAND, "Express")
    with pytest.raises(SandboxError):
        await people.press_keyboard_button(ada["id"], BRAND, "store pickup")  # labels match exactly

    assert before_any.value.status == unknown.value.status == 400
    assert await brand.get_updates(timeout=0) == ()  # nothing reached the bot


async def test_the_keyboard_stays_until_a_message_removes_it(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    await people.set_limits(enabled=False)  # five messages in a row: flood control is not what is tested
    asked = await brand.send_message(ada["id"], "How would you like it?", reply_markup=CHECKOUT)
    await brand.send_message(ada["id"], "Take your time.")
    await brand.send_message(ada["id"], "A card", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]]))
    await brand.delete_message(ada["id"], asked.message_id)

    await people.press_keyboard_button(ada["id"], BRAND, "Cancel")
    await brand.send_message(ada["id"], "Cancelled.", reply_markup=ReplyKeyboardRemove())

    assert (await sent_to_bot(brand)).text == "Cancel"
    with pytest.raises(SandboxError, match="no reply keyboard"):
        await people.press_keyboard_button(ada["id"], BRAND, "Cancel")


async def test_a_location_sent_directly_reaches_the_bot_and_an_impossible_one_is_refused(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    await people.share_location(ada["id"], BRAND, -33.8688, 151.2093)
    location = (await sent_to_bot(brand)).location

    assert (location.latitude, location.longitude) == (-33.8688, 151.2093)
    with pytest.raises(SandboxError) as impossible:
        await people.send_location(ada["id"], BRAND, 91.0, 0.0)
    assert impossible.value.status == 400
