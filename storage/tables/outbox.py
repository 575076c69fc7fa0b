"""Bot API calls waiting for the sender, and what became of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import TelegramId
from storage.types import UTCDateTime, json_type


class OutboxRow(SQLModel, table=True):
    """Bot API calls waiting for the sender. The id is the delivery order within a chat."""

    __tablename__ = "outbox"
    __table_args__ = (
        # A chat's pending messages by id, whatever their purpose (its order).
        sa.Index("ix_outbox_status_bot_chat_id_id", "status", "bot", "chat_id", "id"),
        # The sweep's per-lane reads: the chats with pending rows of some purposes
        # (migration 0010).
        sa.Index("ix_outbox_status_purpose_bot_chat_id_id", "status", "purpose", "bot", "chat_id", "id"),
        # The relay finds the relayed message an associate replied to (migration 0003).
        sa.Index("ix_outbox_bot_chat_id_telegram_message_id", "bot", "chat_id", "telegram_message_id"),
        # SQLite would otherwise reuse the id of a deleted newest row.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    chat_id: int = Field(sa_type=TelegramId)
    method: str = Field(sa_type=sa.String(64))
    params: dict[str, Any] = Field(sa_type=json_type())
    status: str = Field(sa_type=sa.String(16))
    attempts: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the sender last changed the row (sent, retried, gave up): for operators
    # looking at stuck or failed messages. Not part of the domain object.
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    telegram_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    error: str | None = Field(default=None, sa_type=sa.Text)
    # commerce.outbox.OutboxPurpose. The server default covers rows written before 0010 and
    # by a process of the older version still running during an upgrade.
    purpose: str = Field(default="reply", sa_type=sa.String(16), sa_column_kwargs={"server_default": "reply"})
    campaign_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
