"""The outbox: every Bot API call we make, written in the transaction that caused it, why it
is sent and in which of the sender's lanes, how it ended; and the blobs (bytes to send)
its rows refer to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from commerce.bots import BotKind


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for the sender
    SENT = "sent"  # Telegram accepted it
    FAILED = "failed"  # gave up after retries, or Telegram refused it (400)
    UNREACHABLE = "unreachable"  # the person blocked the bot (403); never retried
    DROPPED = "dropped"  # the send-time policy decided against sending it (commerce.sending); why is in error


class OutboxPurpose(StrEnum):
    """Why a message is sent; the sender serves its lane (see ``lane``) and the send-time
    policy judges it by this."""

    REPLY = "reply"  # a relayed 1:1 message either way, or a direct answer to what a person did
    NOTICE = "notice"  # a service notice to an associate or member (new member, undelivered, escalation card, leaderboard)
    ORDER = "order"  # an update about an order (reserved for the shop)
    CAMPAIGN = "campaign"  # bulk marketing to a segment, carrying its campaign_id

    @property
    def lane(self) -> SendLane:
        return _LANES[self]


class SendLane(IntEnum):
    """The sender's lanes, served in this order; a lower lane also takes the per-bot rate
    limit ahead of the lanes after it."""

    CONVERSATION = 0  # 1:1 replies and order updates: a person is waiting
    NOTICE = 1  # service notices
    BULK = 2  # campaigns: last, and never in the way of the lanes before

    @property
    def purposes(self) -> tuple[OutboxPurpose, ...]:
        return tuple(purpose for purpose in OutboxPurpose if purpose.lane is self)


_LANES = {
    OutboxPurpose.REPLY: SendLane.CONVERSATION,
    OutboxPurpose.ORDER: SendLane.CONVERSATION,
    OutboxPurpose.NOTICE: SendLane.NOTICE,
    OutboxPurpose.CAMPAIGN: SendLane.BULK,
}


class DeliveryProblem(StrEnum):
    """Why an outbox row was not delivered. A FAILED row's error starts with it
    ("too_long: Message is too long"), so the row itself says why."""

    TOO_LONG = "too_long"  # Telegram refused the text or caption as too long
    REFUSED = "refused"  # any other refusal, or too many failed attempts
    UNREACHABLE = "unreachable"  # the person blocked the bot

    @classmethod
    def of(cls, status: OutboxStatus, error: str | None) -> DeliveryProblem:
        if status is OutboxStatus.UNREACHABLE:
            return cls.UNREACHABLE
        return cls.TOO_LONG if (error or "").startswith(f"{cls.TOO_LONG}:") else cls.REFUSED


@dataclass(slots=True)
class OutboxMessage:
    """One Bot API call to make on someone's behalf, written in the same transaction as
    the state change that caused it and delivered after commit by the sender."""

    bot: BotKind
    chat_id: int
    method: str  # Bot API method, e.g. "sendMessage"
    params: dict[str, Any]  # JSON-serialisable parameters, without chat_id
    created_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    sent_at: datetime | None = None
    telegram_message_id: int | None = None
    error: str | None = None
    purpose: OutboxPurpose = OutboxPurpose.REPLY
    campaign_id: int | None = None  # the campaign a CAMPAIGN row belongs to
    # Held by the send-time policy until then (quiet hours, a frequency cap): the row is
    # not read before it, and later rows of its chat go ahead of it meanwhile.
    not_before: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Blob:
    """Bytes to send (a poster, a relayed photo), kept so the outbox can refer to them."""

    sha256: str
    content: bytes
    mime_type: str
    filename: str
    created_at: datetime
    id: int | None = None
