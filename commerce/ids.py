"""Row ids as people and clients type them.

Our tables' ids are 32-bit integer columns (PostgreSQL's integer): a bigger number names no
row, and a query with one fails in the database instead of finding nothing. Telegram's
user and chat ids are another thing: they need 64 bits and are stored as such."""

from __future__ import annotations

ROW_ID_MAX = 2**31 - 1
_DIGITS_MAX = len(str(ROW_ID_MAX))


def parse_row_id(text: str) -> int | None:
    """The id written in ``text`` (ASCII digits only), or None when it is not one or is out
    of the columns' range."""
    if not (text.isascii() and text.isdigit()) or len(text) > _DIGITS_MAX:
        return None
    number = int(text)
    return number if number <= ROW_ID_MAX else None
