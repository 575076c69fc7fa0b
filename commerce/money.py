"""Exact money: an integer count of the currency's minor unit (fen, cents) and its ISO 4217
code; never a float. Reading amounts people wrote, and writing them for a locale (Babel).

Telegram Payments take amounts in the same unit (its currencies.json ``exp`` is the number
of decimal digits: 2 for CNY and USD, 0 for JPY), which Babel's currency data agrees with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, is_currency

# The largest amount we take, in minor units: far above any price, far below what a
# BIGINT or a JSON number (2**53) holds, so an amount never loses digits on the way.
MAX_MINOR = 10**15 - 1
# "1280", "1280.5", "1280.00", "1,280.00", "12,345,678.9": digits grouped by three
# with commas, or not grouped at all; an optional decimal part.
_AMOUNT = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?")


class MoneyError(ValueError):
    """An amount cannot be read; str() says why, in words for the person who wrote it."""


@dataclass(frozen=True, slots=True, order=True)
class Money:
    minor: int  # in the currency's smallest unit: 128000 is ¥1,280.00
    currency: str  # ISO 4217, upper case

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor is a whole number of minor units")

    @property
    def amount(self) -> Decimal:
        """The amount in major units, exact (Decimal('1280.00'))."""
        return Decimal(self.minor).scaleb(-decimal_digits(self.currency))


def currency_code(raw: str) -> str | None:
    """The ISO 4217 code ("cny" -> "CNY"), or None if it is not a currency Babel knows."""
    code = raw.strip().upper()
    return code if re.fullmatch(r"[A-Z]{3}", code) and is_currency(code) else None


def decimal_digits(currency: str) -> int:
    """How many digits the currency's minor unit has (2 for CNY, 0 for JPY, 3 for KWD)."""
    return get_currency_precision(currency)


def parse_amount(text: str, currency: str) -> int:
    """The amount written in ``text`` ("1280", "1280.00", "1,280.00") in minor units of
    ``currency``. Strict: ASCII digits, commas only between groups of three, at most the
    currency's decimal digits, not negative, at most MAX_MINOR. MoneyError otherwise."""
    written = text.strip()
    if written.startswith("-"):
        raise MoneyError(f"'{_shown(text)}' is negative")
    match = _AMOUNT.fullmatch(written)
    if match is None:
        raise MoneyError(f"'{_shown(text)}' is not an amount like 1280 or 1,280.00")
    digits = decimal_digits(currency)
    fraction = match["fraction"] or ""
    if len(fraction) > digits:
        allowed = "no decimals" if digits == 0 else f"at most {digits} decimal{'s' if digits > 1 else ''}"
        raise MoneyError(f"'{_shown(text)}' has more decimals than {currency} allows ({allowed})")
    whole = match["whole"].replace(",", "")
    if len(whole) > 18:  # keeps int() of a megabyte of digits from ever running
        raise MoneyError(f"'{_shown(text)}' is too large")
    minor = int(whole) * 10**digits + int(fraction.ljust(digits, "0") or "0")
    if minor > MAX_MINOR:
        raise MoneyError(f"'{_shown(text)}' is too large")
    return minor


def format_money(money: Money, locale: str) -> str:
    """The amount as people of ``locale`` ("en", "zh-Hans") write it: ¥1,280.00 in
    Chinese, CN¥1,280.00 in English (Babel's CLDR data decides the symbol and pattern)."""
    return format_currency(money.amount, money.currency, locale=babel_locale(locale))


def babel_locale(locale: str) -> Locale:
    """Our locale names ("en", "zh-Hans") as Babel's; unknown ones fall back to English."""
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _shown(text: str) -> str:
    """A cell as a problem line quotes it: short, control characters made visible."""
    short = text if len(text) <= 40 else text[:37] + "..."
    return short.encode("unicode_escape").decode("ascii") if not short.isprintable() else short
