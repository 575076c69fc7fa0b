"""Which undelivered messages their writer hears about: an associate's words to a member
when they ended FAILED or UNREACHABLE, a member's words to the associate when Telegram
refused them (FAILED), each with the reason the outbox row gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commerce.bots import BotKind
from commerce.chats import undelivered_notice
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.outbox import DeliveryProblem, OutboxMessage, OutboxStatus
from commerce.people import Associate, AssociateStatus, Member

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


def test_sent_messages_other_rows_and_gone_associates_are_not_reported() -> None:
    assert undelivered_notice(ROW, OutboxStatus.SENT, said(Direction.OUT), BOB, ALICE) is None
    assert undelivered_notice(ROW, OutboxStatus.FAILED, None, BOB, ALICE) is None
    gone = Associate(store_id=1, display_name="Bob", short_code="BOB1", telegram_user_id=5, id=2, status=AssociateStatus.DEACTIVATED)
    assert undelivered_notice(ROW, OutboxStatus.FAILED, said(Direction.OUT), gone, ALICE) is None


def test_a_members_message_telegram_refused_is_reported_to_the_member_with_the_reason() -> None:
    too_long = OutboxMessage(BotKind.ASSOCIATE, 5, "sendMessage", {}, T0, error="too_long: Message is too long", id=9)
    refused = OutboxMessage(BotKind.ASSOCIATE, 5, "sendMessage", {}, T0, error="refused: Bad Request: chat not found", id=9)

    long_notice = undelivered_notice(too_long, OutboxStatus.FAILED, said(Direction.IN), BOB, ALICE)
    other_notice = undelivered_notice(refused, OutboxStatus.FAILED, said(Direction.IN), BOB, ALICE)

    assert long_notice is not None and long_notice.to_member and long_notice.problem is DeliveryProblem.TOO_LONG
    assert other_notice is not None and other_notice.to_member and other_notice.problem is DeliveryProblem.REFUSED


def test_a_member_is_not_told_when_the_associate_blocked_the_staff_bot_or_when_they_blocked_ours() -> None:
    blocked_member = Member(brand_id=1, telegram_user_id=7, first_name="Alice", enrolled_at=T0, reachable=False, id=3)

    assert undelivered_notice(ROW, OutboxStatus.UNREACHABLE, said(Direction.IN), BOB, ALICE) is None
    assert undelivered_notice(ROW, OutboxStatus.FAILED, said(Direction.IN), BOB, blocked_member) is None


def test_an_associate_hears_too_long_apart_from_other_refusals() -> None:
    too_long = OutboxMessage(BotKind.CONSUMER, 7, "sendPhoto", {}, T0, error="too_long: Message caption is too long", id=9)

    notice = undelivered_notice(too_long, OutboxStatus.FAILED, said(Direction.OUT), BOB, ALICE)

    assert notice is not None and not notice.to_member and notice.problem is DeliveryProblem.TOO_LONG
