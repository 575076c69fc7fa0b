"""Async engines for the two supported databases: a SQLite file and PostgreSQL.

Accepted URLs (the sync spellings are rewritten to the async drivers):

    sqlite:///var/storelink.db            -> sqlite+aiosqlite:///var/storelink.db
    postgres://user@host/db               -> postgresql+asyncpg://user@host/db
    postgresql://user@host/db?schema=s1   -> same, with search_path = s1

The `schema` query parameter (or the `schema` argument, which wins) is ours, not the
driver's: it points a PostgreSQL engine at one schema, which is how tests isolate runs.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5_000
POOL_SIZE, POOL_OVERFLOW = 20, 10  # PostgreSQL connections kept per process / opened beyond that at a peak
SINGLE_STATEMENT = "storelink_single_statement"  # execution option: a unit of work of one statement
IDLE_BEFORE_PING = 2.0  # seconds a pooled PostgreSQL connection may sit idle before it is pinged on checkout
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_POSTGRES_DRIVERS = {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg2", "postgresql+psycopg"}
_SQLITE_DRIVERS = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}


def parse_url(database_url: str | URL, *, schema: str | None = None) -> tuple[URL, str | None]:
    """The URL with its async driver, and the schema it asks for (if any)."""
    url = make_url(database_url)
    url_schema = url.query.get("schema")
    url = url.difference_update_query(["schema"])
    if url.drivername in _SQLITE_DRIVERS:
        url = url.set(drivername="sqlite+aiosqlite")
    elif url.drivername in _POSTGRES_DRIVERS:
        url = url.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database URL {url.render_as_string(hide_password=True)!r}: "
                         "use sqlite:///path or postgresql://...")
    schema = schema or (url_schema if isinstance(url_schema, str) else None)
    if schema is not None:
        if url.drivername.startswith("sqlite"):
            raise ValueError("schema is a PostgreSQL setting; SQLite has one schema per file")
        check_schema_name(schema)
    return url, schema


def sqlite_file(database_url: str | URL) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL, in-memory and URI databases."""
    url, _ = parse_url(database_url)
    database = url.database or ""
    if not url.drivername.startswith("sqlite") or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def check_schema_name(schema: str) -> str:
    # The name is spliced into DDL and search_path, so only plain identifiers pass.
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


def make_engine(database_url: str | URL, *, schema: str | None = None) -> AsyncEngine:
    url, schema = parse_url(database_url, schema=schema)
    if url.drivername.startswith("sqlite"):
        return _sqlite_engine(url)
    return _postgres_engine(url, schema)


def _postgres_engine(url: URL, schema: str | None) -> AsyncEngine:
    server_settings = {"application_name": "storelink"}
    if schema is not None:
        server_settings["search_path"] = schema
    engine = create_async_engine(
        url,
        connect_args={"server_settings": server_settings},
        # Connections are kept, not opened per burst: beyond pool_size the pool opens
        # overflow connections and closes each one on return, and a new PostgreSQL
        # connection (a server process, the TLS attempt, the startup) costs far more than
        # the transaction it serves. A burst of updates keeps this many busy.
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        hide_parameters=True,  # errors quote the statement, never the values (phone numbers, names)
    )
    _ping_after_idle(engine, IDLE_BEFORE_PING)
    return engine


def _ping_after_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Survive a PostgreSQL restart without failing one request per pooled connection,
    without paying a round trip on every checkout (pool_pre_ping would: under load that
    is one extra round trip per transaction, several per relayed message).

    A connection returned to the pool less than `idle_seconds` ago was working then; one
    idle for longer is pinged before use and, if dead, replaced (the pool retries the
    checkout on DisconnectionError). A restart inside that short window is caught by
    the first statement instead: SQLAlchemy then invalidates the whole pool, so it costs
    one transaction, not one per connection."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["storelink_idle_since"] = time.monotonic()

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("storelink_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # brand new, or busy a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise sa.exc.DisconnectionError("the pooled connection is gone")

    sa.event.listen(pool, "checkin", on_checkin)
    sa.event.listen(pool, "checkout", on_checkout)


def _sqlite_engine(url: URL) -> AsyncEngine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, hide_parameters=True, connect_args={"factory": RollbackOnClose})  # see _postgres_engine
    sa.event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    sa.event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


class RollbackOnClose(sqlite3.Connection):
    """A SQLite connection that rolls back before it closes.

    A task cancelled in the middle of a statement (a shutdown, a timeout) leaves its
    cursor unfinished; SQLAlchemy then closes the connection, and sqlite3 closes a
    connection with unfinished statements only in name: it lingers, transaction and
    write lock included, until those statements are garbage-collected. Every other
    writer meanwhile waits out its busy timeout and fails with "database is locked".
    Rolling back first releases the lock at once, as a dead process's would be.
    """

    def close(self) -> None:
        try:
            if self.in_transaction:
                self.rollback()
        except sqlite3.Error:
            pass  # closing anyway; the lock goes with the connection at the latest
        super().close()


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 module (it would skip it for SELECT, DDL and
    # SAVEPOINT) and emit it ourselves in _on_sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers never block the writer. NORMAL sync is durable enough with WAL
        # (a power cut may lose the last commits, never corrupt the file).
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    # While processes open a new file together, one of them switching it to WAL can get
    # "database is locked" at once: SQLite skips the busy handler where waiting could
    # deadlock. The switch is retried for as long as the busy timeout would have waited;
    # the short blocking sleeps happen only in that start-up race.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorname", None) != "SQLITE_BUSY" or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _on_sqlite_begin(conn: sa.Connection) -> None:
    # IMMEDIATE takes the write lock up front. A deferred transaction that reads and
    # then writes fails with "database is locked" (SQLITE_BUSY_SNAPSHOT, which the busy
    # timeout does not retry) whenever another connection committed in between; taking
    # the lock first makes concurrent units of work queue up instead of failing.
    # A unit of work of one statement (Database.single_statement) needs no transaction:
    # the statement is atomic alone and commits by itself.
    if conn.get_execution_options().get(SINGLE_STATEMENT):
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"
