"""SQL repositories: the commerce.ports repository protocols over one AsyncSession.

They never commit: the unit of work that owns the session does. Every read asks the
database again (populate_existing), so a row changed by an UPDATE statement earlier in
the same transaction is never served stale from the session's identity map.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from commerce.model import (
    Associate,
    AuditEntry,
    BotKind,
    Brand,
    HQOperator,
    InboundUpdate,
    InboxStatus,
    Link,
    LinkReason,
    Member,
    OutboxMessage,
    OutboxPurpose,
    OutboxStatus,
    Store,
)
from commerce.availability_model import Availability
from commerce.ports import DuplicateError, MemberWithAssociate, Unstorable
from storage import mapping
from storage.tables_availability import AssociateAvailabilityRow
from storage.tables_workspace import MemberTagRow
from storage.tables import (
    AssociateRow,
    AuditLogRow,
    BrandRow,
    HQOperatorRow,
    InboundUpdateRow,
    LinkRow,
    MemberRow,
    OutboxRow,
    StoreRow,
)

RowT = TypeVar("RowT")
# The tables themselves, for statements on the hot path that need no ORM objects.
_INBOX: sa.Table = InboundUpdateRow.__table__  # type: ignore[attr-defined]
_OUTBOX: sa.Table = OutboxRow.__table__  # type: ignore[attr-defined]

# Errors that say nothing about the values written (DataError and a driver's refusal to
# encode them do).
_NOT_THE_VALUES = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ProgrammingError, sa.exc.IntegrityError,
                   sa.exc.InternalError, sa.exc.NotSupportedError)
_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}

# Statements on the hot path (every relayed message) are built once, with bind parameters,
# and executed with a dict of values: building a statement and computing its cache key
# cost more CPU than running it. Parameter names carry a p_ prefix (SQLAlchemy reserves a
# column's own name in VALUES and SET).


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


class SqlBrandRepository(_Repository):
    async def get(self, brand_id: int) -> Brand | None:
        row = await self._get(BrandRow, brand_id)
        return mapping.brand(row) if row else None

    async def first(self) -> Brand | None:
        row = await self._first(sa.select(BrandRow).order_by(BrandRow.id))
        return mapping.brand(row) if row else None

    async def add(self, brand: Brand) -> Brand:
        row = await self._insert(mapping.brand_row(brand))
        brand.id = row.id
        return mapping.brand(row)

    async def update(self, brand: Brand) -> None:
        await self._update_unique(BrandRow, brand.id, mapping.values(brand))


class SqlStoreRepository(_Repository):
    async def get(self, store_id: int) -> Store | None:
        row = await self._get(StoreRow, store_id)
        return mapping.store(row) if row else None

    async def by_code(self, code: str) -> Store | None:
        row = await self._first(sa.select(StoreRow).where(StoreRow.code == code))
        return mapping.store(row) if row else None

    async def list(self, brand_id: int) -> Sequence[Store]:
        rows = await self._all(sa.select(StoreRow).where(StoreRow.brand_id == brand_id).order_by(StoreRow.id))
        return [mapping.store(row) for row in rows]

    async def add(self, store: Store) -> Store:
        row = await self._insert_unique(mapping.store_row(store))
        store.id = row.id
        return mapping.store(row)

    async def update(self, store: Store) -> None:
        """Raises DuplicateError if the new code is another store's."""
        await self._update_unique(StoreRow, store.id, mapping.values(store))


class SqlAssociateRepository(_Repository):
    async def get(self, associate_id: int) -> Associate | None:
        row = await self._get(AssociateRow, associate_id)
        return mapping.associate(row) if row else None

    async def by_telegram_user(self, telegram_user_id: int) -> Associate | None:
        row = await self._first(sa.select(AssociateRow).where(AssociateRow.telegram_user_id == telegram_user_id))
        return mapping.associate(row) if row else None

    async def by_short_code(self, short_code: str) -> Associate | None:
        row = await self._first(sa.select(AssociateRow).where(AssociateRow.short_code == short_code))
        return mapping.associate(row) if row else None

    async def list_by_store(self, store_id: int) -> Sequence[Associate]:
        stmt = sa.select(AssociateRow).where(AssociateRow.store_id == store_id).order_by(AssociateRow.id)
        return [mapping.associate(row) for row in await self._all(stmt)]

    async def list_all(self) -> Sequence[Associate]:
        stmt = sa.select(AssociateRow).order_by(AssociateRow.id)
        return [mapping.associate(row) for row in await self._all(stmt)]

    async def add(self, associate: Associate) -> Associate:
        row = await self._insert_unique(mapping.associate_row(associate))
        associate.id = row.id
        return mapping.associate(row)

    async def update(self, associate: Associate) -> None:
        values = mapping.values(associate)
        values["staff_bot_since"] = _staff_bot_since(values["staff_bot_since"], values["telegram_user_id"])
        await self._update_unique(AssociateRow, associate.id, values)

    async def opened_staff_bot(self, associate_id: int, at: datetime) -> bool:
        # Only the first time counts: a guarded UPDATE, so two /start at once keep the earlier.
        stmt = (sa.update(AssociateRow)
                .where(AssociateRow.id == associate_id, AssociateRow.staff_bot_since.is_(None))  # type: ignore[union-attr]
                .values(staff_bot_since=at))
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return result.rowcount == 1  # type: ignore[attr-defined]


