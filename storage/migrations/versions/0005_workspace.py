"""Associate workspace: member tiers, tags and notes, and the member an associate is writing to from /chats.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("tier", sa.String(32), nullable=True))
    op.create_table(
        "member_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(24), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member_tag"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_member_tag_member_id_member"),
        sa.UniqueConstraint("member_id", "tag", name="uq_member_tag_member_id_tag"),
    )
    op.create_table(
        "member_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member_note"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_member_note_member_id_member"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_member_note_associate_id_associate"),
    )
    op.create_index("ix_member_note_member_id_id", "member_note", ["member_id", "id"])
    op.create_table(
        "associate_focus",
        sa.Column("associate_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("since", TZ, nullable=False),
        sa.PrimaryKeyConstraint("associate_id", name="pk_associate_focus"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_associate_focus_associate_id_associate"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_associate_focus_member_id_member"),
    )
    op.create_table(
        "associate_members_filter",
        sa.Column("associate_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("words", sa.String(200), nullable=False),
        sa.Column("saved_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("associate_id", name="pk_associate_members_filter"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_associate_members_filter_associate_id_associate"),
    )


def downgrade() -> None:
    op.drop_table("associate_members_filter")
    op.drop_table("associate_focus")
    op.drop_index("ix_member_note_member_id_id", table_name="member_note")
    op.drop_table("member_note")
    op.drop_table("member_tag")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("tier")
