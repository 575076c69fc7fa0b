"""An associate's /chats, one query per page: their current members only, the latest
conversation first, each with the member's messages since the last answer as unread."""

from __future__ import annotations

from datetime import timedelta

from commerce.conversations import Direction, MessageKind
from commerce.people import Associate, Link, LinkReason
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member, a_message

ANA, BEN, CAROL, DORA, EVE = (7_000_000_001 + n for n in range(5))
IN, OUT = Direction.IN, Direction.OUT


async def test_chats_list_only_current_members_latest_first_with_unread_since_the_last_answer(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        marc = await uow.associates.add(Associate(store_id=shop.store.id, display_name="Marc", short_code="MARC1",
                                                  telegram_user_id=5_000_000_002, created_at=T0))
        claire = shop.associate
        ana, ben, carol, dora, eve = [await uow.members.add(a_member(shop, user, first_name=name))
                                      for user, name in ((ANA, "Ana"), (BEN, "Ben"), (CAROL, "Carol"), (DORA, "Dora"), (EVE, "Eve"))]
        for member in (ana, ben, carol, eve):
            await uow.links.add(Link(member_id=member.id, associate_id=claire.id, started_at=T0 + timedelta(seconds=member.id)))
        await uow.links.add(Link(member_id=dora.id, associate_id=marc.id, started_at=T0))
        moved = await uow.links.current(eve.id)
        await uow.links.end(moved.id, T0 + timedelta(hours=1), LinkReason.REASSIGNED_BY_HQ)
        await uow.links.add(Link(member_id=eve.id, associate_id=marc.id, started_at=T0 + timedelta(hours=1)))
        # Ana: asked twice, answered, asked once more and edited it -> 1 unread. Ben: asked three times -> 3.
        # Carol: never wrote. Dora (Marc's) wrote last of all; Eve moved to Marc.
        for n, direction in enumerate((IN, IN, OUT, IN)):
            await uow.conversations.add(a_message(ana.id, claire.id, n, direction))
        await uow.conversations.add(a_message(ana.id, claire.id, 4, IN, kind=MessageKind("edit"), text="message 3, edited"))
        for n in (10, 11, 12):
            await uow.conversations.add(a_message(ben.id, claire.id, n))
        await uow.conversations.add(a_message(eve.id, claire.id, 20))
        await uow.conversations.add(a_message(dora.id, marc.id, 30))
        await uow.commit()

    async with database.uow() as uow:
        page = await uow.conversations.chats_of(claire.id, 10)
        first, second = await uow.conversations.chats_of(claire.id, 2), await uow.conversations.chats_of(claire.id, 2, offset=2)
        marcs = await uow.conversations.chats_of(marc.id, 10)
        nobody = await uow.conversations.chats_of(marc.id + 100, 10)

    assert [(c.member.first_name, c.unread, c.last.text if c.last else None) for c in page] == [
        ("Ben", 3, "message 12"), ("Ana", 1, "message 3, edited"), ("Carol", 0, None)]
    assert [c.member.id for c in first + second] == [c.member.id for c in page] and len(second) == 1
    assert page[1].last.direction is IN and page[1].last.member_id == ana.id
    assert [(c.member.first_name, c.unread) for c in marcs] == [("Dora", 1), ("Eve", 1)]
    assert nobody == []


async def test_a_member_answered_last_has_nothing_unread(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop, ANA))
        await uow.links.add(Link(member_id=ana.id, associate_id=shop.associate.id, started_at=T0))
        for n, direction in enumerate((IN, OUT, IN, OUT)):
            await uow.conversations.add(a_message(ana.id, shop.associate.id, n, direction))
        await uow.commit()

    async with database.uow() as uow:
        (chat,) = await uow.conversations.chats_of(shop.associate.id, 10)
    assert chat.unread == 0 and chat.last is not None and chat.last.direction is OUT and chat.last.text == "message 3"
