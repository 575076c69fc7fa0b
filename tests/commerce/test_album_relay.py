"""Albums relayed as albums (commerce.album_relay): items are held with their history rows,
a quiet album goes out as media groups of at most ten (photos apart from documents), its
history rows then name the row that carried them; a caption edited before the flush goes
out edited, one edited after it edits that item of the copy."""

from __future__ import annotations

from datetime import timedelta

from commerce.album_relay import flush_album, hold_album_item, recaption_held_item
from commerce.albums import AlbumKey, ClaimedAlbum, NotYet
from commerce.associate_replies import relay_associate_edit, reply_to_member
from commerce.bots import BotKind
from commerce.conversations import Direction, MessageKind
from commerce.member_messages import relay_member_edit, relay_member_message
from commerce.messages import AlbumItemEdited, AlbumRelayed
from commerce.outbox import OutboxPurpose
from storage.uow import Database
from tests.commerce.builders import (
    ANA_CHAT,
    CLAIRE_CHAT,
    NOW,
    People,
    edited,
    history,
    outbox_row,
    photo,
    step,
    text,
)
from tests.commerce.postbox import delivered

QUIET = timedelta(seconds=2)
ANAS_ALBUM = AlbumKey(BotKind.CONSUMER, ANA_CHAT, "g1")


async def _ana_sends(people: People, database: Database, *items) -> None:
    async with step(database) as (uow, postbox):
        for item in items:
            await relay_member_message(uow, postbox, people.ana, item, people.brand.id, NOW)
    assert postbox.posted == []


async def test_a_quiet_album_goes_out_as_one_and_its_history_names_the_copy(people: People, database: Database) -> None:
    await _ana_sends(people, database, photo(ANA_CHAT, 11, "front", album="g1"), photo(ANA_CHAT, 12, "back", album="g1"))

    async with step(database, NOW + QUIET) as (uow, postbox):
        flushed = await flush_album(uow, postbox, ANAS_ALBUM, NOW + QUIET, QUIET)

    assert isinstance(flushed, ClaimedAlbum) and flushed.associate.id == people.claire.id
    posted = postbox.only()
    assert (posted.message.bot, posted.message.chat_id, posted.message.purpose) == (BotKind.ASSOCIATE, CLAIRE_CHAT,
                                                                                    OutboxPurpose.REPLY)
    body = posted.message.body
    assert isinstance(body, AlbumRelayed) and body.inbound and body.member.id == people.ana.id
    assert [(i.source_message_id, i.caption, i.file_id) for i in body.items] == [(11, "front", f"file-{ANA_CHAT}-11"),
                                                                                (12, "back", f"file-{ANA_CHAT}-12")]
    assert [(m.kind, m.relay_outbox_id) for m in await history(database, people.ana)] == [
        (MessageKind.PHOTO, posted.outbox_id), (MessageKind.PHOTO, posted.outbox_id)]


async def test_an_album_is_not_flushed_while_items_still_come_and_only_once(people: People, database: Database) -> None:
    await _ana_sends(people, database, photo(ANA_CHAT, 11, album="g1"))

    async with step(database, NOW + QUIET / 2) as (uow, early):
        too_soon = await flush_album(uow, early, ANAS_ALBUM, NOW + QUIET / 2, QUIET)
    async with step(database, NOW + QUIET) as (uow, first):
        await flush_album(uow, first, ANAS_ALBUM, NOW + QUIET, QUIET)
    async with step(database, NOW + QUIET) as (uow, again):
        twice = await flush_album(uow, again, ANAS_ALBUM, NOW + QUIET, QUIET)

    assert too_soon == NotYet(NOW + QUIET) and early.posted == []
    assert len(first.posted) == 1 and twice is None and again.posted == []


async def test_more_than_ten_items_and_documents_go_out_in_several_groups(people: People, database: Database) -> None:
    photos = [photo(ANA_CHAT, 10 + n, album="g1") for n in range(11)]
    documents = [photo(ANA_CHAT, 30 + n, album="g1", kind=MessageKind.DOCUMENT) for n in range(2)]
    await _ana_sends(people, database, *photos, *documents)

    async with step(database, NOW + QUIET) as (uow, postbox):
        await flush_album(uow, postbox, ANAS_ALBUM, NOW + QUIET, QUIET)

    parts = [[i.source_message_id for i in body.items] for body in postbox.bodies(AlbumRelayed)]
    assert parts == [list(range(10, 20)), [20], [30, 31]]
    rows = {m.source_message_id: m.relay_outbox_id for m in await history(database, people.ana)}
    ids = [p.outbox_id for p in postbox.posted]
    assert {rows[s] for s in range(10, 20)} == {ids[0]} and rows[20] == ids[1] and {rows[30], rows[31]} == {ids[2]}


