"""An associate answers in the staff bot (commerce.associate_replies): a reply to a member's
relayed message reaches that member under the associate's persona, if the member is theirs
now; a command names the member it replies to; /history is for the member's own associate."""

from __future__ import annotations

from datetime import timedelta

from commerce.access import NotYours
from commerce.associate_replies import (
    command_target,
    member_history_for,
    reply_to_member,
)
from commerce.bots import BotKind
from commerce.conversations import Direction, MessageKind
from commerce.member_messages import relay_member_message
from commerce.messages import History, RelayedOut, Said
from commerce.outbox import OutboxPurpose
from commerce.people import Link, LinkReason, Member
from commerce.workspace import focus_on
from commerce.workspace_values import FocusMode
from storage.uow import Database
from tests.commerce.builders import (
    ANA_CHAT,
    CLAIRE_CHAT,
    MARC_CHAT,
    NOW,
    People,
    history,
    step,
    text,
)
from tests.commerce.postbox import delivered

RELAYED_AS = 501  # the Telegram message id Ana's relayed message became in Claire's chat


async def _ana_wrote(people: People, database: Database, words: str = "Is the bag in blue?") -> int:
    """Ana's message, relayed to Claire and delivered there as RELAYED_AS; its outbox row."""
    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, words), people.brand.id, NOW)
        await delivered(uow, postbox.only().outbox_id, RELAYED_AS, NOW)
    return postbox.only().outbox_id


async def _move_ana_to_marc(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        link = await uow.links.current(people.ana.id)
        await uow.links.end(link.id, NOW, LinkReason.REASSIGNED_BY_HQ)
        await uow.links.add(Link(member_id=people.ana.id, associate_id=people.marc.id, started_at=NOW,
                                 reason=LinkReason.REASSIGNED_BY_HQ))


async def test_a_reply_to_a_relayed_message_reaches_the_member_under_the_persona(people: People,
                                                                                database: Database) -> None:
    await _ana_wrote(people, database)
    later = NOW + timedelta(minutes=3)
    async with step(database, later) as (uow, postbox):
        await reply_to_member(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Yes, in 38", reply_to=RELAYED_AS), later)

    posted = postbox.only()
    assert (posted.message.bot, posted.message.chat_id, posted.message.purpose) == (BotKind.CONSUMER, ANA_CHAT,
                                                                                    OutboxPurpose.REPLY)
    body = posted.message.body
    assert isinstance(body, RelayedOut)
    assert (body.member.id, body.associate.id, body.store.id, body.content.text) == (people.ana.id, people.claire.id,
                                                                                     people.store.id, "Yes, in 38")
    _, answer = await history(database, people.ana)
    assert (answer.direction, answer.kind, answer.text, answer.associate_id) == (Direction.OUT, MessageKind.TEXT,
                                                                                "Yes, in 38", people.claire.id)
    assert (answer.source_message_id, answer.relay_outbox_id, answer.created_at) == (21, posted.outbox_id, later)


async def test_a_reply_to_a_member_who_moved_on_is_refused_and_goes_nowhere(people: People, database: Database) -> None:
    await _ana_wrote(people, database)
    await _move_ana_to_marc(people, database)

    async with step(database) as (uow, postbox):
        await reply_to_member(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Yes", reply_to=RELAYED_AS), NOW)

    posted = postbox.only().message
    assert (posted.bot, posted.chat_id, posted.body) == (BotKind.ASSOCIATE, CLAIRE_CHAT, Said("en", "relay.not_your_member"))
    assert [m.direction for m in await history(database, people.ana)] == [Direction.IN]


async def test_a_reply_in_another_associates_chat_finds_nothing_there(people: People, database: Database) -> None:
    await _ana_wrote(people, database)  # delivered in Claire's chat: Marc's message 501 is another one
    async with step(database) as (uow, postbox):
        await reply_to_member(uow, postbox, people.marc_staff, text(MARC_CHAT, 21, "Hi Ana", reply_to=RELAYED_AS), NOW)

    assert [(p.message.chat_id, p.message.body) for p in postbox.posted] == [(MARC_CHAT, Said("en", "relay.not_relayed"))]
    assert len(await history(database, people.ana)) == 1


async def test_a_paused_member_cannot_be_written_to(people: People, database: Database) -> None:
    await _ana_wrote(people, database)
    async with step(database) as (uow, _):
        people.ana.consent_chat = False
        await uow.members.update(people.ana)

    async with step(database) as (uow, postbox):
        await reply_to_member(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Hello", reply_to=RELAYED_AS), NOW)

    assert [p.message.body for p in postbox.posted] == [Said("en", "relay.member_paused", {"member": "Ana"})]


async def test_a_message_that_replies_to_nothing_without_a_focus_gets_the_hint(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        await reply_to_member(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Hello?"), NOW)
    assert [(p.message.chat_id, p.message.body) for p in postbox.posted] == [(CLAIRE_CHAT, Said("en", "workspace.reply_hint"))]


async def test_a_command_is_about_the_member_whose_message_it_replies_to(people: People, database: Database) -> None:
    await _ana_wrote(people, database)
    async with step(database) as (uow, _):
        target = await command_target(uow, people.claire, RELAYED_AS, NOW)
        elsewhere = await command_target(uow, people.claire, RELAYED_AS + 1, NOW)
        for_marc = await command_target(uow, people.marc, RELAYED_AS, NOW)
    assert isinstance(target, Member) and target.id == people.ana.id
    assert elsewhere is None and for_marc is None


async def test_a_command_replying_to_a_member_no_longer_yours_is_refused(people: People, database: Database) -> None:
    await _ana_wrote(people, database)
    await _move_ana_to_marc(people, database)
    async with step(database) as (uow, _):
        assert isinstance(await command_target(uow, people.claire, RELAYED_AS, NOW), NotYours)


async def test_without_a_reply_a_command_is_about_the_member_being_written_to(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        assert await command_target(uow, people.claire, None, NOW) is None
        await focus_on(uow, people.claire, people.ana.id, FocusMode.WRITE, NOW)
    async with step(database) as (uow, _):
        target = await command_target(uow, people.claire, None, NOW)
    assert isinstance(target, Member) and target.id == people.ana.id
    await _move_ana_to_marc(people, database)
    async with step(database) as (uow, _):
        assert isinstance(await command_target(uow, people.claire, None, NOW), NotYours)


async def test_history_is_for_the_members_own_associate_only(people: People, database: Database) -> None:
    await _ana_wrote(people, database, "First")
    async with step(database) as (uow, _):
        shown = await member_history_for(uow, people.claire, people.ana.id, "zh-Hans")
        for_marc = await member_history_for(uow, people.marc, people.ana.id, "en")
        for_nobody = await member_history_for(uow, people.claire, people.ana.id + people.ben.id + 100, "en")
    assert isinstance(shown, History) and shown.locale == "zh-Hans" and shown.member.id == people.ana.id
    assert [m.text for m in shown.messages] == ["First"] and shown.names == {people.claire.id: "Claire"}
    assert isinstance(for_marc, NotYours) and isinstance(for_nobody, NotYours)
