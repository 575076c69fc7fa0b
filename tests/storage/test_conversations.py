"""The conversation history: every relayed message both ways, kept by the brand, found
by the outbox row that carried it and read back newest first in pages."""

from __future__ import annotations

from datetime import timedelta

from commerce.bots import BotKind
from commerce.conversations import Direction, MessageKind
from commerce.outbox import OutboxMessage, OutboxStatus
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member, a_message

ANA, BEN = 7_000_000_001, 7_000_000_002


async def test_a_message_comes_back_with_its_direction_kind_and_ids(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop, ANA))
        outbox = await uow.outbox.add(OutboxMessage(BotKind.ASSOCIATE, 42, "sendPhoto", {"caption": "x"}, T0))
        stored = await uow.conversations.add(a_message(member.id, shop.associate.id, 1, kind=MessageKind.PHOTO,
                                                       text="<b>this</b> & that?", relay_outbox_id=outbox.id))
        await uow.commit()

    async with database.uow() as uow:
        found = await uow.conversations.by_relay_outbox(outbox.id)
        assert await uow.conversations.by_relay_outbox(outbox.id + 1) is None
    assert found == stored and found.id is not None
    assert found.direction is Direction.IN and found.kind is MessageKind.PHOTO
    assert found.text == "<b>this</b> & that?" and found.source_message_id == 101 and found.created_at == T0 + timedelta(minutes=1)


async def test_a_members_history_comes_newest_first_and_pages_back(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop, ANA))
        ben = await uow.members.add(a_member(shop, BEN))
        mine = [await uow.conversations.add(a_message(ana.id, shop.associate.id, n, Direction.IN if n % 2 else Direction.OUT))
                for n in range(5)]
        await uow.conversations.add(a_message(ben.id, shop.associate.id, 9))
        await uow.commit()

    async with database.uow() as uow:
        first_page = await uow.conversations.of_member(ana.id, 3)
        second_page = await uow.conversations.of_member(ana.id, 3, before_id=first_page[-1].id)
        assert await uow.conversations.of_member(ana.id + ben.id + 1, 3) == []
    assert first_page == list(reversed(mine))[:3]
    assert second_page == list(reversed(mine))[3:]
    assert [m.direction for m in mine] == [Direction.OUT, Direction.IN, Direction.OUT, Direction.IN, Direction.OUT]


async def test_an_outbox_row_is_found_by_the_telegram_message_it_became_in_its_chat(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        to_claire = await uow.outbox.add(OutboxMessage(BotKind.ASSOCIATE, 42, "sendMessage", {"text": "a"}, T0))
        to_marc = await uow.outbox.add(OutboxMessage(BotKind.ASSOCIATE, 43, "sendMessage", {"text": "b"}, T0))
        await uow.outbox.mark(to_claire.id, OutboxStatus.SENT, T0, telegram_message_id=7)
        await uow.outbox.mark(to_marc.id, OutboxStatus.SENT, T0, telegram_message_id=7)
        await uow.commit()

    async with database.uow() as uow:
        found = await uow.outbox.by_telegram_message(BotKind.ASSOCIATE, 42, 7)
        other_chat = await uow.outbox.by_telegram_message(BotKind.ASSOCIATE, 43, 7)
        assert await uow.outbox.by_telegram_message(BotKind.CONSUMER, 42, 7) is None
        assert await uow.outbox.by_telegram_message(BotKind.ASSOCIATE, 42, 8) is None
    assert found.id == to_claire.id and other_chat.id == to_marc.id
