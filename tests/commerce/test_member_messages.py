"""A member writes in the consumer bot (commerce.member_messages): the message reaches their
associate with the history row that names its copy, or the member hears why not; an
album item waits for its album; an edit follows the copy; a shared contact is the
member's phone only when it is their own card."""

from __future__ import annotations

from datetime import timedelta

from commerce.availability import Availability
from commerce.bots import BotKind
from commerce.conversations import Direction, MessageKind
from commerce.member_messages import (
    ContactShared,
    relay_member_edit,
    relay_member_message,
    relay_member_text,
    share_contact,
)
from commerce.messages import (
    AutoReplied,
    Content,
    CopyEdited,
    Incoming,
    NoAssociateHere,
    PhonePromptClosed,
    RelayedIn,
    Said,
)
from commerce.outbox import OutboxPurpose
from commerce.people import Link, LinkReason
from commerce.relay import ChatPaused, Forward, NoAssociate
from storage.uow import Database
from tests.commerce.builders import (
    ANA_CHAT,
    CLAIRE_CHAT,
    NOW,
    People,
    edited,
    history,
    photo,
    step,
    text,
)

PHONE_SKIP = "Not now"


async def test_a_members_message_goes_to_their_associate_and_into_the_history(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        route = await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "Is the bag in blue?"),
                                           people.brand.id, NOW)

    posted = postbox.only()
    assert isinstance(route, Forward) and route.associate.id == people.claire.id
    assert (posted.message.bot, posted.message.chat_id, posted.message.purpose) == (BotKind.ASSOCIATE, CLAIRE_CHAT,
                                                                                    OutboxPurpose.REPLY)
    body = posted.message.body
    assert isinstance(body, RelayedIn)
    assert (body.member.id, body.associate.id, body.store.id) == (people.ana.id, people.claire.id, people.store.id)
    assert body.content == Content(MessageKind.TEXT, "Is the bag in blue?") and body.tags == []
    [kept] = await history(database, people.ana)
    assert (kept.direction, kept.kind, kept.text, kept.source_message_id) == (Direction.IN, MessageKind.TEXT,
                                                                             "Is the bag in blue?", 11)
    assert (kept.associate_id, kept.relay_outbox_id) == (people.claire.id, posted.outbox_id)


async def test_the_header_carries_the_members_tags(people: People, database: Database) -> None:
    from commerce.workspace import add_tag

    async with step(database) as (uow, _):
        await add_tag(uow, people.claire, people.ana.id, "vip", NOW)
    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "Hi"), people.brand.id, NOW)
    assert [body.tags for body in postbox.bodies(RelayedIn)] == [["vip"]]


async def test_a_member_without_an_associate_hears_how_to_choose_one_and_nothing_is_kept(people: People,
                                                                                      database: Database) -> None:
    async with step(database) as (uow, _):
        link = await uow.links.current(people.ana.id)
        await uow.links.end(link.id, NOW - timedelta(minutes=5), LinkReason.ENDED_BY_MEMBER)

    async with step(database) as (uow, postbox):
        route = await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "Hello?", locale="zh-Hans"),
                                           people.brand.id, NOW)

    assert isinstance(route, NoAssociate)
    posted = postbox.only().message
    assert (posted.bot, posted.chat_id, posted.body) == (BotKind.CONSUMER, ANA_CHAT, NoAssociateHere("zh-Hans"))
    assert await history(database, people.ana) == []


