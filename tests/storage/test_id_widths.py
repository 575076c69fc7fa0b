"""Telegram's user, chat, message and update ids need 64 bits; the migrated schema keeps
every one of them in a 64-bit column (PostgreSQL's integer is 32-bit)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storage.engine import make_engine

TELEGRAM_ID = ("telegram_user_id", "chat_id", "update_id", "telegram_message_id", "source_message_id")


@pytest.mark.parametrize("database_kind", ["postgres"], indirect=True)
async def test_every_telegram_id_column_is_64_bit_after_the_migrations(database_url):
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: [(table, column["name"], column["type"]) for table in sa.inspect(sync).get_table_names()
                              for column in sa.inspect(sync).get_columns(table)])
    finally:
        await engine.dispose()

    telegram = [(table, name, type_) for table, name, type_ in columns if name.endswith(TELEGRAM_ID)]
    assert len(telegram) >= 8
    assert [(table, name) for table, name, type_ in telegram if not isinstance(type_, sa.BigInteger)] == []
