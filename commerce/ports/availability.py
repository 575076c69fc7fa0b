"""Availability and escalations: associates' availability and auto-replies, and escalations
of unanswered messages to the store team with the notices sent about them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from commerce.conversations import ConversationMessage

if TYPE_CHECKING:  # commerce.availability reaches the unit of work through these ports
    from commerce.availability import (
        Availability,
        Escalation,
        EscalationNotice,
        EscalationStatus,
        Waiting,
    )


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
