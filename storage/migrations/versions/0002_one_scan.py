"""One scan: associate invites, reward rules and coupons, scans, blobs; brand welcome text
and leaderboard time; store managers; an index for recruitment counts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when storage/ does.
TZ = sa.DateTime(timezone=True)


def partial(where: str) -> dict[str, object]:
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def upgrade() -> None:
    # recreate="never": SQLite's ADD COLUMN takes a constant default, so the tables are
    # altered in place. A copy-and-move would drop `associate`, which member and link
    # rows reference, and SQLite refuses that while foreign keys are enforced.
    with op.batch_alter_table("brand", recreate="never") as batch:
        batch.add_column(sa.Column("welcome_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("leaderboard_time", sa.String(8), nullable=False, server_default="21:00"))
    with op.batch_alter_table("associate", recreate="never") as batch:
        batch.add_column(sa.Column("is_manager", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_member_brand_id_enrolled_at", "member", ["brand_id", "enrolled_at"])

    op.create_table(
        "associate_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.Column("used_by_telegram_user_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_associate_invite"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_associate_invite_associate_id_associate"),
        sa.UniqueConstraint("token_hash", name="uq_associate_invite_token_hash"),
    )
    op.create_table(
        "reward_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("code_prefix", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reward_rule"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_reward_rule_brand_id_brand"),
    )
    op.create_index("uq_reward_rule_active_brand_id", "reward_rule", ["brand_id"], unique=True, **partial("active"))
    op.create_table(
        "coupon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("redeemed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_coupon"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_coupon_member_id_member"),
        sa.ForeignKeyConstraint(["rule_id"], ["reward_rule.id"], name="fk_coupon_rule_id_reward_rule"),
        sa.UniqueConstraint("code", name="uq_coupon_code"),
    )
    op.create_index("ix_coupon_member_id", "coupon", ["member_id"])
    op.create_table(
        "scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scan"),
        sa.ForeignKeyConstraint(["associate_id"], ["associate.id"], name="fk_scan_associate_id_associate"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_scan_member_id_member"),
    )
    op.create_index("ix_scan_telegram_user_id", "scan", ["telegram_user_id"])
    op.create_index("ix_scan_associate_id_at", "scan", ["associate_id", "at"])
    op.create_table(
        "blob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("mime_type", sa.String(128), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blob"),
        sa.UniqueConstraint("sha256", name="uq_blob_sha256"),
    )
    op.create_table(
        "blob_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(16), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blob_file"),
        sa.ForeignKeyConstraint(["blob_id"], ["blob.id"], name="fk_blob_file_blob_id_blob"),
        sa.UniqueConstraint("bot", "blob_id", name="uq_blob_file_bot_blob_id"),
    )


def downgrade() -> None:
    for table in ("blob_file", "blob", "scan", "coupon", "reward_rule", "associate_invite"):
        op.drop_table(table)
    op.drop_index("ix_member_brand_id_enrolled_at", table_name="member")
    # Plain DROP COLUMN (SQLite 3.35+): these columns carry no index or constraint, and
    # a copy-and-move of `associate` would trip over the rows that reference it.
    op.drop_column("associate", "is_manager")
    op.drop_column("brand", "leaderboard_time")
    op.drop_column("brand", "welcome_text")
