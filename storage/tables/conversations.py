"""The brand-owned history of every member's conversation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class ConversationMessageRow(SQLModel, table=True):
    """Every message between a member and their associate, both ways (brand-owned)."""

    __tablename__ = "conversation_message"
    __table_args__ = (
        # A member's history, newest first, paged by id.
        sa.Index("ix_conversation_message_member_id_id", "member_id", "id"),
        sa.Index("ix_conversation_message_relay_outbox_id", "relay_outbox_id"),
        # The escalation job's look at the last days' messages (migration 0004).
        sa.Index("ix_conversation_message_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    associate_id: int = Field(foreign_key="associate.id")
    direction: str = Field(sa_type=sa.String(8))
    kind: str = Field(sa_type=sa.String(16))
    text: str | None = Field(default=None, sa_type=sa.Text)
    source_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    # No foreign key: outbox rows may be pruned one day, the history stays.
    relay_outbox_id: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