async def test_a_paused_chat_is_said_so_once_per_album(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        people.ana.consent_chat = False
        await uow.members.update(people.ana)

    async with step(database) as (uow, postbox):
        routes = [await relay_member_message(uow, postbox, people.ana, photo(ANA_CHAT, n, album="g1"), people.brand.id, NOW)
                  for n in (11, 12, 13)]

    assert all(isinstance(route, ChatPaused) for route in routes)
    assert [p.message.body for p in postbox.posted] == [Said("en", "relay.chat_paused")]
    assert postbox.held == [] and await history(database, people.ana) == []


async def test_an_album_item_is_held_for_its_album_with_its_history_row(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, photo(ANA_CHAT, 11, "front", album="g1"), people.brand.id, NOW)

    assert postbox.posted == []
    assert [(h.bot, h.chat_id, h.media_group_id) for h in postbox.held] == [(BotKind.CONSUMER, ANA_CHAT, "g1")]
    [kept] = await history(database, people.ana)
    assert (kept.kind, kept.text, kept.relay_outbox_id) == (MessageKind.PHOTO, "front", None)


async def test_an_away_associates_member_hears_it_once_per_window(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        await uow.availability.save(Availability(people.claire.id, NOW, away_until=NOW + timedelta(days=2),
                                                 away_note="Back on Wednesday"))

    async with step(database) as (uow, first):
        await relay_member_message(uow, first, people.ana, text(ANA_CHAT, 11, "Hello"), people.brand.id, NOW)
    async with step(database, NOW + timedelta(minutes=5)) as (uow, second):
        await relay_member_message(uow, second, people.ana, text(ANA_CHAT, 12, "Still there?"), people.brand.id,
                                   NOW + timedelta(minutes=5))

    [relayed, replied] = first.posted
    assert isinstance(relayed.message.body, RelayedIn)
    assert (replied.message.bot, replied.message.chat_id) == (BotKind.CONSUMER, ANA_CHAT)
    auto = replied.message.body
    assert isinstance(auto, AutoReplied) and auto.reply.presence.until == NOW + timedelta(days=2)
    assert auto.reply.presence.note == "Back on Wednesday"
    assert [type(p.message.body) for p in second.posted] == [RelayedIn], "told once, not per message"


async def test_the_phone_prompts_skip_button_closes_the_prompt_and_is_for_nobody_else(people: People,
                                                                                    database: Database) -> None:
    async with step(database) as (uow, postbox):
        await relay_member_text(uow, postbox, people.ana, text(ANA_CHAT, 11, f"  {PHONE_SKIP} "), people.brand.id, NOW,
                                PHONE_SKIP)
        await relay_member_text(uow, postbox, people.ana, text(ANA_CHAT, 12, "Not now, thanks"), people.brand.id, NOW,
                                PHONE_SKIP)

    closed, relayed = [p.message for p in postbox.posted]
    assert (closed.bot, closed.chat_id, closed.body) == (BotKind.CONSUMER, ANA_CHAT,
                                                         PhonePromptClosed("en", "enroll.phone_skipped"))
    assert isinstance(relayed.body, RelayedIn) and relayed.body.content.text == "Not now, thanks"
    assert [m.source_message_id for m in await history(database, people.ana)] == [12]


async def test_an_edit_follows_the_copy_and_is_kept_as_history(people: People, database: Database) -> None:
    original = text(ANA_CHAT, 11, "Size 38")
    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, original, people.brand.id, NOW)
    copy_id = postbox.only().outbox_id

    async with step(database, NOW + timedelta(minutes=1)) as (uow, postbox):
        await relay_member_edit(uow, postbox, people.ana, edited(original, "Size 39"), NOW + timedelta(minutes=1))

    posted = postbox.only().message
    body = posted.body
    assert (posted.bot, posted.chat_id) == (BotKind.ASSOCIATE, CLAIRE_CHAT)
    assert isinstance(body, CopyEdited) and body.inbound and body.copy.id == copy_id
    assert (body.kind, body.text, body.member.id, body.associate.id) == (MessageKind.TEXT, "Size 39", people.ana.id,
                                                                         people.claire.id)
    first, edit = await history(database, people.ana)
    assert (edit.kind, edit.text, edit.source_message_id, edit.relay_outbox_id) == (MessageKind.EDIT, "Size 39", 11,
                                                                                   postbox.only().outbox_id)
    assert first.text == "Size 38"


async def test_an_edit_of_a_message_never_relayed_changes_nothing(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        await relay_member_edit(uow, postbox, people.ana, text(ANA_CHAT, 99, "edited"), NOW)
    assert postbox.posted == [] and await history(database, people.ana) == []


def _card(chat_id: int, message_id: int, user_id: int | None) -> Incoming:
    card = {"phone_number": "+33 6 12 34 56 78", "first_name": "Ana", "user_id": user_id}
    return Incoming(chat_id, message_id, Content(MessageKind.CONTACT, "Ana", card=card), "en")


async def test_the_members_own_card_keeps_their_phone_and_is_not_relayed(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        shared = await share_contact(uow, postbox, people.brand, ANA_CHAT, ANA_CHAT, "+33 6 12 34 56 78",
                                     _card(ANA_CHAT, 11, ANA_CHAT), NOW)

    assert shared is ContactShared.PHONE_KEPT and postbox.posted == []
    async with database.uow() as uow:
        assert (await uow.members.get(people.ana.id)).phone == "+33 6 12 34 56 78"


async def test_someone_elses_card_answers_the_open_phone_prompt_and_is_refused(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        shared = await share_contact(uow, postbox, people.brand, ANA_CHAT, 123, "+1 555 0100", _card(ANA_CHAT, 11, 123), NOW)

    assert shared is ContactShared.NOT_YOURS and postbox.posted == []
    async with database.uow() as uow:
        assert (await uow.members.get(people.ana.id)).phone is None
    assert await history(database, people.ana) == []


async def test_once_the_phone_is_on_file_someone_elses_card_is_for_the_associate(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        await share_contact(uow, postbox, people.brand, ANA_CHAT, ANA_CHAT, "+33 6", _card(ANA_CHAT, 10, ANA_CHAT), NOW)
    async with step(database) as (uow, postbox):
        shared = await share_contact(uow, postbox, people.brand, ANA_CHAT, 123, "+1 555 0100", _card(ANA_CHAT, 11, 123), NOW)

    assert shared is ContactShared.RELAYED
    body = postbox.only().message.body
    assert isinstance(body, RelayedIn) and body.content.kind is MessageKind.CONTACT
    assert body.member.id == people.ana.id and body.associate.id == people.claire.id
    [kept] = await history(database, people.ana)
    assert (kept.kind, kept.text) == (MessageKind.CONTACT, "Ana")


async def test_a_strangers_own_card_is_not_a_members_phone(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        shared = await share_contact(uow, postbox, people.brand, 123, 123, "+1 555 0100", _card(123, 11, 123), NOW)
    assert shared is ContactShared.NOT_A_MEMBER and postbox.posted == []


async def test_a_member_moved_to_another_associate_writes_to_the_new_one(people: People, database: Database) -> None:
    async with step(database) as (uow, _):
        link = await uow.links.current(people.ana.id)
        await uow.links.end(link.id, NOW - timedelta(minutes=1), LinkReason.SWITCHED_BY_MEMBER)
        await uow.links.add(Link(member_id=people.ana.id, associate_id=people.marc.id, started_at=NOW - timedelta(minutes=1),
                                 reason=LinkReason.SWITCHED_BY_MEMBER))

    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "Hi Marc"), people.brand.id, NOW)

    assert postbox.only().message.chat_id == people.marc.telegram_user_id
    [kept] = await history(database, people.ana)
    assert kept.associate_id == people.marc.id
