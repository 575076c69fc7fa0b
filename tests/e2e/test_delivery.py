"""The sender against Telegram's answers: 429, 5xx, 403, 400."""

import asyncio

from bot.interface.render.base import Outgoing, text
from commerce.bots import BotKind
from commerce.outbox import OutboxStatus
from commerce.people import Member
from tests.e2e.scenario import open_chat, outbox_status, queue_messages


async def queue_message(stack, chat_id: int, body: str) -> int:
    """A message from the brand to a chat, through the outbox like every other."""
    async with stack.runtime.services.transaction(BotKind.CONSUMER) as tx:
        message = await tx.send(BotKind.CONSUMER, chat_id, text(body))
    return message.id


async def calls_since(stack, baseline: int) -> list[int]:
    return [call["status"] for call in (await stack.people.calls(bot=stack.consumer_bot, method="sendMessage"))[baseline:]]


async def test_a_429_is_waited_out_and_every_message_still_arrives_in_order(stack):
    alice, _ = await open_chat(stack, "Alice")
    await asyncio.sleep(1.0)  # let the chat's flood allowance refill after /help
    stack.sandbox.limits.per_chat_burst = 1  # stricter than our own limiter: Telegram says 429
    stack.sandbox.limits.per_chat_rate = 1.0

    ids = [await queue_message(stack, alice, f"note {n}") for n in range(3)]
    for message_id in ids:
        assert (await outbox_status(stack, message_id, OutboxStatus.SENT)).status is OutboxStatus.SENT

    texts = [m["text"] for m in await stack.bot_messages(alice, stack.consumer_bot)][1:]
    assert texts == ["note 0", "note 1", "note 2"]
    refusals = await stack.people.calls(bot=stack.consumer_bot, method="sendMessage")
    assert any(call["status"] == 429 for call in refusals)
    assert stack.metrics.value("storelink_messages_retried_total") >= 1


async def test_a_burst_of_5xx_is_retried(stack):
    alice = await stack.person("Alice")
    await stack.people.fail_next(3, status=502, method="sendMessage", bot=stack.consumer_bot)
    reply = await stack.reply_to(alice, stack.consumer_bot, "/start")
    assert "Welcome" in reply["text"]
    statuses = [call["status"] for call in await stack.people.calls(bot=stack.consumer_bot, method="sendMessage")]
    assert statuses == [502, 502, 502, 200]
    assert stack.metrics.value("storelink_messages_retried_total") == 3


async def test_a_403_is_recorded_and_not_retried(stack):
    guest, baseline = await open_chat(stack, "Gina")
    await stack.people.block(guest, stack.consumer_bot)

    ids = await queue_messages(stack, guest, "new arrivals", "more new arrivals")

    for message_id in ids:
        assert (await outbox_status(stack, message_id, OutboxStatus.UNREACHABLE)).status is OutboxStatus.UNREACHABLE
    await asyncio.sleep(0.3)  # time enough for a retry storm, were there one
    assert await calls_since(stack, baseline) == [403]
    assert stack.metrics.value("storelink_messages_unreachable_total") == 1


async def test_a_member_who_blocks_the_bot_is_unreachable_and_comes_back_on_unblock(stack):
    alice, baseline = await open_chat(stack, "Alice")
    brand_id = stack.runtime.services.brand.id
    async with stack.runtime.services.uow() as uow:
        await uow.members.add(Member(brand_id=brand_id, telegram_user_id=alice, first_name="Alice",
                                     enrolled_at=stack.runtime.options.clock.now(), consent_marketing=True))
        await uow.commit()

    await stack.people.block(alice, stack.consumer_bot)
    ids = await queue_messages(stack, alice, "new arrivals", "more new arrivals")

    for message_id in ids:
        assert (await outbox_status(stack, message_id, OutboxStatus.UNREACHABLE)).status is OutboxStatus.UNREACHABLE
    assert await calls_since(stack, baseline) in ([], [403])  # the block update may win the race
    member = await member_of(stack, alice)
    assert member.reachable is False and member.consent_marketing is False

    await stack.people.unblock(alice, stack.consumer_bot)
    await wait_until(lambda: member_of(stack, alice), lambda m: m.reachable)
    later = await queue_message(stack, alice, "welcome back")
    assert (await outbox_status(stack, later, OutboxStatus.SENT)).status is OutboxStatus.SENT


async def member_of(stack, telegram_user_id):
    async with stack.runtime.services.uow() as uow:
        return await uow.members.by_telegram_user(stack.runtime.services.brand.id, telegram_user_id)


async def wait_until(read, check, timeout: float = 5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check(value := await read()):
        assert loop.time() < deadline, f"still {value}"
        await asyncio.sleep(0.05)
    return value


async def test_text_over_4096_units_is_refused_as_telegram_refuses_it_and_the_row_says_why(stack):
    alice, baseline = await open_chat(stack, "Alice")
    async with stack.runtime.services.transaction(BotKind.CONSUMER) as tx:  # past the renderers' own shortening
        row = await tx.send(BotKind.CONSUMER, alice, Outgoing("sendMessage", {"text": "😀" * 2048 + "x"}))

    message = await outbox_status(stack, row.id, OutboxStatus.FAILED)
    assert message.status is OutboxStatus.FAILED
    assert message.error.startswith("too_long: ") and "message is too long" in message.error.lower()
    assert await calls_since(stack, baseline) == [400]


async def test_a_row_telegram_cannot_handle_fails_and_does_not_block_the_chat(stack):
    alice, baseline = await open_chat(stack, "Alice")
    async with stack.runtime.services.transaction(BotKind.CONSUMER) as tx:
        from bot.interface.render.base import Outgoing

        broken = await tx.send(BotKind.CONSUMER, alice, Outgoing("sendHologram", {"text": "?"}))
        after = await tx.send(BotKind.CONSUMER, alice, text("still here"))

    assert (await outbox_status(stack, broken.id, OutboxStatus.FAILED)).status is OutboxStatus.FAILED
    assert (await outbox_status(stack, after.id, OutboxStatus.SENT)).status is OutboxStatus.SENT
    assert (await stack.bot_messages(alice, stack.consumer_bot))[-1]["text"] == "still here"


async def test_an_edit_that_changes_nothing_settles_as_sent_and_is_not_counted_as_failed(stack):
    """A button pressed twice can queue the same edit twice; Telegram refuses the second
    ("message is not modified"), but the message already says what it should."""
    alice, _ = await open_chat(stack, "Alice")
    first = await queue_message(stack, alice, "Claimed by Carol.")
    await outbox_status(stack, first, OutboxStatus.SENT)
    failed = stack.metrics.value("storelink_messages_failed_total")
    async with stack.runtime.services.transaction(BotKind.CONSUMER) as tx:
        same = await tx.send(BotKind.CONSUMER, alice, Outgoing("editMessageText", {
            "message_id": {"outbox_id": first}, "text": "Claimed by Carol.", "parse_mode": "HTML"}))

    edit = await outbox_status(stack, same.id, OutboxStatus.SENT)
    assert edit.status is OutboxStatus.SENT and edit.error is None
    assert stack.metrics.value("storelink_messages_failed_total") == failed
    assert stack.metrics.value("storelink_messages_unchanged_total") == 1
    edits = await stack.people.calls(bot=stack.consumer_bot, method="editMessageText")
    assert [call["status"] for call in edits] == [400], "Telegram did refuse it"

