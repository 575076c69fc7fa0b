"""Schema migrations, driven from code: no alembic.ini, works from any directory.

    await upgrade("sqlite:///var/storelink.db")           # to the newest revision
    await current_revision("postgresql://.../db", schema="run_42")

For developers, the same configuration from the command line:

    python -m storage.migrate --url sqlite:///var/dev.db upgrade
    python -m storage.migrate --url sqlite:///var/dev.db revision -m "add catalog" --autogenerate
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from storage.engine import check_schema_name, make_engine, parse_url
from storage.unavailable import explained

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(*, connection: sa.Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration; env.py runs on `connection` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def target_metadata() -> sa.MetaData:
    """The schema the migrations must produce: every table module, imported here."""
    from storage import tables  # noqa: F401  (registers every table)

    return SQLModel.metadata


def context_options(connection: sa.Connection) -> dict[str, Any]:
    """Options for alembic's MigrationContext, shared by env.py and the schema tests."""
    return {
        "target_metadata": target_metadata(),
        "compare_type": True,
        # SQLite cannot ALTER most things: autogenerate emits copy-and-move batches there.
        "render_as_batch": connection.dialect.name == "sqlite",
        "include_name": _declared,
    }


def _declared(name: str | None, type_: str, parent_names: Any) -> bool:
    """The search index is the migrations' own, per dialect (storage.tables.catalog)."""
    from storage.tables.catalog import is_search_index

    return not (type_ in ("table", "index") and is_search_index(name))


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(database_url: str, *, schema: str | None = None, revision: str = "head") -> None:
    """Bring the database (or the PostgreSQL schema, created if missing) to `revision`."""
    _, schema = parse_url(database_url, schema=schema)
    engine = make_engine(database_url, schema=schema)
    try:
        await upgrade_engine(engine, schema=schema, revision=revision)
    finally:
        await engine.dispose()


async def upgrade_engine(engine: AsyncEngine, *, schema: str | None = None, revision: str = "head") -> None:
    """Raises DatabaseUnavailable when the database cannot be reached as configured."""
    with explained(engine.url):
        if schema is not None:
            await ensure_schema(engine, schema)
        await _upgrade(engine, revision)


async def _upgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several processes may start at once; one migrates, the others wait and
            # then find nothing to do. (SQLite's BEGIN IMMEDIATE already serialises.)
            await conn.execute(sa.text(
                "SELECT pg_advisory_xact_lock(hashtext('storelink.migrate.' || coalesce(current_schema(), '')))"
            ))
        await conn.run_sync(_run_upgrade, revision)


def _run_upgrade(connection: sa.Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection=connection), revision)


async def current_revision(database_url: str, *, schema: str | None = None) -> str | None:
    """The revision the database is at; None before the first migration."""
    engine = make_engine(database_url, schema=schema)
    try:
        return await current_revision_of(engine)
    finally:
        await engine.dispose()


async def current_revision_of(engine: AsyncEngine) -> str | None:
    with explained(engine.url):
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def ensure_schema(engine: AsyncEngine, schema: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{check_schema_name(schema)}"'))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m storage.migrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="database URL, e.g. sqlite:///var/dev.db")
    parser.add_argument("--schema", help="PostgreSQL schema")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade")
    up.add_argument("revision", nargs="?", default="head")
    sub.add_parser("current")
    rev = sub.add_parser("revision")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "upgrade":
        asyncio.run(upgrade(args.url, schema=args.schema, revision=args.revision))
    elif args.command == "current":
        print(asyncio.run(current_revision(args.url, schema=args.schema)))
    else:
        asyncio.run(_revision(args.url, args.schema, args.message, args.autogenerate))


async def _revision(url: str, schema: str | None, message: str, autogenerate: bool) -> None:
    engine = make_engine(url, schema=schema)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.revision(
                alembic_config(connection=sync), message=message, autogenerate=autogenerate,
                rev_id=_next_revision_id()))
    finally:
        await engine.dispose()


def _next_revision_id() -> str:
    # Numbered revisions (0001_core.py, 0002_...) read in order in the versions folder.
    head = head_revision()
    return f"{int(head) + 1:04d}" if head and head.isdigit() else "0001"


if __name__ == "__main__":
    main()
