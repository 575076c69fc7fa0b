"""Files kept as bytes, each bot's file_id for them, and when generated ones expire."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class BlobRow(SQLModel, table=True):
    """Bytes the bots send (posters, relayed photos), stored once per content hash."""

    __tablename__ = "blob"
    __table_args__ = (sa.UniqueConstraint("sha256", name="uq_blob_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(sa_type=sa.String(64))  # hex digest of content
    content: bytes = Field(sa_type=sa.LargeBinary)
    mime_type: str = Field(sa_type=sa.String(128))
    filename: str = Field(sa_type=sa.String(255))
    created_at: datetime = Field(sa_type=UTCDateTime)


class BlobFileRow(SQLModel, table=True):
    """The file_id a bot got from Telegram for a blob: file_ids are per bot, and reusing
    one saves uploading the bytes again."""

    __tablename__ = "blob_file"
    __table_args__ = (sa.UniqueConstraint("bot", "blob_id", name="uq_blob_file_bot_blob_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(16))
    blob_id: int = Field(foreign_key="blob.id")
    file_id: str = Field(sa_type=sa.Text)


class BlobExpiryRow(SQLModel, table=True):
    """When a blob may go: the leaderboard's images are rendered for a day and kept a few
    days more; blobs without a row here (posters, relayed media) are kept."""

    __tablename__ = "blob_expiry"
    __table_args__ = (
        # The look for expired blobs: one range of it.
        sa.Index("ix_blob_expiry_expires_at", "expires_at"),
    )

    blob_id: int = Field(foreign_key="blob.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    expires_at: datetime = Field(sa_type=UTCDateTime)
