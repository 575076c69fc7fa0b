"""When a handler fails: a log line with context, a polite answer, nothing half-written."""

import logging

import bot.interface.staff
from commerce.bots import BotKind
from commerce.inbox import InboxStatus


async def test_a_failing_handler_answers_politely_and_records_the_failure(stack, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(bot.interface.staff, "identify_in_staff_bot", broken)
    bob = await stack.person("Bob")

    with caplog.at_level(logging.ERROR, logger="storelink.handlers"):
        reply = await stack.reply_to(bob, stack.associate_bot, "/help")

    assert reply["text"] == "Sorry, something went wrong on our side. Please try again in a moment."
    assert "Traceback" not in reply["text"] and "exploded" not in reply["text"]
    failure = next(r for r in caplog.records if "failed" in r.getMessage())
    assert f"user {bob}" in failure.getMessage() and "RuntimeError" in failure.getMessage()
    await stack.runtime.ingress.drain()
    async with stack.runtime.services.uow() as uow:
        updates = [await uow.inbox.get(BotKind.ASSOCIATE, n) for n in range(1, 5)]
    recorded = [u for u in updates if u is not None]
    assert [u.status for u in recorded] == [InboxStatus.FAILED]
    assert "RuntimeError" in recorded[0].error
    assert stack.metrics.value("storelink_updates_failed_total") == 1


async def test_a_chinese_speaker_gets_the_apology_in_chinese(stack, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.interface.staff, "identify_in_staff_bot", broken)
    lina = await stack.person("Lina", language_code="zh-hans")
    reply = await stack.reply_to(lina, stack.associate_bot, "/start")
    assert reply["text"].startswith("抱歉")
