"""Writing to a member without replying (commerce.focus): the associate chooses a member
and a mode; their next message that replies to nothing goes to that member, or becomes
the tag or note; a focus on a member no longer theirs ends with a word, not a message."""

from __future__ import annotations

from datetime import timedelta

from commerce.access import NotYours
from commerce.associate_replies import reply_to_member
from commerce.bots import BotKind
from commerce.focus import message_without_reply, start_writing_to
from commerce.messages import (
    NoteAnswered,
    RelayedOut,
    Said,
    TagAnswered,
    TagsAndNotesShown,
)
from commerce.people import Link, LinkReason, Member
from commerce.relay import MemberPaused, ReplyTo
from commerce.workspace import NoteAdded, TagDone
from commerce.workspace_values import FocusMode
from storage.uow import Database
from tests.commerce.builders import (
    ANA_CHAT,
    CLAIRE_CHAT,
    NOW,
    People,
    history,
    photo,
    step,
    text,
)


async def test_an_associate_may_write_to_their_own_member_only(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        mine = await start_writing_to(uow, people.claire, people.ana.id, FocusMode.WRITE, NOW)
        not_mine = await start_writing_to(uow, people.claire, people.ben.id, FocusMode.WRITE, NOW)
    async with database.uow() as uow:
        focus = await uow.workspace.focus_of(people.claire.id)
    assert isinstance(mine, Member) and mine.id == people.ana.id
    assert isinstance(not_mine, NotYours)
    assert focus is not None and (focus.member_id, focus.mode) == (people.ana.id, FocusMode.WRITE)


async def test_while_writing_a_message_goes_to_the_member_like_a_reply(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        await start_writing_to(uow, people.claire, people.ana.id, FocusMode.WRITE, NOW)
    async with step(database) as (uow, postbox):
        route = await message_without_reply(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Hi"), NOW)
        await reply_to_member(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 22, "Your bag is in"), NOW)

    assert isinstance(route, ReplyTo) and route.member.id == people.ana.id and route.relayed is None
    posted = postbox.only().message  # message_without_reply itself posts nothing for a WRITE focus
    assert (posted.bot, posted.chat_id) == (BotKind.CONSUMER, ANA_CHAT)
    assert isinstance(posted.body, RelayedOut) and posted.body.content.text == "Your bag is in"
    [kept] = await history(database, people.ana)
    assert (kept.text, kept.relay_outbox_id) == ("Your bag is in", postbox.only().outbox_id)


async def test_writing_to_a_paused_member_is_refused(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        await start_writing_to(uow, people.claire, people.ana.id, FocusMode.WRITE, NOW)
        people.ana.consent_chat = False
        await uow.members.update(people.ana)
    async with step(database) as (uow, postbox):
        route = await message_without_reply(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Hi"), NOW)
    assert isinstance(route, MemberPaused) and postbox.posted == []


async def test_a_focus_on_a_member_who_moved_on_ends_with_a_word(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        await start_writing_to(uow, people.claire, people.ana.id, FocusMode.WRITE, NOW)
        link = await uow.links.current(people.ana.id)
        await uow.links.end(link.id, NOW, LinkReason.REASSIGNED_BY_HQ)
        await uow.links.add(Link(member_id=people.ana.id, associate_id=people.marc.id, started_at=NOW))

    async with step(database) as (uow, postbox):
        await reply_to_member(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Still there?"), NOW)

    posted = postbox.only().message
    assert (posted.bot, posted.chat_id, posted.body) == (BotKind.ASSOCIATE, CLAIRE_CHAT,
                                                         Said("en", "workspace.focus_lost", {"member": "Ana"}))
    assert await history(database, people.ana) == []


async def test_an_idle_focus_ends_and_the_hint_comes_back(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        await start_writing_to(uow, people.claire, people.ana.id, FocusMode.WRITE, NOW)
    later = NOW + timedelta(days=1)
    async with step(database, later) as (uow, postbox):
        route = await message_without_reply(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "Hi"), later)
    assert route is None and [p.message.body for p in postbox.posted] == [Said("en", "workspace.reply_hint")]


async def test_a_pending_tag_is_the_next_message_and_ends_the_focus(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        await start_writing_to(uow, people.claire, people.ana.id, FocusMode.TAG, NOW)
    async with step(database) as (uow, postbox):
        route = await message_without_reply(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 21, "vip"), NOW)

    assert route is None
    answered, shown = [p.message for p in postbox.posted]
    assert answered.chat_id == CLAIRE_CHAT and isinstance(answered.body, TagAnswered)
    assert isinstance(answered.body.result, TagDone) and answered.body.added and answered.body.again
    assert isinstance(shown.body, TagsAndNotesShown) and [t.tag for t in shown.body.view.tags] == ["vip"]
    async with database.uow() as uow:
        assert await uow.workspace.focus_of(people.claire.id) is None
        assert [t.tag for t in await uow.workspace.tags_of(people.ana.id)] == ["vip"]


async def test_a_pending_note_takes_text_only_and_keeps_the_focus_until_it_gets_it(people: People,
                                                                                   database: Database) -> None:
    async with step(database) as (uow, _):
        await start_writing_to(uow, people.claire, people.ana.id, FocusMode.NOTE, NOW)
    async with step(database) as (uow, postbox):
        await message_without_reply(uow, postbox, people.claire_staff, photo(CLAIRE_CHAT, 21, "a photo"), NOW)
    assert [p.message.body for p in postbox.posted] == [Said("en", "workspace.text_only")]
    async with database.uow() as uow:
        assert (await uow.workspace.focus_of(people.claire.id)) is not None

    async with step(database) as (uow, postbox):
        await message_without_reply(uow, postbox, people.claire_staff, text(CLAIRE_CHAT, 22, "Prefers blue"), NOW)
    answered = postbox.posted[0].message.body
    assert isinstance(answered, NoteAnswered) and isinstance(answered.result, NoteAdded)
    async with database.uow() as uow:
        assert [n.text for n in await uow.workspace.notes_of(people.ana.id, 5)] == ["Prefers blue"]
        assert await uow.workspace.focus_of(people.claire.id) is None
