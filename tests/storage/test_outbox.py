"""The outbox hands the sender each chat's messages in the order they were written."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import delete

from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxPurpose, OutboxStatus, SendLane
from storage.tables.outbox import OutboxRow
from storage.uow import Database
from tests.fixtures_db import T0

ANA, BEN = 7_000_000_001, 7_000_000_002


def a_message(chat_id: int, text: str, bot: BotKind = BotKind.CONSUMER) -> OutboxMessage:
    return OutboxMessage(bot=bot, chat_id=chat_id, method="sendMessage",
                         params={"text": text, "reply_markup": {"inline_keyboard": []}}, created_at=T0)


async def write(database: Database, *messages: OutboxMessage) -> list[OutboxMessage]:
    async with database.uow() as uow:
        added = [await uow.outbox.add(message) for message in messages]
        await uow.commit()
    return added


async def test_a_message_round_trips(database: Database) -> None:
    [added] = await write(database, a_message(ANA, "Bonjour"))
    async with database.uow() as uow:
        stored = await uow.outbox.get(added.id)
    assert stored == added
    assert (stored.status, stored.attempts, stored.params["text"]) == (OutboxStatus.PENDING, 0, "Bonjour")


async def test_a_rows_purpose_and_campaign_round_trip(database: Database) -> None:
    notice = dataclasses.replace(a_message(ANA, "new member"), purpose=OutboxPurpose.NOTICE)
    campaign = dataclasses.replace(a_message(BEN, "spring sale"), purpose=OutboxPurpose.CAMPAIGN, campaign_id=12)
    plain, notice, campaign = await write(database, a_message(ANA, "hello"), notice, campaign)

    async with database.uow() as uow:
        stored = [await uow.outbox.get(m.id) for m in (plain, notice, campaign)]
    assert [(m.purpose, m.campaign_id) for m in stored] == [
        (OutboxPurpose.REPLY, None), (OutboxPurpose.NOTICE, None), (OutboxPurpose.CAMPAIGN, 12)]
    assert stored == [plain, notice, campaign]


async def test_a_chats_pending_messages_come_oldest_first(database: Database) -> None:
    await write(database, a_message(ANA, "1"), a_message(BEN, "ben"), a_message(ANA, "2"),
                a_message(ANA, "to the associate bot", bot=BotKind.ASSOCIATE), a_message(ANA, "3"))

    async with database.uow() as uow:
        for_ana = await uow.outbox.pending_for_chat(BotKind.CONSUMER, ANA, limit=10)
        first_two = await uow.outbox.pending_for_chat(BotKind.CONSUMER, ANA, limit=2)
    assert [m.params["text"] for m in for_ana] == ["1", "2", "3"]
    assert [m.params["text"] for m in first_two] == ["1", "2"]
    assert [m.id for m in for_ana] == sorted(m.id for m in for_ana)


async def test_sent_messages_leave_the_queue_of_their_chat(database: Database) -> None:
    first, second = await write(database, a_message(ANA, "1"), a_message(ANA, "2"))
    async with database.uow() as uow:
        await uow.outbox.mark(first.id, OutboxStatus.SENT, T0 + timedelta(seconds=1), telegram_message_id=55,
                              attempts=1)
        await uow.commit()

    async with database.uow() as uow:
        pending = await uow.outbox.pending_for_chat(BotKind.CONSUMER, ANA, limit=10)
        sent = await uow.outbox.get(first.id)
    assert [m.id for m in pending] == [second.id]
    assert (sent.status, sent.sent_at, sent.telegram_message_id, sent.attempts) == (
        OutboxStatus.SENT, T0 + timedelta(seconds=1), 55, 1)


async def test_pending_chats_are_listed_once_each_by_their_oldest_message(database: Database) -> None:
    messages = await write(database, a_message(BEN, "b1"), a_message(ANA, "a1"), a_message(BEN, "b2"),
                           a_message(ANA, "assoc", bot=BotKind.ASSOCIATE), a_message(9, "gone"))
    async with database.uow() as uow:
        await uow.outbox.mark(messages[-1].id, OutboxStatus.UNREACHABLE, T0, error="Forbidden: bot was blocked")
        await uow.commit()

    async with database.uow() as uow:
        chats = await uow.outbox.pending_chats(limit=10)
        first_two = await uow.outbox.pending_chats(limit=2)
    assert chats == [(BotKind.CONSUMER, BEN), (BotKind.CONSUMER, ANA), (BotKind.ASSOCIATE, ANA)]
    assert first_two == chats[:2]
    assert all(isinstance(bot, BotKind) for bot, _ in chats)


async def test_a_retry_keeps_the_message_pending_with_its_error(database: Database) -> None:
    [message] = await write(database, a_message(ANA, "1"))
    async with database.uow() as uow:
        await uow.outbox.mark(message.id, OutboxStatus.PENDING, T0, error="429: retry after 3", attempts=1)
        await uow.commit()

    async with database.uow() as uow:
        stored = await uow.outbox.get(message.id)
        still_pending = await uow.outbox.pending_for_chat(BotKind.CONSUMER, ANA, limit=10)
    assert (stored.status, stored.error, stored.attempts, stored.sent_at) == (
        OutboxStatus.PENDING, "429: retry after 3", 1, None)
    assert [m.id for m in still_pending] == [message.id]


async def test_counts_by_status_include_every_status(database: Database) -> None:
    a, b, _ = await write(database, a_message(ANA, "1"), a_message(ANA, "2"), a_message(BEN, "3"))
    async with database.uow() as uow:
        await uow.outbox.mark(a.id, OutboxStatus.SENT, T0)
        await uow.outbox.mark(b.id, OutboxStatus.FAILED, T0, error="400: chat not found")
        await uow.commit()

    async with database.uow() as uow:
        counts = await uow.outbox.count_by_status()
    assert counts == {OutboxStatus.PENDING: 1, OutboxStatus.SENT: 1, OutboxStatus.FAILED: 1,
                      OutboxStatus.UNREACHABLE: 0, OutboxStatus.DROPPED: 0}


async def test_ids_keep_growing_after_the_newest_message_is_deleted(database: Database) -> None:
    # Order within a chat is the id; a reused id would put a new message before older ones
    # in a sender that remembered the old id.
    [first] = await write(database, a_message(ANA, "1"))
    async with database.uow() as uow:
        await uow.session.execute(delete(OutboxRow).where(OutboxRow.id == first.id))
        await uow.commit()
    [second] = await write(database, a_message(ANA, "2"))
    assert second.id > first.id


async def test_the_sweep_lists_a_lanes_chats_from_its_own_purposes(database: Database) -> None:
    campaign = dataclasses.replace(a_message(ANA, "sale"), purpose=OutboxPurpose.CAMPAIGN, campaign_id=3)
    notice = dataclasses.replace(a_message(BEN, "new member"), purpose=OutboxPurpose.NOTICE)
    await write(database, campaign, notice, a_message(9, "reply"), dataclasses.replace(campaign, chat_id=9))

    async with database.uow() as uow:
        first_lane = await uow.outbox.pending_chats(10, purposes=SendLane.CONVERSATION.purposes)
        bulk = await uow.outbox.pending_chats(10, purposes=[OutboxPurpose.CAMPAIGN])
        notices = await uow.outbox.pending_chats(10, purposes=SendLane.NOTICE.purposes)
    assert first_lane == [(BotKind.CONSUMER, 9)]
    assert bulk == [(BotKind.CONSUMER, ANA), (BotKind.CONSUMER, 9)]
    assert notices == [(BotKind.CONSUMER, BEN)]


async def test_a_row_held_until_later_is_not_due_before_then(database: Database) -> None:
    held = dataclasses.replace(a_message(ANA, "at nine"), not_before=T0 + timedelta(hours=9))
    held, after = await write(database, held, a_message(ANA, "now"))

    async with database.uow() as uow:
        at_eight = await uow.outbox.pending_for_chat(BotKind.CONSUMER, ANA, 10, due=T0 + timedelta(hours=8))
        at_nine = await uow.outbox.pending_for_chat(BotKind.CONSUMER, ANA, 10, due=T0 + timedelta(hours=9))
        everything = await uow.outbox.pending_for_chat(BotKind.CONSUMER, ANA, 10)
        chats_at_eight = await uow.outbox.pending_chats(10, due=T0 + timedelta(hours=8))
    assert [m.id for m in at_eight] == [after.id]
    assert [m.id for m in at_nine] == [m.id for m in everything] == [held.id, after.id]
    assert chats_at_eight == [(BotKind.CONSUMER, ANA)]  # by its row that is due
    async with database.uow() as uow:
        await uow.outbox.mark(after.id, OutboxStatus.SENT, T0)
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.outbox.pending_chats(10, due=T0 + timedelta(hours=8)) == []
        assert await uow.outbox.pending_chats(10, due=T0 + timedelta(hours=9)) == [(BotKind.CONSUMER, ANA)]
