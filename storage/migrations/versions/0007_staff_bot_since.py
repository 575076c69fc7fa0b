"""When an associate's account first opened the staff bot: Telegram delivers nothing to
an account before that, so escalation cards and /switch leave such associates out.

Existing associates count as having opened it when their account used an invite link
(the invite is opened in the staff bot) or when they wrote to a member through it; the
earliest of those times is kept. Everyone else waits for their next /start.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)

# One grouped pass over each table, rather than a correlated look-up per associate: the
# conversation table is the largest there is and has no index on the associate.
_INVITES = sa.text(
    "SELECT i.associate_id, MIN(i.used_at) AS at FROM associate_invite i JOIN associate a ON a.id = i.associate_id"
    " WHERE i.used_at IS NOT NULL AND i.used_by_telegram_user_id = a.telegram_user_id GROUP BY i.associate_id",
).columns(sa.column("associate_id", sa.Integer()), sa.column("at", TZ))
_WRITTEN = sa.text(
    "SELECT associate_id, MIN(created_at) AS at FROM conversation_message WHERE direction = 'out' GROUP BY associate_id",
).columns(sa.column("associate_id", sa.Integer()), sa.column("at", TZ))
_SET = sa.text("UPDATE associate SET staff_bot_since = :at WHERE id = :id AND telegram_user_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("associate") as batch:
        batch.add_column(sa.Column("staff_bot_since", TZ, nullable=True))
    bind = op.get_bind()
    earliest: dict[int, datetime] = {}
    for statement in (_INVITES, _WRITTEN):
        for associate_id, at in bind.execute(statement):
            if at is not None and (associate_id not in earliest or at < earliest[associate_id]):
                earliest[associate_id] = at  # both naive (SQLite) or both aware (PostgreSQL)
    if earliest:
        bind.execute(_SET.bindparams(sa.bindparam("at", type_=TZ)), [{"id": k, "at": v} for k, v in earliest.items()])


def downgrade() -> None:
    with op.batch_alter_table("associate") as batch:
        batch.drop_column("staff_bot_since")
