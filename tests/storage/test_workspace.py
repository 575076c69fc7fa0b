"""The workspace's storage on SQLite and PostgreSQL: tags once per member, notes newest
first, one focus per associate, and /members filters (tag, tier, unread, quiet) over the
associate's current members only, in one query per page."""

from __future__ import annotations

from datetime import timedelta

from commerce.workspace_values import Focus, FocusMode, MemberFilter, MemberNote, MemberTag
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.people import Associate, Link
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member

NOW = T0 + timedelta(days=60)


def said(member_id: int, associate_id: int, direction: Direction, days_ago: float, kind: MessageKind = MessageKind.TEXT) -> ConversationMessage:
    return ConversationMessage(member_id=member_id, associate_id=associate_id, direction=direction, kind=kind,
                               created_at=NOW - timedelta(days=days_ago), text="hi")


async def test_a_tag_is_kept_once_per_member_and_notes_come_newest_first(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop, 1))
        first = await uow.workspace.add_tag(MemberTag(ana.id, "vip", T0, "associate:1"))
        again = await uow.workspace.add_tag(MemberTag(ana.id, "vip", T0, "associate:1"))
        await uow.workspace.add_tag(MemberTag(ana.id, "礼品", T0, "associate:1"))
        await uow.workspace.add_tag(MemberTag(ana.id, "bags", T0, "associate:1"))
        for n in range(3):
            await uow.workspace.add_note(MemberNote(ana.id, f"note {n} <b>", T0 + timedelta(minutes=n), shop.associate.id, "Claire"))
        await uow.commit()

    async with database.uow() as uow:
        removed = await uow.workspace.remove_tag(ana.id, "bags")
        missing = await uow.workspace.remove_tag(ana.id, "bags")
        tags = [t.tag for t in await uow.workspace.tags_of(ana.id)]
        notes = await uow.workspace.notes_of(ana.id, 2)
        await uow.commit()

    assert (first, again, removed, missing) == (True, False, True, False)
    assert tags == ["vip", "礼品"]
    assert [n.text for n in notes] == ["note 2 <b>", "note 1 <b>"] and notes[0].author == "Claire"


async def test_an_associate_has_one_focus_replaced_and_cleared(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop, 1))
        ben = await uow.members.add(a_member(shop, 2))
        await uow.workspace.set_focus(Focus(shop.associate.id, ana.id, FocusMode.WRITE, T0))
        await uow.workspace.set_focus(Focus(shop.associate.id, ben.id, FocusMode.NOTE, T0 + timedelta(minutes=1)))
        await uow.workspace.save_filter(shop.associate.id, "tag:vip", T0)
        await uow.workspace.save_filter(shop.associate.id, "unread", T0)
        await uow.commit()

    async with database.uow() as uow:
        focus = await uow.workspace.focus_of(shop.associate.id)
        words = await uow.workspace.saved_filter(shop.associate.id)
        await uow.workspace.clear_focus(shop.associate.id)
        assert await uow.workspace.focus_of(shop.associate.id) is None
        await uow.commit()

    assert focus == Focus(shop.associate.id, ben.id, FocusMode.NOTE, T0 + timedelta(minutes=1))
    assert words == "unread"


