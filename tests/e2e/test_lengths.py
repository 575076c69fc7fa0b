"""Long messages, end to end: what a member can send, their associate receives, shortened
to Telegram's limits as Telegram counts them (UTF-16 units: an emoji is two) with a
visible "…", while the history keeps every word. And when Telegram refuses a relayed
message anyway, its writer hears of it in their own bot, and the outbox row says why.

Given the store of the enrollment tests (Bob and Lina). Both stacks run every test.
"""

from __future__ import annotations

from commerce.conversations import Direction
from commerce.lengths import units
from commerce.outbox import OutboxStatus
from tests.e2e.scenario import (
    HEADER_OF,
    associate_reads,
    associate_replies,
    enrol,
    history_of,
    member_says,
    open_shop,
    png,
    scan,
    settle,
    wait_for_text,
)

EMOJI = "😀"  # one code point, two UTF-16 units


async def test_a_text_and_a_caption_at_telegrams_limits_reach_the_associate_shortened_and_stay_whole_in_history(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    text, caption = EMOJI * 2048, "🌈" + EMOJI * 511  # 4096 and 1024 units: as long as Telegram lets Alice write

    await member_says(stack, alice, text)
    relayed = await associate_reads(stack, shop.bob_user, HEADER_OF.format(name="Alice"))
    await stack.people.send_photo(alice, stack.consumer_bot, png("navy"), caption=caption)
    photo = await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: m["kind"] == "photo", 10.0)
    await associate_replies(stack, shop.bob_user, relayed, "🙂" * 2048)
    answer = await wait_for_text(stack, alice, stack.consumer_bot, "🙂")
    await settle(stack)

    head = HEADER_OF.format(name="Alice") + "\n"
    assert relayed["text"].startswith(head + EMOJI * 100) and relayed["text"].endswith(EMOJI + "…")
    assert 4095 <= units(relayed["text"]) <= 4096, "as much as fits (an emoji is two units), and no more"
    assert photo["caption"].startswith(head + "🌈" + EMOJI) and photo["caption"].endswith("…")
    assert units(photo["caption"]) <= 1024
    assert answer["text"].endswith("🙂…") and units(answer["text"]) <= 4096
    history = await history_of(stack, alice)
    assert [(m.direction, m.text) for m in history] == [
        (Direction.IN, text), (Direction.IN, caption), (Direction.OUT, "🙂" * 2048)], "the history keeps every word"
    refused = [c for c in await stack.people.calls() if c["status"] == 400]
    assert refused == [], "nothing relayed was refused"


async def test_a_relayed_message_telegram_refuses_is_told_to_its_writer_and_the_row_says_why(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "First question")
    relayed = await associate_reads(stack, shop.bob_user, "First question")

    # Telegram refuses the copy of Alice's next message as too long...
    await stack.people.fail_next(1, status=400, method="sendMessage", bot=stack.associate_bot, description="message is too long")
    await member_says(stack, alice, "Is the navy scarf back?")
    told_alice = await wait_for_text(stack, alice, stack.consumer_bot, "⚠️")
    # ... and the copy of Bob's reply for another reason.
    await stack.people.fail_next(1, status=400, method="sendMessage", bot=stack.consumer_bot, description="chat not found")
    await associate_replies(stack, shop.bob_user, relayed, "Yes, since Monday")
    told_bob = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "⚠️")
    await settle(stack)

    assert told_alice["text"] == ("⚠️ Your message was too long to pass on to Bob. Please send it again in shorter parts: "
                                  "Is the navy scarf back?")
    assert told_bob["text"] == "⚠️ Your message to Alice could not be delivered: Yes, since Monday"
    history = await history_of(stack, alice)
    async with stack.runtime.services.uow() as uow:
        rows = {m.text: await uow.outbox.get(m.relay_outbox_id) for m in history}
    assert rows["Is the navy scarf back?"].status is OutboxStatus.FAILED
    assert rows["Is the navy scarf back?"].error.startswith("too_long: ")
    assert rows["Yes, since Monday"].status is OutboxStatus.FAILED
    assert rows["Yes, since Monday"].error.startswith("refused: ")
    alice_chat = [m["text"] or "" for m in await stack.bot_messages(alice, stack.consumer_bot)]
    bob_chat = [m["text"] or "" for m in await stack.bot_messages(shop.bob_user, stack.associate_bot)]
    assert sum(t.startswith("⚠️") for t in alice_chat) == 1 and sum(t.startswith("⚠️") for t in bob_chat) == 1, \
        "each writer hears of their own message only, once"


async def test_a_member_writing_chinese_hears_of_a_refused_message_in_chinese(stack):
    shop = await open_shop(stack)
    mei = await stack.person("Mei", language_code="zh-hans")
    await scan(stack, mei, shop.code(shop.bob))
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "🎉 New member")
    await settle(stack)

    await stack.people.fail_next(1, status=400, method="sendMessage", bot=stack.associate_bot)
    await member_says(stack, mei, "围巾还有货吗？")
    told = await wait_for_text(stack, mei, stack.consumer_bot, "⚠️")

    assert told["text"] == "⚠️ 您的消息未能转给 Bob，请重新发送：围巾还有货吗？"
