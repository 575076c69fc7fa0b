"""The statements every relayed message runs, merged or lightened for speed, keep the
meaning of the ones they replace: on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from commerce.availability import Availability
from commerce.identity import identify
from commerce.workspace_values import MemberTag
from commerce.bots import BotKind, Role
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.inbox import InboundUpdate, InboxStatus
from commerce.outbox import OutboxMessage
from commerce.people import Link, LinkReason
from storage import engine as engine_module
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member


def an_update(update_id: int, bot: BotKind = BotKind.CONSUMER) -> InboundUpdate:
    payload = {"update_id": update_id, "message": {"text": "hi", "chat": {"id": 7_000_000_001}}}
    return InboundUpdate(bot=bot, update_id=update_id, payload=payload, received_at=T0)


async def test_an_update_recorded_by_a_single_statement_is_recorded_once(database: Database) -> None:
    async with database.single_statement() as uow:
        assert await uow.inbox.record(an_update(1)) is True
        await uow.commit()
    async with database.single_statement() as uow:
        assert await uow.inbox.record(an_update(1)) is False
        assert await uow.inbox.record(an_update(1, BotKind.ASSOCIATE)) is True
        await uow.commit()

    async with database.uow() as uow:
        stored = await uow.inbox.get(BotKind.CONSUMER, 1)
    assert stored == an_update(1) and stored.status is InboxStatus.RECEIVED


async def test_a_single_statement_is_committed_by_itself(database: Database) -> None:
    # The unit of work is closed without commit(): the insert stands anyway (no transaction
    # around it, on either database), where a plain unit of work rolls back.
    async with database.single_statement() as uow:
        await uow.inbox.record(an_update(10))
    async with database.uow() as uow:
        await uow.inbox.record(an_update(11))
    async with database.uow() as uow:
        assert await uow.inbox.get(BotKind.CONSUMER, 10) is not None
        assert await uow.inbox.get(BotKind.CONSUMER, 11) is None


async def test_identify_reads_the_member_their_link_associate_and_store_at_once(database: Database, shop: Shop) -> None:
    async with database.uow() as uow:
        linked = await uow.members.add(a_member(shop))
        await uow.links.add(Link(member_id=linked.id, associate_id=shop.associate.id, started_at=T0))
        unlinked = await uow.members.add(a_member(shop, telegram_user_id=7_000_000_002))
        ended = await uow.members.add(a_member(shop, telegram_user_id=7_000_000_003))
        old = await uow.links.add(Link(member_id=ended.id, associate_id=shop.associate.id, started_at=T0))
        await uow.links.end(old.id, T0 + timedelta(days=1), LinkReason.ENDED_BY_MEMBER)
        await uow.commit()

    async with database.uow() as uow:
        who = await identify(uow, BotKind.CONSUMER, shop.brand.id, 7_000_000_001)
        alone = await identify(uow, BotKind.CONSUMER, shop.brand.id, 7_000_000_002)
        former = await identify(uow, BotKind.CONSUMER, shop.brand.id, 7_000_000_003)
        stranger = await identify(uow, BotKind.CONSUMER, shop.brand.id, 7_000_000_999)
        other_brand = await identify(uow, BotKind.CONSUMER, shop.brand.id + 1, 7_000_000_001)

    assert who.role is Role.MEMBER and who.member == linked
    assert who.link is not None and who.link.associate_id == shop.associate.id and who.link.ended_at is None
    assert who.associate == shop.associate and who.store == shop.store
    for member in (alone, former):
        assert member.role is Role.MEMBER and member.link is None and member.associate is None and member.store is None
    assert stranger.role is Role.GUEST and other_brand.role is Role.GUEST
    assert who.tags == () and who.availability is None


async def test_identify_brings_the_members_own_tags_in_tag_order_and_their_associates_availability(database: Database, shop: Shop) -> None:
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop))
        await uow.links.add(Link(member_id=ana.id, associate_id=shop.associate.id, started_at=T0))
        other = await uow.members.add(a_member(shop, telegram_user_id=7_000_000_002))
        for member, tag in ((ana, "vip"), (ana, "bags"), (ana, "新品"), (ana, "2025"), (other, "not-anas")):
            await uow.workspace.add_tag(MemberTag(member.id, tag, T0, "cli"))
        await uow.availability.save(Availability(associate_id=shop.associate.id, updated_at=T0, hours="Mon-Fri 10:00-19:00",
                                                 away_until=T0 + timedelta(days=2), away_note="At the fair"))
        await uow.commit()

    async with database.uow() as uow:
        who = await identify(uow, BotKind.CONSUMER, shop.brand.id, 7_000_000_001)
        theirs = await identify(uow, BotKind.CONSUMER, shop.brand.id, 7_000_000_002)
        expected_tags = [t.tag for t in await uow.workspace.tags_of(ana.id)]  # the order the workspace reads them in
        expected_availability = await uow.availability.get(shop.associate.id)

    assert list(who.tags) == expected_tags and sorted(expected_tags) == sorted(["vip", "bags", "新品", "2025"])
    assert who.availability == expected_availability and who.availability.away_note == "At the fair"
    assert who.availability.away_until == T0 + timedelta(days=2)
    assert theirs.tags == ("not-anas",) and theirs.availability is None  # no link: no associate, no availability


async def test_outbox_and_history_rows_written_by_plain_inserts_read_back_whole(database: Database, shop: Shop) -> None:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop))
        sent = await uow.outbox.add(OutboxMessage(bot=BotKind.ASSOCIATE, chat_id=5_000_000_001, method="sendMessage",
                                                  params={"text": "<b>Ana</b>\nhi", "parse_mode": "HTML"}, created_at=T0))
        kept = await uow.conversations.add(ConversationMessage(
            member_id=member.id, associate_id=shop.associate.id, direction=Direction.IN, kind=MessageKind.TEXT,
            created_at=T0, text="hi", source_message_id=42, relay_outbox_id=sent.id))
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.outbox.get(sent.id) == sent
        assert await uow.conversations.by_relay_outbox(sent.id) == kept
        assert [m.id for m in await uow.outbox.pending_for_chat(BotKind.ASSOCIATE, 5_000_000_001, 10)] == [sent.id]


@pytest.mark.parametrize("database_kind", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_pooled_connection_killed_while_idle_is_replaced_before_use(database_url: str,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL only: an SQLite file has no server whose connection could be lost."""
    monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING", 0.2)
    database, killer = await Database.open(database_url, migrate=False), await Database.open(database_url, migrate=False)
    try:
        async with database.engine.connect() as conn:
            pid = (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
        async with killer.engine.connect() as conn:
            await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.3)  # idle longer than the threshold: pinged, found dead, replaced

        async with database.uow() as uow:
            assert await uow.inbox.get(BotKind.CONSUMER, 1) is None
        async with database.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await database.dispose()
        await killer.dispose()


