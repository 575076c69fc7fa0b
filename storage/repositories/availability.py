"""Associates' availability (away notes, auto-replies) and escalations with their notices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from commerce.availability import UNANSWERED, Availability, Escalation, EscalationNotice, EscalationStatus, NoticeKind, Waiting
from commerce.bots import BotKind
from commerce.conversations import ConversationMessage, Direction, MessageKind
from storage import mapping
from storage.repositories.base import _Repository
from storage.tables.availability import (
    AssociateAvailabilityRow,
    AutoReplyRow,
    EscalationNoticeRow,
    EscalationRow,
)
from storage.tables.conversations import ConversationMessageRow
from storage.tables.outbox import OutboxRow


def _values(obj: Any, *, exclude: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    return mapping.values(obj, exclude=exclude)


def _escalation(row: EscalationRow) -> Escalation:
    values = {f.name: getattr(row, f.name) for f in fields(Escalation)}
    return Escalation(**{**values, "status": EscalationStatus(row.status)})


def _notice(row: EscalationNoticeRow) -> EscalationNotice:
    return EscalationNotice(escalation_id=row.escalation_id, associate_id=row.associate_id, outbox_id=row.outbox_id,
                            kind=NoticeKind(row.kind), id=row.id)


_AVAILABILITY: sa.Table = AssociateAvailabilityRow.__table__  # type: ignore[attr-defined]


_AVAILABILITY_OF = sa.select(_AVAILABILITY).where(_AVAILABILITY.c.associate_id == sa.bindparam("p_associate_id"))


class SqlAvailabilityRepository(_Repository):
    async def get(self, associate_id: int) -> Availability | None:
        # Read for every message a member writes: a prebuilt statement, a plain row.
        row = (await self.session.execute(_AVAILABILITY_OF, {"p_associate_id": associate_id})).first()
        if row is None:
            return None
        return Availability(associate_id=row.associate_id, updated_at=row.updated_at, hours=row.hours,
                            away_until=row.away_until, away_note=row.away_note)

    async def save(self, availability: Availability) -> None:
        values = _values(availability, exclude=())
        stmt = self._dialect_insert(AssociateAvailabilityRow).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=["associate_id"],
                                          set_={k: v for k, v in values.items() if k != "associate_id"})
        await self.session.execute(stmt)

    async def claim_auto_reply(self, member_id: int, associate_id: int, at: datetime, not_before: datetime) -> bool:
        table = AutoReplyRow.__table__
        stmt = self._dialect_insert(AutoReplyRow).values(member_id=member_id, associate_id=associate_id, sent_at=at)
        stmt = stmt.on_conflict_do_update(
            index_elements=["member_id"],
            set_={"associate_id": associate_id, "sent_at": at},
            where=table.c.sent_at <= not_before,
        ).returning(table.c.member_id)
        return (await self.session.execute(stmt)).first() is not None


class SqlEscalationRepository(_Repository):
    async def add(self, escalation: Escalation) -> Escalation:
        row = await self._insert_unique(EscalationRow(**_values(escalation)))
        await self.session.flush()
        escalation.id = row.id
        return _escalation(row)

    async def get(self, escalation_id: int) -> Escalation | None:
        row = await self._get(EscalationRow, escalation_id)
        return _escalation(row) if row else None

    async def of_member(self, member_id: int, statuses: Sequence[EscalationStatus]) -> Sequence[Escalation]:
        stmt = (sa.select(EscalationRow).where(EscalationRow.member_id == member_id,
                                               EscalationRow.status.in_([s.value for s in statuses]))
                .order_by(EscalationRow.id))
        return [_escalation(row) for row in await self._all(stmt)]

    async def of_store(self, store_id: int, statuses: Sequence[EscalationStatus]) -> Sequence[Escalation]:
        stmt = (sa.select(EscalationRow).where(EscalationRow.store_id == store_id,
                                               EscalationRow.status.in_([s.value for s in statuses]))
                .order_by(EscalationRow.opened_at, EscalationRow.id))
        return [_escalation(row) for row in await self._all(stmt)]

    async def claim(self, escalation_id: int, associate_id: int, at: datetime) -> bool:
        stmt = (sa.update(EscalationRow)
                .where(EscalationRow.id == escalation_id, EscalationRow.status == EscalationStatus.OPEN.value,
                       EscalationRow.claimed_by.is_(None))
                .values(status=EscalationStatus.CLAIMED.value, claimed_by=associate_id, claimed_at=at))
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return result.rowcount == 1

    async def set_status(self, escalation_id: int, status: EscalationStatus, at: datetime) -> None:
        values: dict[str, Any] = {"status": status.value}
        if status is EscalationStatus.ANSWERED:
            values["answered_at"] = at
        elif status is EscalationStatus.CLOSED:
            values["closed_at"] = at
        stmt = sa.update(EscalationRow).where(EscalationRow.id == escalation_id).values(**values)
        await self.session.execute(stmt, execution_options={"synchronize_session": False})

    async def waiting(self, since: datetime, until: datetime, limit: int, offset: int = 0) -> Sequence[Waiting]:
        """Per member, the oldest inbound message with no answer after it. Answers and
        edits are excluded by kind and direction; each member costs index ranges of
        ix_conversation_message_member_id_id."""
        cm, answer = ConversationMessageRow, aliased(ConversationMessageRow)
        answered_after = (sa.select(answer.id).where(answer.member_id == cm.member_id,
                                                     answer.direction == Direction.OUT.value, answer.id > cm.id).exists())
        escalated = (sa.select(EscalationRow.id).where(EscalationRow.member_id == cm.member_id,
                                                       EscalationRow.status.in_([s.value for s in UNANSWERED])).exists())
        first = (sa.select(cm.member_id, sa.func.min(cm.id).label("first_id"))
                 .where(cm.direction == Direction.IN.value, cm.kind != MessageKind.EDIT.value,
                        cm.created_at >= since, ~answered_after, ~escalated)
                 .group_by(cm.member_id)).subquery()
        stmt = (sa.select(first.c.member_id, first.c.first_id, cm.created_at)
                .join(cm, cm.id == first.c.first_id)
                .where(cm.created_at < until)
                .order_by(cm.created_at, cm.id).limit(limit).offset(offset))
        rows = (await self.session.execute(stmt)).all()
        return [Waiting(member_id, first_id, created_at) for member_id, first_id, created_at in rows]

    async def message(self, message_id: int) -> ConversationMessage | None:
        row = await self._get(ConversationMessageRow, message_id)
        return mapping.conversation_message(row) if row else None

    async def add_notice(self, notice: EscalationNotice) -> EscalationNotice:
        row = await self._insert(EscalationNoticeRow(**_values(notice)))
        notice.id = row.id
        return _notice(row)

    async def notice_by_message(self, associate_id: int, chat_id: int, telegram_message_id: int) -> EscalationNotice | None:
        """Through the outbox row that first delivered the message: a card is edited in place
        later, and those edits are outbox rows of the same Telegram message."""
        stmt = (sa.select(EscalationNoticeRow)
                .join(OutboxRow, OutboxRow.id == EscalationNoticeRow.outbox_id)
                .where(OutboxRow.bot == BotKind.ASSOCIATE.value, OutboxRow.chat_id == chat_id,
                       OutboxRow.telegram_message_id == telegram_message_id,
                       EscalationNoticeRow.associate_id == associate_id))
        row = await self._first(stmt)
        return _notice(row) if row else None

    async def notices(self, escalation_id: int) -> Sequence[EscalationNotice]:
        stmt = (sa.select(EscalationNoticeRow).where(EscalationNoticeRow.escalation_id == escalation_id)
                .order_by(EscalationNoticeRow.id))
        return [_notice(row) for row in await self._all(stmt)]
