"""Reading one field of a brand file's entry, as text, a choice, a time zone, a number, a
whole number, a yes/no or a Telegram user id, noting each problem under the entry's label.

Values may be typed (YAML) or text (CSV): "31.2", "yes" and "123" are read like 31.2, true
and 123. Absent, None and blank values are all "not given".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commerce.brand_document import FIELDS, Entry, Problem

NAME_LIMIT = 200  # the name columns' size
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


class EntryFields:
    """Reads an entry's fields, noting problems under the entry's label. Absent, None and
    blank values are all "not given"."""

    def __init__(self, entry: Entry, problems: list[Problem], kind: str) -> None:
        self.entry, self.problems, self.ok = entry, problems, True
        for name in entry.fields:
            if name not in FIELDS[kind]:
                self.problem(f"unknown field '{name}' (expected {', '.join(FIELDS[kind])})")

    def problem(self, message: str) -> None:
        self.problems.append((self.entry.position, f"{self.entry.label}: {message}"))
        self.ok = False

    def has(self, name: str) -> bool:
        value = self.entry.fields.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def _given(self, name: str, required: bool) -> object | None:
        if self.has(name):
            value = self.entry.fields[name]
            return value.strip() if isinstance(value, str) else value
        if required:
            self.problem(f"{name} is missing")
        return None

    def text(self, name: str, *, required: bool = False, limit: int = NAME_LIMIT) -> str | None:
        value = self._given(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(f"{name} must be text")
            return None
        value = str(value)
        if len(value) > limit:
            self.problem(f"{name} is longer than {limit} characters")
            return None
        return value

    def matching(self, name: str, pattern: re.Pattern[str], complaint: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is not None and not pattern.fullmatch(value):
            self.problem(f"{name} '{value}' {complaint}")
            return None
        return value

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            self.problem(f"{name} '{value}' is not one of {', '.join(choices)}")
            return None
        return value

    def timezone(self, name: str) -> str | None:
        value = self.text(name, limit=64)
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(f"{name} '{value}' is not an IANA time zone (e.g. Asia/Shanghai)")
            return None
        return value

    def number(self, name: str, low: float, high: float) -> float | None:
        value = self._given(name, False)
        if value is None:
            return None
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            self.problem(f"{name} '{value}' is not a number")
            return None
        if not low <= number <= high:
            self.problem(f"{name} {value} is out of range ({low:g} to {high:g})")
            return None
        return number

    def whole(self, name: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = self._given(name, required)
        if value is None:
            return None
        number = _as_int(value)
        if number is None or not low <= number <= high:
            self.problem(f"{name} '{value}' is not a whole number from {low} to {high}")
            return None
        return number

    def boolean(self, name: str) -> bool:
        value = self._given(name, False)
        if value is None or isinstance(value, bool):
            return bool(value)
        if str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        self.problem(f"{name} '{value}' is not true or false")
        return False

    def telegram_id(self, name: str) -> int | None:
        value = self._given(name, False)
        if value is None:
            return None
        number = _as_int(value)
        if number is None or not 0 < number < 2**53:
            self.problem(f"{name} '{value}' is not a numeric Telegram user id")
            return None
        return number


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,18}", value):
        return int(value)
    return None