async def test_an_album_whose_associate_is_gone_is_dropped_from_the_buffer(people: People, database: Database) -> None:
    await _ana_sends(people, database, photo(ANA_CHAT, 11, album="g1"))
    async with step(database) as (uow, _):
        people.claire.telegram_user_id = None
        await uow.associates.update(people.claire)

    async with step(database, NOW + QUIET) as (uow, postbox):
        assert await flush_album(uow, postbox, ANAS_ALBUM, NOW + QUIET, QUIET) is None
    async with database.uow() as uow:
        assert await uow.albums.newest(ANAS_ALBUM) is None
    assert postbox.posted == [] and [m.relay_outbox_id for m in await history(database, people.ana)] == [None]


async def test_only_groupable_media_with_a_file_are_held(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        voice = photo(ANA_CHAT, 11, album="g1", kind=MessageKind.VOICE)
        plain = photo(ANA_CHAT, 12)
        held = [await hold_album_item(uow, postbox, item, people.ana, people.claire, Direction.IN, NOW)
                for item in (voice, plain, text(ANA_CHAT, 13, "hi"))]
    assert held == [False, False, False] and postbox.held == []


async def test_a_caption_edited_before_the_flush_goes_out_edited(people: People, database: Database) -> None:
    item = photo(ANA_CHAT, 11, "frnot", album="g1")
    await _ana_sends(people, database, item, photo(ANA_CHAT, 12, album="g1"))

    async with step(database) as (uow, postbox):
        assert await recaption_held_item(uow, people.ana, edited(item, "front"), NOW)
        assert not await recaption_held_item(uow, people.ana, edited(photo(ANA_CHAT, 99, album="g1"), "x"), NOW)
    async with step(database, NOW + QUIET) as (uow, postbox):
        await flush_album(uow, postbox, ANAS_ALBUM, NOW + QUIET, QUIET)

    [body] = postbox.bodies(AlbumRelayed)
    assert [i.caption for i in body.items] == ["front", None]
    assert [(m.kind, m.text) for m in await history(database, people.ana)][-1] == (MessageKind.EDIT, "front")


async def test_a_caption_edited_after_the_flush_edits_that_item_of_the_copy(people: People, database: Database) -> None:
    second = photo(ANA_CHAT, 12, "back", album="g1")
    await _ana_sends(people, database, photo(ANA_CHAT, 11, "front", album="g1"), second)
    async with step(database, NOW + QUIET) as (uow, postbox):
        await flush_album(uow, postbox, ANAS_ALBUM, NOW + QUIET, QUIET)
    copy_id = postbox.only().outbox_id
    assert (await outbox_row(database, copy_id)).method == "sendMediaGroup"

    async with step(database) as (uow, postbox):
        await relay_member_edit(uow, postbox, people.ana, edited(second, "the back"), NOW + QUIET)

    body = postbox.only().message.body
    assert isinstance(body, AlbumItemEdited) and body.inbound
    assert (body.copy_id, body.position, body.caption, body.tags) == (copy_id, 1, "the back", [])
    edit = (await history(database, people.ana))[-1]
    assert (edit.kind, edit.text, edit.relay_outbox_id) == (MessageKind.EDIT, "the back", postbox.only().outbox_id)


async def test_an_associates_album_answers_the_member_and_their_edit_follows(people: People, database: Database) -> None:
    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, people.ana, text(ANA_CHAT, 11, "Photos please"), people.brand.id, NOW)
        await delivered(uow, postbox.only().outbox_id, 501, NOW)
    first = photo(CLAIRE_CHAT, 21, "blue", album="c1", reply_to=501)
    async with step(database) as (uow, postbox):
        for item in (first, photo(CLAIRE_CHAT, 22, "red", album="c1", reply_to=501)):
            await reply_to_member(uow, postbox, people.claire_staff, item, NOW)
    assert postbox.posted == [] and [h.bot for h in postbox.held] == [BotKind.ASSOCIATE, BotKind.ASSOCIATE]

    async with step(database, NOW + QUIET) as (uow, postbox):
        await flush_album(uow, postbox, AlbumKey(BotKind.ASSOCIATE, CLAIRE_CHAT, "c1"), NOW + QUIET, QUIET)
    posted = postbox.only().message
    assert (posted.bot, posted.chat_id) == (BotKind.CONSUMER, ANA_CHAT)
    assert isinstance(posted.body, AlbumRelayed) and not posted.body.inbound and posted.body.tags == []

    async with step(database) as (uow, postbox):
        await relay_associate_edit(uow, postbox, people.claire_staff, edited(first, "navy blue"), NOW + QUIET)
    body = postbox.only().message.body
    assert isinstance(body, AlbumItemEdited) and not body.inbound and (body.position, body.caption) == (0, "navy blue")
