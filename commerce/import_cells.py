"""Reading the cells of an import file (catalog, inventory) into values, every problem noted
under its record's label and field: "catalog.csv line 7: price: '12.345' has more decimals
than CNY allows (at most 2 decimals)".

Cells may be typed (JSON: numbers, booleans, lists) or text (CSV). Absent, None and blank
cells are "not given". Text is refused when the database could not keep it as written:
control characters (a NUL ends a PostgreSQL string), unpaired surrogates (JSON can spell
them). Numbers never go through float: JSON decimals arrive as Decimal or text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from commerce.money import MoneyError, parse_amount

Problem = tuple[int, str]  # (position in the file, for the order of the list; the line to show)
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}
_WHOLE = re.compile(r"[+-]?[0-9]{1,12}")


class CatalogFileError(Exception):
    """An import file cannot be applied; ``problems`` lists every reason, one line each,
    in the order of the file. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def raise_problems(problems: list[Problem]) -> None:
    if problems:
        raise CatalogFileError([text for _, text in sorted(problems, key=lambda problem: problem[0])])


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a file: a CSV line, a JSON object."""

    label: str  # "catalog.csv line 7", "catalog.json: products[2].variants[0]"
    where: str  # the same, as another record's problem names it: "line 7", "products[2].variants[0]"
    fields: Mapping[str, object]
    position: int = 0


class Cells:
    """Reads one record's cells; ``ok`` turns False at its first problem."""

    def __init__(self, record: Record, problems: list[Problem]) -> None:
        self.record, self.problems, self.ok = record, problems, True

    def problem(self, field: str | None, message: str) -> None:
        prefix = f"{self.record.label}: {field}: " if field else f"{self.record.label}: "
        self.problems.append((self.record.position, prefix + message))
        self.ok = False

    def has(self, name: str) -> bool:
        value = self.record.fields.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def raw(self, name: str, *, required: bool = False) -> object | None:
        if self.has(name):
            value = self.record.fields[name]
            return value.strip() if isinstance(value, str) else value
        if required:
            self.problem(name, "is missing")
        return None

    def text(self, name: str, *, required: bool = False, limit: int = 200, lines: bool = False) -> str | None:
        value = self.raw(name, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            self.problem(name, "must be text")
            return None
        return self.checked_text(name, str(value), limit=limit, lines=lines)

    def checked_text(self, name: str, value: str, *, limit: int, lines: bool = False) -> str | None:
        if not valid_text(value, lines=lines):
            self.problem(name, "holds control characters or is not valid text")
            return None
        if len(value) > limit:
            self.problem(name, f"is longer than {limit} characters")
            return None
        return value

    def matching(self, name: str, pattern: re.Pattern[str], complaint: str, *, required: bool = False,
                 limit: int = 64) -> str | None:
        value = self.text(name, required=required, limit=limit)
        if value is not None and not pattern.fullmatch(value):
            self.problem(name, f"'{value}' {complaint}")
            return None
        return value

    def whole(self, name: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = self.raw(name, required=required)
        if value is None:
            return None
        number = as_whole(value)
        if number is None or not low <= number <= high:
            self.problem(name, f"'{shown(value)}' is not a whole number from {low:,} to {high:,}")
            return None
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        self.problem(name, f"'{shown(value)}' is not true or false")
        return default

    def money(self, name: str, currency: str, value: object, *, field: str | None = None) -> int | None:
        """An amount in minor units; ``value`` is the cell (a member price's comes from a
        mapping, not from its own field)."""
        label = field or name
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            self.problem(label, "must be an amount like 1280.00")
            return None
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        if not valid_text(text):
            self.problem(label, "holds control characters or is not valid text")
            return None
        try:
            return parse_amount(text, currency)
        except MoneyError as error:
            self.problem(label, str(error))
            return None


def valid_text(value: str, *, lines: bool = False) -> bool:
    """Text a database keeps as written: no control characters (tabs and line breaks only
    where ``lines``), no unpaired surrogates."""
    allowed = "\t\n\r" if lines else ""
    if any((ord(char) < 32 or 127 <= ord(char) < 160) and char not in allowed for char in value):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def as_whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value) if abs(value) < 10**12 else None
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    return None


def shown(value: object) -> str:
    """A cell as a problem line quotes it: short, control characters made visible."""
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return text if text.isprintable() and valid_text(text) else text.encode("unicode_escape").decode("ascii")
