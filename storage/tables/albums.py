"""Album items held until their album is complete, and the albums relayed (migration 0006)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import TelegramId
from storage.types import UTCDateTime


class AlbumItemRow(SQLModel, table=True):
    """One item of an album a person is still sending. Telegram delivers an album as
    separate messages sharing a media_group_id; each is kept here, in its update's own
    transaction, until the album has been quiet for a moment and is relayed as one."""

    __tablename__ = "album_item"
    __table_args__ = (
        # A redelivered item is recorded once.
        sa.UniqueConstraint("bot", "chat_id", "source_message_id", name="uq_album_item_bot_chat_id_source_message_id"),
        # The flush claims one album: every item of (bot, chat, media_group_id).
        sa.Index("ix_album_item_bot_chat_id_media_group_id", "bot", "chat_id", "media_group_id"),
        # The recovery sweep looks for albums gone quiet.
        sa.Index("ix_album_item_received_at", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    chat_id: int = Field(sa_type=TelegramId)
    member_id: int = Field(foreign_key="member.id")
    media_group_id: str = Field(sa_type=sa.String(64))
    source_message_id: int = Field(sa_type=sa.BigInteger)
    kind: str = Field(sa_type=sa.String(16))
    file_id: str = Field(sa_type=sa.Text)
    caption: str | None = Field(default=None, sa_type=sa.Text)
    file_name: str | None = Field(default=None, sa_type=sa.String(255))
    mime_type: str | None = Field(default=None, sa_type=sa.String(128))
    received_at: datetime = Field(sa_type=UTCDateTime)
    # The history row written with the item; the flush points it at the album's outbox row.
    conversation_message_id: int = Field(foreign_key="conversation_message.id")


class AlbumMessageRow(SQLModel, table=True):
    """The Telegram message ids an album was delivered as. The outbox row keeps only the
    first; a reply to any item of the album must still find the row (and so the member)."""

    __tablename__ = "album_message"
    __table_args__ = (
        sa.UniqueConstraint("bot", "chat_id", "telegram_message_id", name="uq_album_message_bot_chat_id_telegram_message_id"),
        # An edit names an item of an album by its outbox row and position.
        sa.Index("ix_album_message_outbox_id_position", "outbox_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    chat_id: int = Field(sa_type=TelegramId)
    telegram_message_id: int = Field(sa_type=sa.BigInteger)
    # No foreign key, like conversation_message.relay_outbox_id: outbox rows may be pruned.
    outbox_id: int
    position: int  # 0-based place of the item in the album