def _staff_bot_since(since: datetime | None, telegram_user_id: int | None) -> Any:
    """The stored time stays while the account stays: an associate read before their first
    /start and written back afterwards (a manager flag, a status) must not erase it. With
    another account, the caller's value is taken (cleared, or the moment it opened the bot)."""
    column = AssociateRow.__table__.c  # type: ignore[attr-defined]
    given = sa.literal(since, column.staff_bot_since.type) if since is not None else sa.null()
    return sa.case((column.telegram_user_id.is_distinct_from(telegram_user_id), given),
                   else_=sa.func.coalesce(given, column.staff_bot_since))


class SqlHQOperatorRepository(_Repository):
    async def by_telegram_user(self, telegram_user_id: int) -> HQOperator | None:
        row = await self._first(sa.select(HQOperatorRow).where(HQOperatorRow.telegram_user_id == telegram_user_id))
        return mapping.hq_operator(row) if row else None

    async def list(self, brand_id: int) -> Sequence[HQOperator]:
        stmt = sa.select(HQOperatorRow).where(HQOperatorRow.brand_id == brand_id).order_by(HQOperatorRow.id)
        return [mapping.hq_operator(row) for row in await self._all(stmt)]

    async def add(self, operator: HQOperator) -> HQOperator:
        row = await self._insert_unique(mapping.hq_operator_row(operator))
        operator.id = row.id
        return mapping.hq_operator(row)

    async def update(self, operator: HQOperator) -> None:
        await self._update_unique(HQOperatorRow, operator.id, mapping.values(operator))


class SqlMemberRepository(_Repository):
    async def get(self, member_id: int) -> Member | None:
        row = await self._get(MemberRow, member_id)
        return mapping.member(row) if row else None

    async def by_telegram_user(self, brand_id: int, telegram_user_id: int) -> Member | None:
        stmt = sa.select(MemberRow).where(MemberRow.brand_id == brand_id,
                                          MemberRow.telegram_user_id == telegram_user_id)
        row = await self._first(stmt)
        return mapping.member(row) if row else None

    async def with_associate(self, brand_id: int, telegram_user_id: int) -> MemberWithAssociate | None:
        # One round trip instead of four on every message a member writes: the member
        # (uq_member_brand_telegram), the open link (one per member), its associate and store.
        # Plain labelled columns rather than ORM entities: nothing here is changed as an
        # object, and the ORM's identity map would cost more CPU than the query.
        postgres = self.session.bind.dialect.name == "postgresql"
        stmt = _WITH_ASSOCIATE[postgres]
        found = (await self.session.execute(stmt, {"p_brand_id": brand_id, "p_telegram_user_id": telegram_user_id})).first()
        if found is None:
            return None
        values = found._mapping
        member, link, associate, store, availability = _WITH_ASSOCIATE_TABLES
        parts = [_unlabel(values, table, prefix) for table, prefix in ((link, "l"), (associate, "a"), (store, "s"), (availability, "v"))]
        tags = values["tags"]
        return (mapping.member(_unlabel(values, member, "m")),  # type: ignore[arg-type]
                mapping.link(parts[0]) if parts[0].id is not None else None,  # type: ignore[arg-type]
                mapping.associate(parts[1]) if parts[1].id is not None else None,  # type: ignore[arg-type]
                mapping.store(parts[2]) if parts[2].id is not None else None,  # type: ignore[arg-type]
                _tag_list(tags, postgres=postgres),
                _availability(parts[3]) if parts[3].associate_id is not None else None)

    async def add(self, member: Member) -> Member:
        row = await self._insert_unique(mapping.member_row(member))
        member.id = row.id
        return mapping.member(row)

    async def update(self, member: Member) -> None:
        await self._update_unique(MemberRow, member.id, mapping.values(member))


