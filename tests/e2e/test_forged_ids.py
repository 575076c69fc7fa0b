"""A forged button press with an id beyond the database's integer columns is answered
"no longer valid" and logged, on PostgreSQL (whose integer columns refuse such a number)
as on SQLite: no database error, no traceback, no generic apology."""

from __future__ import annotations

import logging

from bot.interface.callbacks import ChatsPage, OpenChat, SwitchTo
from tests.e2e.scenario import chats, enrol, open_shop, push_callback, settle

HUGE = "999999999999999999"
STALE = "This button is no longer valid"


async def test_a_forged_press_with_an_out_of_range_id_gets_the_polite_answer_and_no_traceback(stack, caplog):
    caplog.set_level(logging.INFO)
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    listing = await chats(stack, shop.bob_user)
    team = await stack.reply_to(alice, stack.consumer_bot, "/switch")

    answers = [await push_callback(stack, shop.bob_user, stack.associate_bot, listing["message_id"], f"{OpenChat.prefix}:{HUGE}"),
               await push_callback(stack, shop.bob_user, stack.associate_bot, listing["message_id"], f"{ChatsPage.prefix}:{HUGE}"),
               await push_callback(stack, alice, stack.consumer_bot, team["message_id"], f"{SwitchTo.prefix}:{HUGE}")]
    await settle(stack)
    still_served = await push_callback(stack, shop.bob_user, stack.associate_bot, listing["message_id"], OpenChat(1).pack())

    assert all(STALE in (answer["text"] or "") and answer["show_alert"] for answer in answers), answers
    assert STALE not in (still_served["text"] or "")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "no failure, no traceback"
    assert sum("button press refused" in r.getMessage() and HUGE in r.getMessage() for r in caplog.records) == 3
    texts = [m["text"] or "" for user, bot in [(shop.bob_user, stack.associate_bot), (alice, stack.consumer_bot)]
             for m in await stack.bot_messages(user, bot)]
    assert not any("something went wrong" in t for t in texts)

