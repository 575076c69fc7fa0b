"""A campaign's rows are written in chunks, each committed and announced before the next."""

from __future__ import annotations

from commerce.bots import BotKind
from commerce.fan_out import fan_out
from commerce.outbox import OutboxMessage, OutboxPurpose, OutboxStatus, SendLane
from storage.uow import Database
from tests.fixtures_db import T0

AUDIENCE = 2_500
FIRST_CHAT = 8_000_000_000


def campaign(size: int) -> list[OutboxMessage]:
    return [OutboxMessage(bot=BotKind.CONSUMER, chat_id=FIRST_CHAT + n, method="sendMessage",
                          params={"text": "Spring sale"}, created_at=T0, purpose=OutboxPurpose.CAMPAIGN, campaign_id=7)
            for n in range(size)]


async def pending(database: Database) -> int:
    async with database.uow() as uow:
        return (await uow.outbox.count_by_status())[OutboxStatus.PENDING]


async def test_2500_rows_are_written_in_chunks_and_each_chunk_is_announced_once_committed(database: Database) -> None:
    told: list[tuple[BotKind, int, SendLane]] = []
    visible_when_told: list[int] = []

    async def notify(bot: BotKind, chat_id: int, lane: SendLane = SendLane.CONVERSATION) -> None:
        if len(told) % 1000 == 0:  # the first chat of a chunk: what can another transaction see?
            visible_when_told.append(await pending(database))
        told.append((bot, chat_id, lane))

    written = await fan_out(database.uow, campaign(AUDIENCE), notify, chunk=1000)

    assert written == AUDIENCE
    assert visible_when_told == [1000, 2000, 2500]  # each chunk committed on its own, before its notify
    assert told == [(BotKind.CONSUMER, FIRST_CHAT + n, SendLane.BULK) for n in range(AUDIENCE)]
    async with database.uow() as uow:
        chats = await uow.outbox.pending_chats(AUDIENCE + 1, purposes=[OutboxPurpose.CAMPAIGN])
        [last] = await uow.outbox.pending_for_chat(BotKind.CONSUMER, FIRST_CHAT + AUDIENCE - 1, 10)
    assert len(chats) == AUDIENCE
    assert (last.purpose, last.campaign_id, last.params) == (OutboxPurpose.CAMPAIGN, 7, {"text": "Spring sale"})


async def test_a_lost_notify_costs_no_chunk(database: Database) -> None:
    async def notify(bot: BotKind, chat_id: int, lane: SendLane = SendLane.CONVERSATION) -> None:
        raise ConnectionError("redis is down")

    assert await fan_out(database.uow, campaign(30), notify, chunk=10) == 30
    assert await pending(database) == 30  # the sweep announces them later
