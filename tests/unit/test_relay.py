"""Relay routing decided from values: where a member's message goes, and whether an
associate's reply may reach the member it names."""

from __future__ import annotations

from datetime import UTC, datetime

from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.people import Associate, AssociateStatus, Link, Member, Store
from commerce.relay import ChatPaused, Forward, MemberPaused, NoAssociate, NotRelayed, NotYourMember, ReplyTo, check_reply, route_inbound

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
STORE = Store(brand_id=1, code="SH1", name="Shanghai Xintiandi", id=1)
BOB = Associate(store_id=1, display_name="Bob", short_code="B", telegram_user_id=11, id=1)
LINA = Associate(store_id=1, display_name="Lina", short_code="L", telegram_user_id=12, id=2)


def alice(**fields: object) -> Member:
    return Member(brand_id=1, telegram_user_id=21, first_name="Alice", enrolled_at=T0, id=5, **fields)  # type: ignore[arg-type]


def link_to(associate: Associate) -> Link:
    return Link(member_id=5, associate_id=associate.id, started_at=T0, id=9)  # type: ignore[arg-type]


RELAYED = ConversationMessage(member_id=5, associate_id=1, direction=Direction.IN, kind=MessageKind.TEXT, created_at=T0, id=3)


def test_a_linked_member_with_chat_on_is_forwarded_to_their_associate() -> None:
    assert route_inbound(alice(), link_to(BOB), BOB, STORE) == Forward(alice(), BOB, STORE)


def test_a_member_without_a_usable_associate_is_told_so() -> None:
    gone = Associate(store_id=1, display_name="Old", short_code="O", telegram_user_id=13, status=AssociateStatus.DEACTIVATED, id=3)
    unbound = Associate(store_id=1, display_name="New", short_code="N", id=4)
    assert isinstance(route_inbound(alice(), None, None, None), NoAssociate)
    assert isinstance(route_inbound(alice(), link_to(gone), gone, STORE), NoAssociate)
    assert isinstance(route_inbound(alice(), link_to(unbound), unbound, STORE), NoAssociate)


def test_a_member_who_paused_the_chat_is_not_forwarded() -> None:
    assert isinstance(route_inbound(alice(consent_chat=False), link_to(BOB), BOB, STORE), ChatPaused)


def test_only_the_members_current_associate_may_reply() -> None:
    assert check_reply(BOB, STORE, RELAYED, alice(), link_to(BOB)) == ReplyTo(alice(), BOB, STORE, RELAYED)
    assert isinstance(check_reply(LINA, STORE, RELAYED, alice(), link_to(BOB)), NotYourMember)
    assert isinstance(check_reply(BOB, STORE, RELAYED, alice(), link_to(LINA)), NotYourMember)
    assert isinstance(check_reply(BOB, STORE, RELAYED, alice(), None), NotYourMember)


def test_a_member_who_moved_on_is_told_apart_from_one_who_was_never_the_associates() -> None:
    """RELAYED went to Bob: Alice was his. Lina never had her (say, Lina's account now holds
    a chat where Bob's copies were delivered)."""
    assert check_reply(BOB, STORE, RELAYED, alice(), link_to(LINA)) == NotYourMember(was_yours=True)
    assert check_reply(LINA, STORE, RELAYED, alice(), link_to(BOB)) == NotYourMember(was_yours=False)


def test_a_reply_to_something_that_is_not_a_relayed_member_message_is_refused() -> None:
    own = ConversationMessage(member_id=5, associate_id=1, direction=Direction.OUT, kind=MessageKind.TEXT, created_at=T0, id=4)
    assert isinstance(check_reply(BOB, STORE, None, None, None), NotRelayed)
    assert isinstance(check_reply(BOB, STORE, own, alice(), link_to(BOB)), NotRelayed)


def test_a_member_who_paused_the_chat_cannot_be_written_to() -> None:
    assert isinstance(check_reply(BOB, STORE, RELAYED, alice(consent_chat=False), link_to(BOB)), MemberPaused)
