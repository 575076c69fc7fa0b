"""Albums relayed as albums: the short, durable buffer of an album's items until the album is complete.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "album_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("media_group_id", sa.String(64), nullable=False),
        sa.Column("source_message_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("file_name", sa.String(255), nullable=True),
        sa.Column("mime_type", sa.String(128), nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("conversation_message_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_album_item"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_album_item_member_id_member"),
        sa.ForeignKeyConstraint(["conversation_message_id"], ["conversation_message.id"],
                                name="fk_album_item_conversation_message_id_conversation_message"),
        sa.UniqueConstraint("bot", "chat_id", "source_message_id", name="uq_album_item_bot_chat_id_source_message_id"),
    )
    op.create_index("ix_album_item_bot_chat_id_media_group_id", "album_item", ["bot", "chat_id", "media_group_id"])
    op.create_index("ix_album_item_received_at", "album_item", ["received_at"])
    op.create_table(
        "album_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_album_message"),
        sa.UniqueConstraint("bot", "chat_id", "telegram_message_id", name="uq_album_message_bot_chat_id_telegram_message_id"),
    )
    op.create_index("ix_album_message_outbox_id_position", "album_message", ["outbox_id", "position"])


def downgrade() -> None:
    op.drop_table("album_message")
    op.drop_table("album_item")
