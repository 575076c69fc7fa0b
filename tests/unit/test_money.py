"""Money is exact: amounts people write are read strictly, and written as Babel says for the locale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commerce.money import (
    MAX_MINOR,
    Money,
    MoneyError,
    currency_code,
    format_money,
    parse_amount,
)


@pytest.mark.parametrize("written", ["1280", "1280.00", "1,280.00", "1280.0", " 1,280 "])
def test_the_usual_spellings_of_an_amount_are_the_same_money(written):
    assert parse_amount(written, "CNY") == 128000


@pytest.mark.parametrize(("written", "why"), [
    ("12,80", "not an amount"), ("1,2800", "not an amount"), ("1280.001", "more decimals than CNY allows"),
    ("-5", "negative"), ("1e3", "not an amount"), ("１２８０", "not an amount"), ("", "not an amount"),
    ("1280.", "not an amount"), (".5", "not an amount"), ("¥1280", "not an amount"), ("1 280", "not an amount"),
    ("NaN", "not an amount"), ("9" * 30, "too large"), ("1280\x00", "not an amount"),
])
def test_anything_else_is_refused_with_a_reason(written, why):
    with pytest.raises(MoneyError, match=why):
        parse_amount(written, "CNY")


def test_the_currency_decides_how_many_decimals_an_amount_may_have():
    assert parse_amount("1280", "JPY") == 1280
    assert parse_amount("1.5", "KWD") == 1500
    with pytest.raises(MoneyError, match=r"JPY allows \(no decimals\)"):
        parse_amount("1280.5", "JPY")


@given(minor=st.integers(min_value=0, max_value=MAX_MINOR), grouped=st.booleans())
def test_any_amount_written_with_two_decimals_reads_back_exactly(minor, grouped):
    whole, fraction = divmod(minor, 100)
    written = f"{whole:,}.{fraction:02}" if grouped else f"{whole}.{fraction:02}"
    assert parse_amount(written, "CNY") == minor


@given(st.text())
def test_any_text_is_either_an_amount_within_bounds_or_a_money_error(text):
    try:
        minor = parse_amount(text, "CNY")
    except MoneyError as error:
        assert str(error).isprintable() and len(str(error)) < 200
    else:
        assert 0 <= minor <= MAX_MINOR
        assert Decimal(text.strip().replace(",", "")) * 100 == minor, "what was read is what was written"


@given(st.integers(min_value=MAX_MINOR // 100 + 1, max_value=10**40))
def test_huge_amounts_are_refused(whole):
    with pytest.raises(MoneyError, match="too large"):
        parse_amount(str(whole), "CNY")


def test_currency_codes_are_iso_4217():
    assert currency_code(" cny ") == "CNY"
    assert currency_code("XYZ") is None and currency_code("yuan") is None and currency_code("C\x00Y") is None


def test_babel_writes_yuan_as_each_locale_does():
    price = Money(128000, "CNY")
    assert format_money(price, "en") == "CN¥1,280.00"
    assert format_money(price, "zh-Hans") == "¥1,280.00"
    assert format_money(Money(128000, "USD"), "zh-Hans") == "US$1,280.00"
    assert format_money(Money(1280, "JPY"), "en") == "¥1,280"
    assert format_money(price, "xx-nonsense") == "CN¥1,280.00", "an unknown locale falls back to English"


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        Money(12.8, "CNY")  # type: ignore[arg-type]
    assert Money(128050, "CNY").amount == Decimal("1280.50")
