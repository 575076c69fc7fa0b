"""Values and ports of the relay's availability: associates' working hours and away
notices, the auto-replies members got, and escalations of unanswered messages to the
store team. Plain dataclasses and Protocols, like commerce.model and commerce.ports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from commerce.model import ConversationMessage


@dataclass(slots=True)
class Availability:
    """What an associate said about when they answer. No row means: the store's hours."""

    associate_id: int
    updated_at: datetime
    hours: str | None = None  # their own working hours (commerce.hours grammar); None: the store's
    away_until: datetime | None = None  # away (holiday, day off) until then; past values mean back
    away_note: str | None = None  # what members are told with the away notice, as the associate wrote it


class EscalationStatus(StrEnum):
    OPEN = "open"  # the store team was asked; nobody has claimed it yet
    CLAIMED = "claimed"  # a teammate took it and has not answered yet
    ANSWERED = "answered"  # the teammate who claimed it answered the member
    CLOSED = "closed"  # the member's own associate answered (or the member moved on): nothing left to do


# The escalations a manager still has to care about.
UNANSWERED = (EscalationStatus.OPEN, EscalationStatus.CLAIMED)


@dataclass(slots=True)
class Escalation:
    """A member's unanswered messages handed to the store team. The link never changes:
    the teammate who claims it answers once, under their own name."""

    member_id: int
    associate_id: int  # the member's associate, who did not answer in time
    store_id: int
    message_id: int  # the first unanswered message (conversation_message.id): one escalation per unanswered run
    opened_at: datetime
    status: EscalationStatus = EscalationStatus.OPEN
    claimed_by: int | None = None  # associate id
    claimed_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    id: int | None = None


class NoticeKind(StrEnum):
    CARD = "card"  # the Claim card a teammate got
    HISTORY = "history"  # the conversation sent to the teammate who claimed it (a reply to it answers)
    OWNER = "owner"  # the note to the member's own associate


@dataclass(slots=True)
class EscalationNotice:
    """A message about an escalation in an associate's chat, by the outbox row that
    carries it: replies to it are routed, and cards are edited once someone claims."""

    escalation_id: int
    associate_id: int
    outbox_id: int
    kind: NoticeKind
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Waiting:
    """A member whose messages since the last answer start with first_message_id."""

    member_id: int
    first_message_id: int
    first_at: datetime


class AvailabilityRepository(Protocol):
    async def get(self, associate_id: int) -> Availability | None: ...
    async def save(self, availability: Availability) -> None:
        """Insert or replace the associate's row."""
    async def claim_auto_reply(self, member_id: int, associate_id: int, at: datetime, not_before: datetime) -> bool:
        """Record an auto-reply to the member at `at`, unless the last one was recorded
        after `not_before`: True exactly once per window, across processes."""


class EscalationRepository(Protocol):
    async def add(self, escalation: Escalation) -> Escalation:
        """Raises DuplicateError if this run of messages (or the member) is escalated already."""
    async def get(self, escalation_id: int) -> Escalation | None: ...
    async def of_member(self, member_id: int, statuses: Sequence[EscalationStatus]) -> Sequence[Escalation]: ...
    async def of_store(self, store_id: int, statuses: Sequence[EscalationStatus]) -> Sequence[Escalation]:
        """Oldest first."""
    async def claim(self, escalation_id: int, associate_id: int, at: datetime) -> bool:
        """Atomically take an OPEN escalation: True for exactly one claimer."""
    async def set_status(self, escalation_id: int, status: EscalationStatus, at: datetime) -> None:
        """ANSWERED fills answered_at, CLOSED closed_at."""
    async def waiting(self, since: datetime, until: datetime, limit: int, offset: int = 0) -> Sequence[Waiting]:
        """Members whose first message since the last answer was written in [since, until)
        and who have no open or claimed escalation, oldest first."""
    async def message(self, message_id: int) -> ConversationMessage | None: ...
    async def add_notice(self, notice: EscalationNotice) -> EscalationNotice: ...
    async def notice_by_message(self, associate_id: int, chat_id: int, telegram_message_id: int) -> EscalationNotice | None:
        """The notice delivered as this message of the associate's chat (edits of it do not hide it)."""
    async def notices(self, escalation_id: int) -> Sequence[EscalationNotice]: ...