def a_row(chat_id: int = 5_000_000_001) -> OutboxMessage:
    return OutboxMessage(bot=BotKind.ASSOCIATE, chat_id=chat_id, method="sendMessage", params={"text": "hi"}, created_at=T0)


@pytest.mark.parametrize("with_a_row", [True, False], ids=["sent with the first outbox row", "sent before the commit"])
async def test_an_update_claimed_with_a_later_write_is_claimed_once(database: Database, with_a_row: bool) -> None:
    async with database.single_statement() as uow:
        await uow.inbox.record(an_update(20))

    answers = []
    for _ in range(2):  # the update, then a redelivery racing it
        async with database.uow() as uow:
            uow.inbox.claim_done_later(BotKind.CONSUMER, 20, T0)
            if with_a_row:
                await uow.outbox.add(a_row())
            answers.append(await uow.inbox.claimed_later())
            if answers[-1]:
                await uow.commit()

    assert answers == [True, False]
    async with database.uow() as uow:
        stored = await uow.inbox.get(BotKind.CONSUMER, 20)
        rows = await uow.outbox.pending_for_chat(BotKind.ASSOCIATE, 5_000_000_001, 10)
    assert stored is not None and stored.status is InboxStatus.DONE and stored.processed_at == T0
    assert len(rows) == (1 if with_a_row else 0)  # the redelivery's row was rolled back with it


async def test_an_update_never_recorded_cannot_be_claimed_later(database: Database) -> None:
    async with database.uow() as uow:
        uow.inbox.claim_done_later(BotKind.CONSUMER, 404, T0)
        await uow.outbox.add(a_row())
        with pytest.raises(LookupError):
            await uow.inbox.claimed_later()