_WITH_ASSOCIATE_TABLES: tuple[sa.Table, ...] = tuple(
    t.__table__ for t in (MemberRow, LinkRow, AssociateRow, StoreRow, AssociateAvailabilityRow))  # type: ignore[attr-defined]


def _with_associate_statement(postgres: bool) -> Any:
    """The member, the open link, its associate and store, the associate's availability and
    the member's tags (a JSON array, in tag order) in one round trip."""
    member, link, associate, store, availability = _WITH_ASSOCIATE_TABLES
    tags = MemberTagRow.__table__  # type: ignore[attr-defined]
    # Correlated to the member read in the outer query (asserted in the tests: a subquery
    # that is not would show someone else's tags). SQLite's array is sorted by the caller.
    aggregate = sa.func.json_agg(aggregate_order_by(tags.c.tag, tags.c.tag)) if postgres else sa.func.json_group_array(tags.c.tag)
    tag_list = sa.select(aggregate).where(tags.c.member_id == member.c.id).correlate(member)
    return (sa.select(*_labelled(member, "m"), *_labelled(link, "l"), *_labelled(associate, "a"), *_labelled(store, "s"),
                      *_labelled(availability, "v"), tag_list.scalar_subquery().label("tags"))
            .select_from(member)
            .outerjoin(link, sa.and_(link.c.member_id == member.c.id, link.c.ended_at.is_(None)))
            .outerjoin(associate, associate.c.id == link.c.associate_id)
            .outerjoin(store, store.c.id == associate.c.store_id)
            .outerjoin(availability, availability.c.associate_id == associate.c.id)
            .where(member.c.brand_id == sa.bindparam("p_brand_id"), member.c.telegram_user_id == sa.bindparam("p_telegram_user_id"))
            .limit(1))


_WITH_ASSOCIATE = (_with_associate_statement(postgres=False), _with_associate_statement(postgres=True))


def _tag_list(tags: Any, *, postgres: bool) -> list[str]:
    """The tags column of the identity query: PostgreSQL's JSON array is in the database's
    tag order already; SQLite's is sorted here, by code point as its BINARY ORDER BY would."""
    if tags is None:
        return []  # PostgreSQL aggregates no rows to NULL
    values = [str(tag) for tag in (json.loads(tags) if isinstance(tags, str) else tags)]
    return values if postgres else sorted(values)


def _availability(row: Any) -> Availability:
    return Availability(associate_id=row.associate_id, updated_at=row.updated_at, hours=row.hours,
                        away_until=row.away_until, away_note=row.away_note)


class SqlLinkRepository(_Repository):
    async def current(self, member_id: int) -> Link | None:
        row = await self._first(sa.select(LinkRow).where(LinkRow.member_id == member_id, LinkRow.ended_at.is_(None)))
        return mapping.link(row) if row else None

    async def history(self, member_id: int) -> Sequence[Link]:
        stmt = sa.select(LinkRow).where(LinkRow.member_id == member_id).order_by(LinkRow.started_at, LinkRow.id)
        return [mapping.link(row) for row in await self._all(stmt)]

    async def add(self, link: Link) -> Link:
        """Raises DuplicateError if the member already has an open link."""
        row = await self._insert_unique(mapping.link_row(link))
        link.id = row.id
        return mapping.link(row)

    async def end(self, link_id: int, at: datetime, reason: Any) -> None:
        """Close an open link; a link that is already closed keeps its first ending."""
        stmt = (sa.update(LinkRow)
                .where(LinkRow.id == link_id, LinkRow.ended_at.is_(None))
                .values(ended_at=at, end_reason=LinkReason(reason).value))
        await self.session.execute(stmt, execution_options={"synchronize_session": False})


