"""Database fixtures: every test that asks for `database` runs on SQLite and PostgreSQL.

    async def test_something(database: Database) -> None:      # both kinds
        async with database.uow() as uow: ...

    empty_database_url   a database nobody has migrated (SQLite file / fresh PG schema)
    database_url         the same, migrated to head; a plain URL string, so it can go
                         wherever the app takes STORELINK_DATABASE_URL (on PostgreSQL it
                         carries ?schema=<name>, which storage.make_engine understands)
    database             an opened storage.Database on database_url
    shop                 a committed brand, store and associate in `database`
                         (a_member(shop, ...) builds a Member of that brand,
                         a_message(member, associate, n) the n-th message between them)

A test meant for one kind only narrows the parameter:

    @pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)

PostgreSQL runs each test in its own random schema, dropped afterwards, so parallel runs
on one server never see each other's rows. Without a reachable server the PostgreSQL
half is skipped (locally) or fails (CI): see tests/conftest.py.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.people import Associate, Brand, Member, Store
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import Database

DATABASE_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def empty_database_url(database_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    if database_kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'db' / 'storelink.sqlite3'}"
        return
    async with postgres_schema() as url:
        yield url


@pytest.fixture
async def database_url(empty_database_url: str) -> str:
    await upgrade(empty_database_url)
    return empty_database_url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = await Database.open(database_url, migrate=False)
    try:
        yield db
    finally:
        await db.dispose()


class postgres_schema:  # noqa: N801  (used like a function: `async with postgres_schema() as url`)
    """A fresh empty schema on the test server, dropped with everything in it on exit."""

    def __init__(self) -> None:
        from tests.conftest import require

        self.server_url = require("postgres")
        self.schema = f"test_{secrets.token_hex(6)}"

    async def __aenter__(self) -> str:
        await self._run(f'CREATE SCHEMA "{self.schema}"')
        url = make_url(self.server_url).update_query_dict({"schema": self.schema})
        return url.render_as_string(hide_password=False)

    async def __aexit__(self, *exc: object) -> None:
        await self._run(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    async def _run(self, ddl: str) -> None:
        engine = make_engine(self.server_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(sa.text(ddl))
        finally:
            await engine.dispose()


# --- a small shop to hang test data on ----------------------------------------------

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Shop:
    brand: Brand
    store: Store
    associate: Associate


@pytest.fixture
async def shop(database: Database) -> Shop:
    """One brand with one store and one active associate, committed."""
    async with database.uow() as uow:
        brand = await uow.brands.add(Brand(name="Maison Test"))
        store = await uow.stores.add(Store(brand_id=brand.id, code="PAR01", name="Paris Opera"))
        associate = await uow.associates.add(Associate(
            store_id=store.id, display_name="Claire", short_code="CLAIRE1", telegram_user_id=5_000_000_001,
            created_at=T0,
        ))
        await uow.commit()
    return Shop(brand, store, associate)


def a_member(shop: Shop, telegram_user_id: int = 7_000_000_001, **fields: object) -> Member:
    """A member of the shop's brand, enrolled by its associate at T0."""
    defaults: dict[str, object] = {
        "brand_id": shop.brand.id, "telegram_user_id": telegram_user_id, "first_name": "Ana",
        "enrolled_at": T0, "store_id": shop.store.id, "source_associate_id": shop.associate.id,
    }
    return Member(**{**defaults, **fields})  # type: ignore[arg-type]


def a_message(member_id: int, associate_id: int, n: int, direction: Direction = Direction.IN, **fields: object) -> ConversationMessage:
    """The n-th message of a conversation, n minutes after T0 (a member's, unless direction says otherwise)."""
    values: dict = {"kind": MessageKind.TEXT, "text": f"message {n}", "source_message_id": 100 + n}
    return ConversationMessage(member_id=member_id, associate_id=associate_id, direction=direction,
                               created_at=T0 + timedelta(minutes=n), **(values | fields))
