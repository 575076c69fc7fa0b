"""Every outbox row says why it is sent (a reply, a notice, an order update, a campaign),
so the sender serves 1:1 traffic before bulk; a campaign row names its campaign, and the
send-time policy can hold a row until a given time.

Rows written before this revision become REPLY rows: they were queued when every message
went out in one lane, so the first lane keeps them as prompt as they were (no campaign
row exists yet), and an older process still running during the upgrade writes REPLY rows
through the server default until it is replaced.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of the column type: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # recreate="never": SQLite adds the columns in place (constant defaults), keeping the
    # table's AUTOINCREMENT, so a deleted newest row's id is never handed out again.
    with op.batch_alter_table("outbox", recreate="never") as batch:
        batch.add_column(sa.Column("purpose", sa.String(16), server_default="reply", nullable=False))
        batch.add_column(sa.Column("campaign_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("not_before", TZ, nullable=True))
    op.create_index("ix_outbox_status_purpose_bot_chat_id_id", "outbox", ["status", "purpose", "bot", "chat_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status_purpose_bot_chat_id_id", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("not_before")
        batch.drop_column("campaign_id")
        batch.drop_column("purpose")