class SqlInboxRepository(_Repository):
    async def record(self, update: InboundUpdate) -> bool:
        """Raises Unstorable when the database refuses the values themselves."""
        # ON CONFLICT DO NOTHING: two processes receiving the same redelivered update
        # both succeed; exactly one of them gets a row back and processes it.
        values = mapping.values(update, exclude=())
        stmt = insert_returning_id(_INBOX, tuple(values), self.session.bind.dialect.name, ("bot", "update_id"))
        try:
            result = await self.session.execute(stmt, params(values))
        except sa.exc.StatementError as exc:
            if isinstance(exc, _NOT_THE_VALUES) or getattr(exc, "connection_invalidated", False):
                raise  # the connection, the schema or the server: the same values may go in later
            # Values only, never the statement's parameters: they are a person's words.
            raise Unstorable(type(getattr(exc, "orig", None) or exc).__name__) from None
        return result.first() is not None

    async def get(self, bot: BotKind, update_id: int) -> InboundUpdate | None:
        row = await self._first(sa.select(InboundUpdateRow).where(*self._key(bot, update_id)))
        return mapping.inbound_update(row) if row else None

    async def claim_done(self, bot: BotKind, update_id: int, at: datetime) -> bool:
        """Raises LookupError if the update was never recorded."""
        # One atomic UPDATE: of two transactions racing, PostgreSQL makes the second
        # wait on the row lock and re-check the WHERE; SQLite's BEGIN IMMEDIATE makes
        # it wait for the whole first transaction. Either way exactly one gets rowcount 1.
        # On the table: no ORM bookkeeping for a row nobody loaded.
        result = await self.session.execute(_CLAIM_DONE, {"p_bot": BotKind(bot).value, "p_update_id": update_id, "p_processed_at": at})
        if result.rowcount == 1:
            return True
        if await self.get(bot, update_id) is None:
            raise LookupError(f"update {bot}:{update_id} was never recorded")
        return False

    async def mark_failed(self, bot: BotKind, update_id: int, at: datetime, error: str) -> None:
        # Never downgrade a DONE update: its effects are committed.
        stmt = (sa.update(InboundUpdateRow)
                .where(*self._key(bot, update_id), InboundUpdateRow.status != InboxStatus.DONE.value)
                .values(status=InboxStatus.FAILED.value, processed_at=at, error=error))
        await self.session.execute(stmt, execution_options={"synchronize_session": False})

    async def next_of_chat(self, bot: BotKind, chat_id: int, up_to: int) -> InboundUpdate | None:
        dialect = self.session.bind.dialect.name
        result = await self.session.execute(_next_of_chat(dialect), {"p_bot": BotKind(bot).value, "p_chat_id": chat_id, "p_up_to": up_to})
        row = result.first()
        return mapping.inbound_update(row) if row else None

    async def unprocessed(self, older_than: datetime, limit: int) -> Sequence[InboundUpdate]:
        stmt = (sa.select(InboundUpdateRow)
                .where(InboundUpdateRow.status == InboxStatus.RECEIVED.value,
                       InboundUpdateRow.received_at < older_than)
                .order_by(InboundUpdateRow.received_at, InboundUpdateRow.id)
                .limit(limit))
        return [mapping.inbound_update(row) for row in await self._all(stmt)]

    @staticmethod
    def _key(bot: BotKind, update_id: int) -> tuple[sa.ColumnElement[bool], ...]:
        return InboundUpdateRow.bot == BotKind(bot).value, InboundUpdateRow.update_id == update_id


_CLAIM_DONE = (sa.update(_INBOX)
               .where(_INBOX.c.bot == p(_INBOX.c.bot), _INBOX.c.update_id == p(_INBOX.c.update_id),
                      _INBOX.c.status != InboxStatus.DONE.value)
               .values(status=InboxStatus.DONE.value, processed_at=p(_INBOX.c.processed_at), error=None))

@functools.cache
def _next_of_chat(dialect: str) -> sa.Update:
    """One statement claims an attempt at a chat's oldest unhandled update: whoever holds
    the chat's lease handles its updates in update_id order, a crashed process's first."""
    oldest = (sa.select(_INBOX.c.id)
              .where(_INBOX.c.bot == sa.bindparam("p_bot"), _INBOX.c.chat_id == sa.bindparam("p_chat_id"),
                     _INBOX.c.status == InboxStatus.RECEIVED.value, _INBOX.c.update_id <= sa.bindparam("p_up_to"))
              .order_by(_INBOX.c.update_id)
              .limit(1)
              .scalar_subquery())
    return (sa.update(_INBOX)
            .where(_INBOX.c.id == oldest)
            .values(attempts=_INBOX.c.attempts + 1)
            .returning(*(c for c in _INBOX.c if c.name != "id")))


_PENDING_FOR_CHAT = (sa.select(_OUTBOX)
                     .where(_OUTBOX.c.status == OutboxStatus.PENDING.value,
                            _OUTBOX.c.bot == p(_OUTBOX.c.bot), _OUTBOX.c.chat_id == p(_OUTBOX.c.chat_id))
                     .order_by(_OUTBOX.c.id)
                     .limit(sa.bindparam("p_limit")))
# The same, leaving out rows the send-time policy holds past p_due.
_DUE_FOR_CHAT = _PENDING_FOR_CHAT.where(sa.or_(_OUTBOX.c.not_before.is_(None), _OUTBOX.c.not_before <= sa.bindparam("p_due", type_=_OUTBOX.c.not_before.type)))


