"""A relayed message that did not arrive (commerce.chats.notify_undelivered): its writer
hears of it in their own bot, once; nobody hears of rows that carried nobody's words;
/members keeps its filter between pages (commerce.member_list)."""

from __future__ import annotations

from commerce.associate_replies import reply_to_member
from commerce.bots import BotKind
from commerce.chats import notify_undelivered
from commerce.member_list import list_members, turn_members_page
from commerce.member_messages import relay_member_message
from commerce.messages import NotDelivered, Outbound, Said
from commerce.outbox import DeliveryProblem, OutboxPurpose, OutboxStatus
from commerce.workspace import add_tag
from commerce.workspace_values import MemberFilter, filter_digest
from storage.uow import Database
from tests.commerce.builders import (
    ANA_CHAT,
    CLAIRE_CHAT,
    NOW,
    People,
    outbox_row,
    step,
    text,
)
from tests.commerce.postbox import delivered


async def _settled(database: Database, outbox_id: int, status: OutboxStatus, error: str | None):
    async with step(database) as (uow, _):
        await uow.outbox.mark(outbox_id, status, NOW, error=error)
    return await outbox_row(database, outbox_id)


async def _claires_answer(people: People, database: Database) -> int:
    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "Hi"), people.brand.id, NOW)
        await delivered(uow, postbox.only().outbox_id, 501, NOW)
    async with step(database) as (uow, postbox):
        await reply_to_member(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Hello Ana", reply_to=501), NOW)
    return postbox.only().outbox_id


async def test_the_associate_hears_their_answer_did_not_reach_a_member_who_blocked_the_bot(people: People,
                                                                                          database: Database) -> None:
    row = await _settled(database, await _claires_answer(people, database), OutboxStatus.UNREACHABLE, None)
    async with step(database) as (uow, postbox):
        notice = await notify_undelivered(uow, postbox, row, OutboxStatus.UNREACHABLE, "zh-Hans")

    posted = postbox.only().message
    assert (posted.bot, posted.chat_id, posted.purpose) == (BotKind.ASSOCIATE, CLAIRE_CHAT, OutboxPurpose.NOTICE)
    assert posted.body == NotDelivered(notice, "zh-Hans")
    assert notice.unreachable and not notice.to_member and notice.message.text == "Hello Ana"


async def test_the_member_hears_telegram_refused_their_message(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "x" * 10), people.brand.id, NOW)
    row = await _settled(database, postbox.only().outbox_id, OutboxStatus.FAILED, "too_long: Message is too long")
    async with step(database) as (uow, postbox):
        notice = await notify_undelivered(uow, postbox, row, OutboxStatus.FAILED, "en")

    posted = postbox.only().message
    assert (posted.bot, posted.chat_id, posted.purpose) == (BotKind.CONSUMER, ANA_CHAT, OutboxPurpose.NOTICE)
    assert notice.to_member and notice.problem is DeliveryProblem.TOO_LONG


async def test_nobody_hears_of_a_member_message_lost_to_a_blocked_staff_bot_or_of_other_rows(people: People,
                                                                                            database: Database) -> None:
    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "Hi"), people.brand.id, NOW)
        await postbox.post(Outbound(BotKind.CONSUMER, ANA_CHAT, Said("en", "enroll.welcome")))
    relayed, other = [p.outbox_id for p in postbox.posted]
    blocked = await _settled(database, relayed, OutboxStatus.UNREACHABLE, None)
    refused = await _settled(database, other, OutboxStatus.FAILED, "refused: Bad Request")
    sent = await _settled(database, await _claires_answer(people, database), OutboxStatus.SENT, None)

    async with step(database) as (uow, postbox):
        assert await notify_undelivered(uow, postbox, blocked, OutboxStatus.UNREACHABLE, "en") is None
        assert await notify_undelivered(uow, postbox, refused, OutboxStatus.FAILED, "en") is None
        assert await notify_undelivered(uow, postbox, sent, OutboxStatus.SENT, "en") is None
    assert postbox.posted == []


async def test_members_pages_keep_their_filter_and_stale_buttons_page_nothing(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        await add_tag(uow, people.claire, people.ana.id, "vip", NOW)
        first = await list_members(uow, people.claire, MemberFilter(tag="vip"), NOW)
    assert [s.member.id for s in first.members] == [people.ana.id] and not first.has_more

    async with step(database) as (uow, _):
        turned = await turn_members_page(uow, people.claire, filter_digest("tag:vip"), 0, NOW)
        stale = await turn_members_page(uow, people.claire, filter_digest("tag:gold"), 0, NOW)
        never_listed = await turn_members_page(uow, people.marc, filter_digest("tag:vip"), 0, NOW)
        zoes = await list_members(uow, people.zoe, MemberFilter(tag="vip"), NOW)
    assert turned is not None and turned.where == MemberFilter(tag="vip") and [s.member.id for s in turned.members] == [people.ana.id]
    assert stale is None and never_listed is None
    assert zoes.members == [], "a tag on Claire's member shows nothing of her in Zoé's list"
