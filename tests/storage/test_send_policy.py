"""Today's send-time policy, reachability, on both databases."""

from __future__ import annotations

from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxPurpose, OutboxStatus
from commerce.people import Brand, Member
from commerce.sending import SEND, Drop, Reachability
from storage.uow import Database
from tests.fixtures_db import T0

ANA, BEN, STRANGER = 7_000_000_001, 7_000_000_002, 7_000_000_003


def row(chat_id: int, bot: BotKind = BotKind.CONSUMER) -> OutboxMessage:
    return OutboxMessage(bot=bot, chat_id=chat_id, method="sendMessage", params={"text": "hi"}, created_at=T0,
                         purpose=OutboxPurpose.CAMPAIGN)


async def test_only_a_member_who_blocked_the_consumer_bot_is_dropped(database: Database) -> None:
    async with database.uow() as uow:
        brand = await uow.brands.add(Brand(name="Maison"))
        await uow.members.add(Member(brand_id=brand.id, telegram_user_id=ANA, first_name="Ana", enrolled_at=T0))
        await uow.members.add(Member(brand_id=brand.id, telegram_user_id=BEN, first_name="Ben", enrolled_at=T0,
                                     reachable=False))
        await uow.commit()
    policy = Reachability(database.uow, brand.id)

    assert await policy.decide(row(ANA), T0) == SEND
    assert await policy.decide(row(STRANGER), T0) == SEND  # not a member (yet): Telegram decides
    assert await policy.decide(row(BEN), T0) == Drop("blocked", OutboxStatus.UNREACHABLE)
    assert await policy.decide(row(BEN, BotKind.ASSOCIATE), T0) == SEND  # another bot, another chat