class SqlOutboxRepository(_Repository):
    async def add(self, message: OutboxMessage) -> OutboxMessage:
        message.id = await self._insert_values(OutboxRow, mapping.values(message))
        return dataclasses.replace(message)

    async def get(self, message_id: int) -> OutboxMessage | None:
        row = await self._get(OutboxRow, message_id)
        return mapping.outbox_message(row) if row else None

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        # One executemany INSERT: a campaign's chunk costs one round trip, not one per row.
        if not messages:
            return 0
        await self.session.execute(sa.insert(_OUTBOX), [mapping.values(message) for message in messages])
        return len(messages)

    async def pending_for_chat(self, bot: BotKind, chat_id: int, limit: int, *,
                               due: datetime | None = None) -> Sequence[OutboxMessage]:
        # Equality on (status, bot, chat_id) and order by id: one range of
        # ix_outbox_status_bot_chat_id_id, read in index order, no sort.
        # Plain rows: the sender reads them once per job, never changes them as objects.
        values: dict[str, Any] = {"p_bot": BotKind(bot).value, "p_chat_id": chat_id, "p_limit": limit}
        if due is not None:
            values["p_due"] = due
        result = await self.session.execute(_PENDING_FOR_CHAT if due is None else _DUE_FOR_CHAT, values)
        return [mapping.outbox_message(row) for row in result.all()]

    async def pending_chats(self, limit: int, *, purposes: Sequence[OutboxPurpose] | None = None,
                            due: datetime | None = None) -> Sequence[tuple[BotKind, int]]:
        # Groups come straight from the index's PENDING range (of the purposes asked, in
        # ix_outbox_status_purpose_bot_chat_id_id); only the per-chat minimum ids are sorted.
        oldest = sa.func.min(OutboxRow.id)
        stmt = (sa.select(OutboxRow.bot, OutboxRow.chat_id)
                .where(OutboxRow.status == OutboxStatus.PENDING.value)
                .group_by(OutboxRow.bot, OutboxRow.chat_id)
                .order_by(oldest)
                .limit(limit))
        if purposes is not None:
            stmt = stmt.where(OutboxRow.purpose.in_([OutboxPurpose(purpose).value for purpose in purposes]))  # type: ignore[attr-defined]
        if due is not None:
            stmt = stmt.where(sa.or_(OutboxRow.not_before.is_(None), OutboxRow.not_before <= due))  # type: ignore[union-attr,operator]
        result = await self.session.execute(stmt)
        return [(BotKind(bot), chat_id) for bot, chat_id in result.all()]

    async def mark(
        self,
        message_id: int,
        status: OutboxStatus,
        at: datetime,
        *,
        telegram_message_id: int | None = None,
        error: str | None = None,
        attempts: int | None = None,
        not_before: datetime | None = None,
    ) -> None:
        """Set the status; the keyword fields change only when given (not None)."""
        status = OutboxStatus(status)
        values: dict[str, Any] = {"status": status.value, "updated_at": at}
        if status is OutboxStatus.SENT:
            values["sent_at"] = at
        if telegram_message_id is not None:
            values["telegram_message_id"] = telegram_message_id
        if error is not None:
            values["error"] = error
        if attempts is not None:
            values["attempts"] = attempts
        if not_before is not None:
            values["not_before"] = not_before
        await self.session.execute(update_by_id(_OUTBOX, tuple(values)), {"p_id": message_id, **params(values)})

    async def by_telegram_message(self, bot: BotKind, chat_id: int, telegram_message_id: int) -> OutboxMessage | None:
        # ix_outbox_bot_chat_id_telegram_message_id; message ids are unique per chat only.
        stmt = (sa.select(OutboxRow)
                .where(OutboxRow.bot == BotKind(bot).value,
                       OutboxRow.chat_id == chat_id,
                       OutboxRow.telegram_message_id == telegram_message_id)
                .order_by(OutboxRow.id.desc()))
        row = await self._first(stmt)
        return mapping.outbox_message(row) if row else None

    async def count_by_status(self) -> Mapping[OutboxStatus, int]:
        stmt = sa.select(OutboxRow.status, sa.func.count()).group_by(OutboxRow.status)
        counts = {status: 0 for status in OutboxStatus}
        for status, count in (await self.session.execute(stmt)).all():
            counts[OutboxStatus(status)] = count
        return counts


class SqlAuditLog(_Repository):
    async def record(self, entry: AuditEntry) -> None:
        row = await self._insert(mapping.audit_row(entry))
        entry.id = row.id

    async def recent(self, limit: int) -> Sequence[AuditEntry]:
        stmt = sa.select(AuditLogRow).order_by(AuditLogRow.id.desc()).limit(limit)
        return [mapping.audit_entry(row) for row in await self._all(stmt)]
