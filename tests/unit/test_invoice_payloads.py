"""An invoice's payload names its order and is signed: any other payload (any unicode,
any length, a changed character, another key) names no order. And the staff bot's
`/order N STEP ...` read into steps, or into why not."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from commerce.order_commands import Misread, Step, read_order_command
from commerce.payments import (
    PAYLOAD_LIMIT,
    sign_order_reference,
    verify_order_reference,
)

KEY, OLD_KEY, OTHER_KEY = b"k" * 32, b"o" * 32, b"x" * 32


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_a_signed_reference_names_its_order_under_the_current_or_a_previous_key(order_id):
    payload = sign_order_reference(order_id, OLD_KEY)

    assert len(payload.encode()) <= PAYLOAD_LIMIT
    assert verify_order_reference(payload, [KEY, OLD_KEY]) == order_id
    assert verify_order_reference(payload, [OTHER_KEY]) is None


@given(st.integers(min_value=0, max_value=2**40), st.integers(min_value=0), st.characters())
def test_a_changed_character_names_no_order(order_id, position, replacement):
    payload = sign_order_reference(order_id, KEY)
    index = position % len(payload)
    forged = payload[:index] + replacement + payload[index + 1:]

    assert verify_order_reference(forged, [KEY]) == (order_id if forged == payload else None)


@given(st.text())
def test_any_text_is_no_order(text):
    assert verify_order_reference(text, [KEY]) is None


def test_odd_payloads_name_no_order():
    signed = sign_order_reference(42, KEY)
    for odd in (None, 42, b"o16", "", signed.upper(), "o016." + signed.split(".")[1], signed + "\n", signed * 3):
        assert verify_order_reference(odd, [KEY]) is None


def test_the_staff_command_reads_each_step():
    shanghai = ZoneInfo("Asia/Shanghai")
    ship = read_order_command("12 ship SF SF123 2026-11-24T18:00", "Asia/Shanghai")
    assert ship.step is Step.SHIP and (ship.courier, ship.tracking_number) == ("SF", "SF123")
    assert ship.eta == datetime(2026, 11, 24, 18, 0, tzinfo=shanghai)
    assert read_order_command("#7 delivered", "UTC").order_id == 7
    assert read_order_command("7 refund  the seam  came apart ", "UTC").reason == "the seam  came apart"
    assert read_order_command("7 packed", "UTC").courier is None
    assert read_order_command("7 eta 2026-11-24T18:00Z", "UTC").eta.utcoffset().total_seconds() == 0


def test_the_staff_command_says_why_it_is_not_a_step():
    assert read_order_command("", "UTC") is Misread.USAGE
    assert read_order_command("packed 12", "UTC") is Misread.USAGE
    assert read_order_command("12 teleport", "UTC") is Misread.UNKNOWN_STEP
    assert read_order_command("12 ship SF", "UTC") is Misread.DETAILS_NEEDED
    assert read_order_command("12 ship SF 123 tomorrow", "UTC") is Misread.BAD_ETA
    assert read_order_command("12 refund", "UTC") is Misread.REASON_NEEDED
    assert read_order_command("12 cancel " + "x" * 501, "UTC") is Misread.TOO_LONG


@given(st.text())
def test_any_words_read_as_a_step_or_a_reason_why_not(words):
    read = read_order_command(words, "UTC")
    assert isinstance(read, Misread) or read.step in Step
