"""Telegram counts lengths in UTF-16 code units of the text as shown: an emoji beyond U+FFFF
is two. The e2e tests rely on the sandbox refusing exactly what Telegram refuses, so every
limit is checked here at its edge with astral characters, where code points and units part."""

from __future__ import annotations

import asyncio

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import SandboxClient
from tests.sandbox.conftest import BRAND

EMOJI = "😀"  # one code point, two UTF-16 units
PNG = b"\x89PNG\r\n"


async def test_a_text_of_2048_emoji_fits_and_one_more_unit_is_refused(brand: telegram.Bot, ada) -> None:
    sent = await brand.send_message(ada["id"], EMOJI * 2048)

    with pytest.raises(telegram.error.BadRequest, match="Message is too long"):
        await brand.send_message(ada["id"], EMOJI * 2048 + "x")  # 2049 code points, 4097 units
    assert sent.text == EMOJI * 2048


async def test_a_caption_of_512_emoji_fits_and_one_more_unit_is_refused(brand: telegram.Bot, ada) -> None:
    await brand.send_photo(ada["id"], PNG, caption=EMOJI * 512)

    with pytest.raises(telegram.error.BadRequest, match="Message caption is too long"):
        await brand.send_photo(ada["id"], PNG, caption=EMOJI * 512 + "x")


async def test_edits_are_held_to_the_same_units(brand: telegram.Bot, ada) -> None:
    text = await brand.send_message(ada["id"], "hello")
    photo = await brand.send_photo(ada["id"], PNG, caption="hello")

    with pytest.raises(telegram.error.BadRequest, match="Message is too long"):
        await brand.edit_message_text(EMOJI * 2048 + "x", ada["id"], text.message_id)
    with pytest.raises(telegram.error.BadRequest, match="Message caption is too long"):
        await brand.edit_message_caption(ada["id"], photo.message_id, caption=EMOJI * 512 + "x")
    await brand.edit_message_text(EMOJI * 2048, ada["id"], text.message_id)
    await brand.edit_message_caption(ada["id"], photo.message_id, caption=EMOJI * 512)


async def test_a_button_answer_is_counted_in_units(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    card = await brand.send_message(ada["id"], "Pick", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]]))
    refused: list[Exception] = []

    async def answer_the_press() -> None:
        [update] = await brand.get_updates(offset=-1, timeout=2)
        try:
            await update.callback_query.answer(EMOJI * 100 + "x")  # 101 code points, 201 units
        except telegram.error.BadRequest as error:
            refused.append(error)
        await update.callback_query.answer(EMOJI * 100)

    answering = asyncio.create_task(answer_the_press())
    answer = await people.press_button(ada["id"], BRAND, card.message_id, "go")
    await answering

    assert [str(e) for e in refused] == ["Message_too_long"]
    assert answer["text"] == EMOJI * 100


async def test_a_command_description_is_counted_in_units(brand: telegram.Bot) -> None:
    with pytest.raises(telegram.error.BadRequest, match="Bot_command_description_invalid"):
        await brand.set_my_commands([("start", EMOJI * 128 + "x")])  # 129 code points, 257 units
    await brand.set_my_commands([("start", EMOJI * 128)])
