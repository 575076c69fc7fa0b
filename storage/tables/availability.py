"""Associates' availability, auto-replies, escalations and their notices (migration 0004)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import _partial
from storage.types import UTCDateTime

# The statuses of an escalation someone still has to answer (commerce.availability.UNANSWERED).
_UNANSWERED = "status IN ('open', 'claimed')"


class AssociateAvailabilityRow(SQLModel, table=True):
    __tablename__ = "associate_availability"

    associate_id: int = Field(primary_key=True, foreign_key="associate.id", sa_column_kwargs={"autoincrement": False})
    hours: str | None = Field(default=None, sa_type=sa.String(200))
    away_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    away_note: str | None = Field(default=None, sa_type=sa.Text)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class AutoReplyRow(SQLModel, table=True):
    __tablename__ = "auto_reply"

    member_id: int = Field(primary_key=True, foreign_key="member.id", sa_column_kwargs={"autoincrement": False})
    associate_id: int = Field(foreign_key="associate.id")
    sent_at: datetime = Field(sa_type=UTCDateTime)


class EscalationRow(SQLModel, table=True):
    __tablename__ = "escalation"
    __table_args__ = (
        sa.UniqueConstraint("message_id", name="uq_escalation_message_id"),
        sa.Index("uq_escalation_open_member_id", "member_id", unique=True, **_partial(_UNANSWERED)),
        # A manager's /escalations: the store's unanswered ones, oldest first.
        sa.Index("ix_escalation_store_id_status", "store_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    associate_id: int = Field(foreign_key="associate.id")
    store_id: int = Field(foreign_key="store.id")
    message_id: int = Field(foreign_key="conversation_message.id")
    opened_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(sa_type=sa.String(16))
    claimed_by: int | None = Field(default=None, foreign_key="associate.id")
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EscalationNoticeRow(SQLModel, table=True):
    __tablename__ = "escalation_notice"
    __table_args__ = (
        # A reply in an associate's chat names the outbox row of the message it answers.
        sa.UniqueConstraint("outbox_id", name="uq_escalation_notice_outbox_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    associate_id: int = Field(foreign_key="associate.id")
    outbox_id: int  # no foreign key, like conversation_message.relay_outbox_id: outbox rows may be pruned
    kind: str = Field(sa_type=sa.String(16))
