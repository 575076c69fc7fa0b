"""Engines for SQLite files and PostgreSQL, from the URL spellings people actually write."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from commerce.people import Store
from storage.engine import make_engine, parse_url
from storage.uow import Database


@pytest.mark.parametrize(("given", "expected"), [
    ("sqlite:///var/storelink.db", "sqlite+aiosqlite:///var/storelink.db"),
    ("sqlite+aiosqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
    ("postgres://u:p@db:5433/shop", "postgresql+asyncpg://u:p@db:5433/shop"),
    ("postgresql://u@db/shop", "postgresql+asyncpg://u@db/shop"),
    ("postgresql+asyncpg://u@db/shop", "postgresql+asyncpg://u@db/shop"),
])
def test_sync_url_spellings_are_rewritten_to_the_async_drivers(given: str, expected: str) -> None:
    url, schema = parse_url(given)
    assert url.render_as_string(hide_password=False) == expected
    assert schema is None


def test_the_schema_can_travel_in_the_url_and_the_argument_wins() -> None:
    url, schema = parse_url("postgresql://u@db/shop?schema=run_1")
    assert (url.render_as_string(), schema) == ("postgresql+asyncpg://u@db/shop", "run_1")
    assert parse_url("postgresql://u@db/shop?schema=run_1", schema="run_2")[1] == "run_2"


@pytest.mark.parametrize("url", ["mysql://u@db/shop", "postgresql://u@db/shop?schema=x;drop",
                                 "sqlite:///x.db?schema=s"])
def test_unsupported_urls_and_unsafe_schemas_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_url(url)


async def test_a_sqlite_file_gets_its_folder_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as conn:
            pragmas = {name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                       for name in ("journal_mode", "foreign_keys", "busy_timeout")}
    finally:
        await engine.dispose()
    assert path.exists()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}


@pytest.mark.parametrize("database_kind", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_postgres_engine_works_inside_the_requested_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            current = (await conn.execute(sa.text("SELECT current_schema()"))).scalar()
    finally:
        await engine.dispose()
    assert current == parse_url(database_url)[1]


async def test_foreign_keys_are_enforced(database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.stores.add(Store(brand_id=999, code="X", name="Orphan"))
