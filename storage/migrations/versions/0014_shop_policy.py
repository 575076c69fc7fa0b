"""The catalog's text search index, and the brand's shop policies (the brand file's `shop:`).

Search index, one per dialect, both over product.search_text (already case-folded):
- PostgreSQL: a pg_trgm GIN index (trigrams), which serves `search_text LIKE '%word%'`
  itself, so the search keeps its exact meaning. The extension goes into the schema
  `public` when that exists (a per-run schema dropped later must not take it along), else
  into the current one. A server without pg_trgm, or a role that may not create it, gets no
  index: the search still works, by scanning.
- SQLite: an FTS5 table with the trigram tokenizer (case-sensitive: the text is folded
  already), its content read from product, kept in step by triggers. A SQLite built without
  FTS5 (or older than 3.34) gets no table: the repository then searches with LIKE.
Neither is declared among the tables (storage.tables.catalog.SEARCH_INDEX names them so
the schema comparison leaves them out). A later migration that rebuilds `product` in SQLite
batch mode must create the triggers again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TRGM_INDEX = "ix_product_search_text_trgm"
FTS_TABLE = "product_fts"

_FTS_TRIGGERS = (
    f"""CREATE TRIGGER {FTS_TABLE}_after_insert AFTER INSERT ON product BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_after_update AFTER UPDATE OF search_text ON product BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_after_delete AFTER DELETE ON product BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
)


def upgrade() -> None:
    op.create_table(
        "brand_shop",
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("tiers", JSON, nullable=False),
        sa.Column("points_per_unit", sa.Integer(), nullable=False),
        sa.Column("hold_minutes", sa.Integer(), nullable=False),
        sa.Column("same_day_radius_km", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("brand_id", name="pk_brand_shop"),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name="fk_brand_shop_brand_id_brand"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _trigram_index(bind)
    elif bind.dialect.name == "sqlite":
        _fts_table(bind)


def _trigram_index(bind: sa.Connection) -> None:
    schema = _trgm_schema(bind)
    if schema is None:
        has_public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar_one_or_none()
        try:
            with bind.begin_nested():
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm" + (" SCHEMA public" if has_public else "")))
        except sa.exc.DBAPIError:
            pass  # not available, not allowed, or created meanwhile by another migration
        schema = _trgm_schema(bind)
        if schema is None:
            return  # the search scans
    bind.execute(sa.text(f'CREATE INDEX {TRGM_INDEX} ON product USING gin (search_text "{schema}".gin_trgm_ops)'))


def _trgm_schema(bind: sa.Connection) -> str | None:
    return bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar_one_or_none()


def _fts_table(bind: sa.Connection) -> None:
    try:
        with bind.begin_nested():
            bind.execute(sa.text(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='product', "
                                 "content_rowid='id', tokenize='trigram case_sensitive 1')"))
    except sa.exc.DBAPIError:
        return  # no FTS5 or no trigram tokenizer in this SQLite: the search uses LIKE
    for trigger in _FTS_TRIGGERS:
        bind.execute(sa.text(trigger))
    bind.execute(sa.text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text(f"DROP INDEX IF EXISTS {TRGM_INDEX}"))
    elif bind.dialect.name == "sqlite":
        for name in ("after_insert", "after_update", "after_delete"):
            bind.execute(sa.text(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{name}"))
        bind.execute(sa.text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    op.drop_table("brand_shop")
