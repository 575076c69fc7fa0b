"""Which undelivered messages the associate hears about: only their own words to a member,
when the message ended FAILED or UNREACHABLE."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commerce.chats import undelivered_notice
from commerce.model import Associate, AssociateStatus, BotKind, ConversationMessage, Direction, Member, MessageKind, OutboxMessage, OutboxStatus

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
BOB = Associate(store_id=1, display_name="Bob", short_code="BOB1", telegram_user_id=5, id=2)
ALICE = Member(brand_id=1, telegram_user_id=7, first_name="Alice", enrolled_at=T0, id=3)
ROW = OutboxMessage(BotKind.CONSUMER, 7, "sendMessage", {"text": "x"}, T0, id=9)


def said(direction: Direction) -> ConversationMessage:
    return ConversationMessage(member_id=3, associate_id=2, direction=direction, kind=MessageKind.TEXT, created_at=T0, text="hi", relay_outbox_id=9)


@pytest.mark.parametrize(("status", "unreachable"), [(OutboxStatus.UNREACHABLE, True), (OutboxStatus.FAILED, False)])
def test_an_associates_message_that_did_not_arrive_is_reported(status: OutboxStatus, unreachable: bool) -> None:
    notice = undelivered_notice(ROW, status, said(Direction.OUT), BOB, ALICE)
    assert notice is not None and notice.unreachable is unreachable and notice.member is ALICE and notice.associate is BOB


def test_sent_messages_other_rows_and_members_words_are_not_reported() -> None:
    assert undelivered_notice(ROW, OutboxStatus.SENT, said(Direction.OUT), BOB, ALICE) is None
    assert undelivered_notice(ROW, OutboxStatus.FAILED, None, BOB, ALICE) is None
    assert undelivered_notice(ROW, OutboxStatus.FAILED, said(Direction.IN), BOB, ALICE) is None
    gone = Associate(store_id=1, display_name="Bob", short_code="BOB1", telegram_user_id=5, id=2, status=AssociateStatus.DEACTIVATED)
    assert undelivered_notice(ROW, OutboxStatus.FAILED, said(Direction.OUT), gone, ALICE) is None