async def test_members_filters_combine_over_the_associates_current_members_only(shop: Shop, database: Database) -> None:
    me = shop.associate.id
    async with database.uow() as uow:
        other = await uow.associates.add(Associate(store_id=shop.store.id, display_name="Marc", short_code="MARC1"))
        ana = await uow.members.add(a_member(shop, 1, first_name="Ana", tier="Gold", enrolled_at=NOW - timedelta(days=50)))
        ben = await uow.members.add(a_member(shop, 2, first_name="Ben", tier="Silver", enrolled_at=NOW - timedelta(days=50)))
        cleo = await uow.members.add(a_member(shop, 3, first_name="Cleo", enrolled_at=NOW - timedelta(days=50)))
        dan = await uow.members.add(a_member(shop, 4, first_name="Dan", tier="gold", enrolled_at=NOW - timedelta(days=1)))
        eve = await uow.members.add(a_member(shop, 5, first_name="Eve", tier="Gold", enrolled_at=NOW - timedelta(days=50)))
        for member in (ana, ben, cleo, dan):
            await uow.links.add(Link(member_id=member.id, associate_id=me, started_at=member.enrolled_at))
        await uow.links.add(Link(member_id=eve.id, associate_id=other.id, started_at=eve.enrolled_at))
        for member in (ana, ben, eve):
            await uow.workspace.add_tag(MemberTag(member.id, "vip", T0, "x"))
        await uow.workspace.add_tag(MemberTag(ana.id, "bags", T0, "x"))
        # Ana: answered, then two new messages (and an edit, which is not one) -> 2 unread, contact 2 days ago.
        for message in (said(ana.id, me, Direction.IN, 40), said(ana.id, me, Direction.OUT, 39), said(ana.id, me, Direction.IN, 3),
                        said(ana.id, me, Direction.IN, 2), said(ana.id, me, Direction.IN, 1, MessageKind.EDIT)):
            await uow.conversations.add(message)
        # Ben: answered 40 days ago, nothing since -> quiet, read.
        await uow.conversations.add(said(ben.id, me, Direction.IN, 41))
        await uow.conversations.add(said(ben.id, me, Direction.OUT, 40))
        await uow.conversations.add(said(eve.id, other.id, Direction.IN, 1))
        await uow.commit()

    async def names(where: MemberFilter, limit: int = 10, offset: int = 0) -> list[str]:
        async with database.uow() as uow:
            return [row.member.first_name for row in await uow.workspace.members_of(me, where, NOW, limit, offset)]

    async with database.uow() as uow:
        everyone = await uow.workspace.members_of(me, MemberFilter(), NOW, 10)
    assert [(r.member.first_name, r.tags, r.unread) for r in everyone] == [
        ("Ana", ("bags", "vip"), 2), ("Ben", ("vip",), 0), ("Dan", (), 0), ("Cleo", (), 0)]
    assert everyone[0].last_contact == NOW - timedelta(days=2) and everyone[2].last_contact is None
    assert await names(MemberFilter(tag="vip")) == ["Ana", "Ben"]
    assert await names(MemberFilter(tier="GOLD")) == ["Ana", "Dan"]
    assert await names(MemberFilter(unread=True)) == ["Ana"]
    assert await names(MemberFilter(quiet_days=30)) == ["Ben", "Cleo"]  # Dan enrolled yesterday: not quiet
    assert await names(MemberFilter(tag="vip", tier="gold", unread=True)) == ["Ana"]
    assert await names(MemberFilter(tag="vip", quiet_days=30)) == ["Ben"]
    assert await names(MemberFilter(tag="nobody")) == []
    assert await names(MemberFilter(), limit=2, offset=2) == ["Dan", "Cleo"]


async def test_a_member_is_found_by_username_in_any_case(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop, 1, username="AnaChen"))
        found = await uow.workspace.member_by_username(shop.brand.id, "@anachen")
        missing = await uow.workspace.member_by_username(shop.brand.id, "ana")
        stats = await uow.workspace.message_stats(ana.id)
    assert found is not None and found.id == ana.id and missing is None
    assert stats.count == 0 and stats.last is None


async def test_answering_one_member_leaves_another_members_messages_unread_in_chats(shop: Shop, database: Database) -> None:
    """/chats and /members count unread the same way: per member, since that member's last answer."""
    me = shop.associate.id
    async with database.uow() as uow:
        ana = await uow.members.add(a_member(shop, 1, first_name="Ana"))
        ben = await uow.members.add(a_member(shop, 2, first_name="Ben"))
        for member in (ana, ben):
            await uow.links.add(Link(member_id=member.id, associate_id=me, started_at=T0))
        await uow.conversations.add(said(ana.id, me, Direction.IN, 3))
        await uow.conversations.add(said(ana.id, me, Direction.IN, 2))
        await uow.conversations.add(said(ben.id, me, Direction.IN, 1.5))
        await uow.conversations.add(said(ben.id, me, Direction.OUT, 1))  # Ben is answered after Ana wrote
        await uow.commit()

    async with database.uow() as uow:
        chats = {c.member.first_name: c.unread for c in await uow.conversations.chats_of(me, 10)}
        members = {r.member.first_name: r.unread for r in await uow.workspace.members_of(me, MemberFilter(), NOW, 10)}

    assert chats == members == {"Ana": 2, "Ben": 0}
