"""A real PTB Bot and simulated people talking through the sandbox."""

from __future__ import annotations

import asyncio

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.sandbox import SandboxClient, SandboxError
from tests.sandbox.conftest import BRAND, STAFF

YES_NO = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Yes", callback_data="order:7:yes"), InlineKeyboardButton("No", callback_data="order:7:no")]]
)


async def test_get_me_describes_the_bot(brand: telegram.Bot) -> None:
    me = await brand.get_me()

    assert me.username == BRAND
    assert me.is_bot
    assert str(me.id) == brand.token.split(":")[0]


async def test_creating_a_bot_twice_returns_the_same_token(sandbox) -> None:
    first = sandbox.create_bot(username="twice_bot", first_name="Twice")

    assert sandbox.create_bot(username="twice_bot", first_name="Twice") == first
    bot_id, secret = first.split(":")
    assert bot_id.isdigit() and len(secret) == 35


async def test_start_with_a_deep_link_reaches_the_bot_as_a_command(people: SandboxClient, brand: telegram.Bot) -> None:
    ada = await people.create_user("Ada", username="ada_l")

    await people.send_text(ada["id"], BRAND, "/start sa_42-abc")
    updates = await brand.get_updates()

    message = updates[0].message
    assert message.text == "/start sa_42-abc"
    assert message.from_user.id == message.chat.id == ada["id"]
    assert message.chat.type == "private"
    assert message.entities[0].type == "bot_command"
    assert (message.entities[0].offset, message.entities[0].length) == (0, 6)


