"""What the tables share: the type of Telegram ids and partial indexes on both dialects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

# Telegram user and chat ids exceed 32 bits.
TelegramId = sa.BigInteger


def _partial(column: str) -> dict[str, Any]:
    """The same WHERE clause for a partial index on both dialects."""
    where = sa.text(column)
    return {"sqlite_where": where, "postgresql_where": where}
