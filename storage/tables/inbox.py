"""Telegram updates, recorded before they are acknowledged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, json_type


class InboundUpdateRow(SQLModel, table=True):
    """Telegram updates, recorded before they are acknowledged (dedupe on update_id)."""

    __tablename__ = "inbound_update"
    __table_args__ = (
        sa.UniqueConstraint("bot", "update_id", name="uq_inbound_update_bot_update_id"),
        # The recovery sweep looks for RECEIVED updates older than a cut-off.
        sa.Index("ix_inbound_update_status_received_at", "status", "received_at"),
        # A chat's oldest RECEIVED update: handled first, whoever recorded it.
        sa.Index("ix_inbound_update_bot_chat_id_status_update_id", "bot", "chat_id", "status", "update_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    update_id: int = Field(sa_type=sa.BigInteger)
    payload: dict[str, Any] = Field(sa_type=json_type())
    status: str = Field(sa_type=sa.String(16))
    received_at: datetime = Field(sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_type=sa.Text)
    chat_id: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