async def test_a_sent_message_appears_in_the_transcript(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    sent = await brand.send_message(ada["id"], "Welcome, <b>Ada</b>!", parse_mode="HTML")

    transcript = await people.transcript(ada["id"], BRAND)

    assert [(m["sender"], m["text"]) for m in transcript] == [("user", "/start"), ("bot", "Welcome, Ada!")]
    last = transcript[-1]
    assert last["message_id"] == sent.message_id > transcript[0]["message_id"]
    assert last["entities"] == [{"type": "bold", "offset": 9, "length": 3}]
    assert last["from"]["username"] == BRAND and last["kind"] == "text"


async def test_pressing_an_inline_button_delivers_a_callback_query_and_returns_the_answer(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    card = await brand.send_message(ada["id"], "Confirm order 7?", reply_markup=YES_NO)

    async def answer_the_press() -> None:
        [update] = await brand.get_updates(offset=-1, timeout=2)
        assert update.callback_query.data == "order:7:yes"
        assert update.callback_query.message.message_id == card.message_id
        await update.callback_query.answer("Confirmed")

    answering = asyncio.create_task(answer_the_press())
    answer = await people.press_button(ada["id"], BRAND, card.message_id, "order:7:yes")
    await answering

    assert answer["answered"] and answer["text"] == "Confirmed"


async def test_pressing_a_button_the_message_does_not_have_is_refused(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    card = await brand.send_message(ada["id"], "Confirm order 7?", reply_markup=YES_NO)

    with pytest.raises(SandboxError, match="no button"):
        await people.press_button(ada["id"], BRAND, card.message_id, "order:8:yes")


async def test_an_unanswered_press_returns_after_the_timeout(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    card = await brand.send_message(ada["id"], "Confirm order 7?", reply_markup=YES_NO)

    answer = await people.press_button(ada["id"], BRAND, card.message_id, "order:7:no", timeout=0.1)

    assert answer["answered"] is False
    [update] = await brand.get_updates()
    with pytest.raises(telegram.error.BadRequest):  # a query is answered once
        await update.callback_query.answer()
        await update.callback_query.answer()


async def test_editing_keeps_the_history_and_an_unchanged_edit_is_refused(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    card = await brand.send_message(ada["id"], "Order 7: pending", reply_markup=YES_NO)

    edited = await brand.edit_message_text("Order 7: confirmed", chat_id=ada["id"], message_id=card.message_id)
    with pytest.raises(telegram.error.BadRequest, match="Message is not modified"):
        await brand.edit_message_text("Order 7: confirmed", chat_id=ada["id"], message_id=card.message_id)

    assert edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without reply_markup removes the keyboard
    entry = (await people.transcript(ada["id"], BRAND))[-1]
    assert entry["text"] == "Order 7: confirmed"
    assert [version["text"] for version in entry["edits"]] == ["Order 7: pending"]


async def test_deleted_messages_stay_in_the_transcript_marked_deleted(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    sent = await brand.send_message(ada["id"], "Oops")

    assert await brand.delete_message(ada["id"], sent.message_id)
    with pytest.raises(telegram.error.BadRequest, match="Message to delete not found"):
        await brand.delete_message(ada["id"], sent.message_id)
    assert (await people.transcript(ada["id"], BRAND))[-1]["deleted"] is True


async def test_copy_and_forward_work_within_the_bots_own_chats(
    people: SandboxClient, brand: telegram.Bot, make_bot, ada
) -> None:
    bob = await people.create_user("Bob")
    await people.send_text(bob["id"], BRAND, "/start")
    question = await people.send_text(ada["id"], BRAND, "Is the blue scarf in stock?")

    copied = await brand.copy_message(bob["id"], ada["id"], question["message_id"])
    forwarded = await brand.forward_message(bob["id"], ada["id"], question["message_id"])

    bobs_chat = await people.transcript(bob["id"], BRAND)
    assert [m["text"] for m in bobs_chat if m["message_id"] == copied.message_id] == ["Is the blue scarf in stock?"]
    assert forwarded.forward_origin.sender_user.id == ada["id"]
    staff = await make_bot(STAFF)
    with pytest.raises(telegram.error.BadRequest, match="Chat not found"):
        await staff.copy_message(bob["id"], ada["id"], question["message_id"])


async def test_a_bot_cannot_write_to_someone_who_never_started_it(people: SandboxClient, brand: telegram.Bot) -> None:
    stranger = await people.create_user("Stranger")

    with pytest.raises(telegram.error.BadRequest, match="Chat not found"):
        await brand.send_message(stranger["id"], "Hi")


async def test_a_reply_keyboard_asks_for_the_contact_and_the_person_shares_it(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Share my phone", request_contact=True)]], one_time_keyboard=True)
    await brand.send_message(ada["id"], "May we have your phone?", reply_markup=keyboard)

    asked = (await people.transcript(ada["id"], BRAND))[-1]
    await people.send_contact(ada["id"], BRAND, "+33600000000", "Ada")
    [update] = await brand.get_updates()

    assert asked["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    assert update.message.contact.phone_number == "+33600000000"
    assert update.message.contact.user_id == ada["id"]


async def test_a_person_editing_a_message_reaches_the_bot_as_edited_message(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    said = await people.send_text(ada["id"], BRAND, "size M")

    await people.edit_text(ada["id"], BRAND, said["message_id"], "size L")
    updates = await brand.get_updates()

    assert updates[-1].edited_message.text == "size L"
    assert updates[-1].edited_message.message_id == said["message_id"]


async def test_replies_point_at_the_message_replied_to(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    question = await people.send_text(ada["id"], BRAND, "Do you ship to Lyon?")

    answer = await brand.send_message(
        ada["id"], "Yes, tomorrow.", reply_parameters=telegram.ReplyParameters(question["message_id"])
    )
    await people.send_text(ada["id"], BRAND, "Great", reply_to_message_id=answer.message_id)
    updates = await brand.get_updates()

    assert answer.reply_to_message.text == "Do you ship to Lyon?"
    assert updates[-1].message.reply_to_message.message_id == answer.message_id


async def test_wait_for_returns_the_bot_message_that_matches(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await brand.send_message(ada["id"], "Your order shipped")

    task = asyncio.create_task(reply_later())
    message = await people.wait_for(ada["id"], BRAND, lambda m: "shipped" in (m["text"] or ""), timeout=2)
    await task

    assert message["text"] == "Your order shipped"
    with pytest.raises(TimeoutError, match="Your order shipped"):
        await people.wait_for(ada["id"], BRAND, lambda m: "refund" in (m["text"] or ""), timeout=0.2)


async def test_commands_set_by_the_bot_can_be_read_back(brand: telegram.Bot) -> None:
    await brand.set_my_commands([("start", "Begin"), ("qr", "My poster")])

    commands = await brand.get_my_commands()

    assert [(c.command, c.description) for c in commands] == [("start", "Begin"), ("qr", "My poster")]


async def test_locations_contacts_and_chat_actions_from_the_bot(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    await brand.send_chat_action(ada["id"], "typing")
    await brand.send_location(ada["id"], 48.8698, 2.3075)
    await brand.send_contact(ada["id"], "+33140000000", "Boutique Montaigne")

    location, contact = (await people.transcript(ada["id"], BRAND))[-2:]

    assert location["kind"] == "location" and location["location"] == {"latitude": 48.8698, "longitude": 2.3075}
    assert contact["contact"] == {"phone_number": "+33140000000", "first_name": "Boutique Montaigne"}
    with pytest.raises(telegram.error.BadRequest):
        await brand.send_chat_action(ada["id"], "dancing")


async def test_captions_and_keyboards_can_be_edited_on_their_own(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    photo = await brand.send_photo(ada["id"], b"\xff\xd8 jpeg", caption="Blue scarf", reply_markup=YES_NO)
    text = await brand.send_message(ada["id"], "plain")

    await brand.edit_message_reply_markup(ada["id"], photo.message_id, reply_markup=None)
    await brand.edit_message_caption(ada["id"], photo.message_id, caption="Blue scarf, sold out")
    with pytest.raises(telegram.error.BadRequest, match="There is no caption in the message to edit"):
        await brand.edit_message_caption(ada["id"], text.message_id, caption="nope")

    entry = next(m for m in await people.transcript(ada["id"], BRAND) if m["message_id"] == photo.message_id)
    assert entry["caption"] == "Blue scarf, sold out" and entry["reply_markup"] is None
    assert [version["caption"] for version in entry["edits"]] == ["Blue scarf", "Blue scarf"]
