"""Adapters that implement the commerce ports: SQL storage and the Redis/in-process backends.

`Database` (storage.uow) opens the SQL engine and hands out units of work;
`make_engine` (storage.engine) builds the async engine for SQLite or PostgreSQL.
They are imported lazily so that `storage.backends` does not pay for SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import SQLModel

# Every constraint and index gets a predictable name, so later migrations can drop or
# alter them by name on both dialects (SQLite batch migrations need the names too).
# Set here, before any table module is imported, because the convention applies when a
# constraint is attached to its table.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

if TYPE_CHECKING:
    from storage.engine import make_engine
    from storage.uow import Database, SqlUnitOfWork

__all__ = ["Database", "SqlUnitOfWork", "make_engine"]


def __getattr__(name: str) -> Any:
    if name in ("Database", "SqlUnitOfWork"):
        from storage import uow

        return getattr(uow, name)
    if name == "make_engine":
        from storage.engine import make_engine

        return make_engine
    raise AttributeError(f"module 'storage' has no attribute {name!r}")
