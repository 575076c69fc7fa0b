"""What every SQL repository shares: the session wrapper, statements built once with bind
parameters, and telling a unique-key violation apart.

Repositories never commit: the unit of work that owns the session does. Every read asks the
database again (populate_existing), so a row changed by an UPDATE statement earlier in the
same transaction is never served stale from the session's identity map.

Statements on the hot path (every relayed message) are built once, with bind parameters,
and executed with a dict of values: building a statement and computing its cache key cost
more CPU than running it. Parameter names carry a p_ prefix (SQLAlchemy reserves a column's
own name in VALUES and SET)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from commerce.ports.uow import DuplicateError
from storage.tables.availability import AssociateAvailabilityRow
from storage.tables.brand import AssociateRow, StoreRow
from storage.tables.members import LinkRow, MemberRow

RowT = TypeVar("RowT")


# Errors that say nothing about the values written (DataError and a driver's refusal to
# encode them do).
_NOT_THE_VALUES = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ProgrammingError, sa.exc.IntegrityError,
                   sa.exc.InternalError, sa.exc.NotSupportedError)


_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def p(column: sa.Column[Any]) -> sa.BindParameter[Any]:
    """The bind parameter for a column's value, typed as the column."""
    return sa.bindparam(f"p_{column.name}", type_=column.type)


def params(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values by column name, as the parameters of a statement built with p()."""
    return {f"p_{key}": value for key, value in values.items()}


@functools.cache
def insert_returning_id(table: sa.Table, columns: tuple[str, ...], dialect: str | None = None,
                        conflict: tuple[str, ...] | None = None) -> Any:
    """INSERT of these columns (p() parameters) RETURNING id; with `conflict`, ON CONFLICT
    (those columns) DO NOTHING, in the dialect's spelling."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect or "", sa.insert)
    stmt = insert(table).values({name: p(table.c[name]) for name in columns})
    if conflict:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    return stmt.returning(table.c.id)


@functools.cache
def update_by_id(table: sa.Table, columns: tuple[str, ...]) -> Any:
    """UPDATE these columns (p() parameters) of the row whose id is p_id."""
    return sa.update(table).where(table.c.id == sa.bindparam("p_id")).values({name: p(table.c[name]) for name in columns})


def is_unique_violation(error: IntegrityError) -> bool:
    orig = error.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        return True
    if getattr(orig, "sqlite_errorname", None) in _SQLITE_UNIQUE:
        return True
    return "UNIQUE constraint failed" in str(orig)


def _labelled(table: sa.Table, prefix: str) -> list[sa.Label[Any]]:
    return [column.label(f"{prefix}_{column.name}") for column in table.c]


def _unlabel(values: Mapping[str, Any], table: sa.Table, prefix: str) -> SimpleNamespace:
    """One table's columns of a joined row, as attributes (what storage.mapping reads)."""
    return SimpleNamespace(**{column.name: values[f"{prefix}_{column.name}"] for column in table.c})


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _dialect_insert(self, row_type: type[Any]) -> Any:
        """INSERT with the dialect's ON CONFLICT clauses (both dialects spell them alike)."""
        insert = postgresql.insert if self.session.bind.dialect.name == "postgresql" else sqlite.insert
        return insert(row_type)

    async def _get(self, row_type: type[RowT], row_id: int) -> RowT | None:
        return await self.session.get(row_type, row_id, populate_existing=True)

    async def _first(self, stmt: Select[Any]) -> Any:
        result = await self.session.scalars(stmt.limit(1).execution_options(populate_existing=True))
        return result.first()

    async def _all(self, stmt: Select[Any]) -> Sequence[Any]:
        result = await self.session.scalars(stmt.execution_options(populate_existing=True))
        return result.all()

    async def _insert(self, row: RowT) -> RowT:
        self.session.add(row)
        await self.session.flush()
        return row

    async def _insert_values(self, row_type: type[Any], values: dict[str, Any]) -> int:
        """A plain INSERT ... RETURNING id, for rows written on every message (outbox,
        history): the ORM's flush machinery costs more CPU than the statement itself."""
        stmt = insert_returning_id(row_type.__table__, tuple(values))
        return int((await self.session.execute(stmt, params(values))).scalar_one())

    async def _insert_unique(self, row: RowT) -> RowT:
        # In a savepoint: after a DuplicateError the caller's transaction is still
        # usable (PostgreSQL would otherwise abort it), e.g. to read the winner's row.
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as error:
            if is_unique_violation(error):
                raise DuplicateError(str(error.orig)) from error
            raise
        return row

    async def _update_unique(self, row_type: type[Any], row_id: int | None, values: dict[str, Any]) -> None:
        if row_id is None:
            raise ValueError(f"cannot update a {row_type.__tablename__} that has no id")
        stmt = sa.update(row_type).where(row_type.id == row_id).values(**values)
        try:
            async with self.session.begin_nested():
                result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        except IntegrityError as error:
            if is_unique_violation(error):
                raise DuplicateError(str(error.orig)) from error
            raise
        if result.rowcount != 1:
            raise LookupError(f"{row_type.__tablename__} {row_id} does not exist")


_WITH_ASSOCIATE_TABLES: tuple[sa.Table, ...] = tuple(
    t.__table__ for t in (MemberRow, LinkRow, AssociateRow, StoreRow, AssociateAvailabilityRow))  # type: ignore[attr-defined]


# The same, leaving out rows the send-time policy holds past p_due.
