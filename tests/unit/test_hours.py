"""The hours grammar, and the questions asked of hours: open now, open minutes between
two times, the next opening. Times are a store's wall clock (Shanghai, Paris across DST)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commerce.hours import ALWAYS, HoursError, Span, format_hours, is_open, next_opening, open_seconds, parse_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
PARIS = ZoneInfo("Europe/Paris")


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


@pytest.mark.parametrize(("written", "canonical"), [
    ("Mon-Fri 10:00-19:00, Sat 11:00-17:00", "Mon-Fri 10:00-19:00, Sat 11:00-17:00"),
    ("Mon-Sun 10:00-22:00", "Mon-Sun 10:00-22:00"),
    ("daily 10:00-22:00", "Mon-Sun 10:00-22:00"),
    ("weekdays 09:30-18:00; Sat/Sun 10:00-16:00", "Mon-Fri 09:30-18:00, Sat-Sun 10:00-16:00"),
    ("Sat, Sun 11:00-17:00", "Sat-Sun 11:00-17:00"),
    ("mon–FRI 10.00 – 19.00", "Mon-Fri 10:00-19:00"),
    ("Monday 10:00-14:00 15:00-19:00, Sun closed", "Mon 10:00-14:00 15:00-19:00"),
    ("Fri-Mon 10:00-12:00", "Mon 10:00-12:00, Fri-Sun 10:00-12:00"),
    ("Fri-Sat 18:00-02:00", "Fri-Sat 18:00-02:00"),
    ("Sun 08:00-24:00,", "Sun 08:00-24:00"),
])
def test_hours_are_read_as_shops_print_them_and_written_back_canonically(written: str, canonical: str) -> None:
    hours = parse_hours(written)
    assert format_hours(hours) == canonical
    assert parse_hours(canonical) == hours


def test_an_overnight_span_ends_the_next_morning() -> None:
    assert parse_hours("Fri 18:00-02:00").spans == (Span(4, 18 * 60, 26 * 60),)


@pytest.mark.parametrize(("written", "fragment"), [
    ("Mon-Fri", "Mon-Fri"),  # days without times
    ("Funday 10:00-12:00", "Funday 10:00-12:00"),
    ("Mon-Fri 10:00-19:00, Sat 25:00-26:00", "Sat 25:00-26:00"),
    ("Mon 10:00-10:00", "Mon 10:00-10:00"),
    ("Mon 10-19", "Mon 10-19"),
    ("10:00-19:00", "10:00-19:00"),
    ("Sun closed", "Sun closed"),  # says nothing about when it opens: not "always open"
])
def test_unreadable_hours_name_the_part_that_is_wrong(written: str, fragment: str) -> None:
    with pytest.raises(HoursError) as error:
        parse_hours(written)
    assert error.value.fragment == fragment


def test_empty_hours_are_always_open() -> None:
    assert parse_hours("  ") == ALWAYS
    assert is_open(ALWAYS, datetime(2026, 1, 4, 3, 0, tzinfo=UTC), SHANGHAI)
    start = datetime(2026, 1, 4, 3, 0, tzinfo=UTC)
    assert open_seconds(ALWAYS, start, start + timedelta(minutes=45), SHANGHAI) == 45 * 60


def test_open_is_read_on_the_stores_wall_clock() -> None:
    hours = parse_hours("Mon-Fri 10:00-19:00, Sat 11:00-17:00")
    assert is_open(hours, local(SHANGHAI, 2026, 11, 23, 10, 0), SHANGHAI)  # Monday 10:00
    assert not is_open(hours, local(SHANGHAI, 2026, 11, 23, 19, 0), SHANGHAI)  # closing time is closed
    assert not is_open(hours, local(SHANGHAI, 2026, 11, 28, 10, 59), SHANGHAI)  # Saturday before 11
    assert not is_open(hours, local(SHANGHAI, 2026, 11, 29, 12, 0), SHANGHAI)  # Sunday
    # 02:30 UTC on Monday is 10:30 in Shanghai.
    assert is_open(hours, datetime(2026, 11, 23, 2, 30, tzinfo=UTC), SHANGHAI)


def test_a_sunday_night_span_runs_into_monday_morning() -> None:
    hours = parse_hours("Sun 20:00-02:00")
    assert is_open(hours, local(PARIS, 2026, 11, 23, 1, 30), PARIS)  # Monday 01:30
    assert not is_open(hours, local(PARIS, 2026, 11, 23, 2, 0), PARIS)


def test_open_seconds_count_only_open_time_across_a_night() -> None:
    hours = parse_hours("Mon-Sun 10:00-22:00")
    written = local(SHANGHAI, 2026, 11, 23, 21, 50)  # ten minutes before closing
    assert open_seconds(hours, written, local(SHANGHAI, 2026, 11, 24, 9, 0), SHANGHAI) == 10 * 60
    assert open_seconds(hours, written, local(SHANGHAI, 2026, 11, 24, 10, 20), SHANGHAI) == 30 * 60
    assert open_seconds(hours, written, written - timedelta(minutes=5), SHANGHAI) == 0


def test_open_seconds_merge_overlapping_spans() -> None:
    hours = parse_hours("Mon 10:00-14:00, Mon 12:00-16:00")
    day = local(PARIS, 2026, 11, 23, 0, 0)
    assert open_seconds(hours, day, day + timedelta(days=1), PARIS) == 6 * 3600


def test_a_day_across_daylight_saving_keeps_its_local_opening() -> None:
    hours = parse_hours("Sun 10:00-12:00")
    # Paris moved to summer time on 2026-03-29 at 02:00: opening is 10:00 local, 08:00 UTC.
    after = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert next_opening(hours, after, PARIS) == local(PARIS, 2026, 3, 29, 10, 0)
    assert next_opening(hours, after, PARIS).astimezone(UTC).hour == 8


def test_a_night_across_a_daylight_saving_change_counts_the_hours_that_really_passed() -> None:
    hours = parse_hours("Sat 20:00-04:00")
    # Paris went back to winter time on 2026-10-25 at 03:00: 20:00 to 04:00 lasted nine hours.
    evening, morning = local(PARIS, 2026, 10, 24, 19, 0), local(PARIS, 2026, 10, 25, 5, 0)
    assert open_seconds(hours, evening, morning, PARIS) == 9 * 3600
    assert open_seconds(hours, evening.astimezone(UTC), morning.astimezone(UTC), PARIS) == 9 * 3600
    # ... and it moved to summer time on 2026-03-29 at 02:00: that night was seven hours long.
    assert open_seconds(hours, local(PARIS, 2026, 3, 28, 19, 0), local(PARIS, 2026, 3, 29, 5, 0), PARIS) == 7 * 3600


def test_the_next_opening_is_now_when_open_else_the_next_span_even_after_a_weekend() -> None:
    hours = parse_hours("Mon-Fri 10:00-19:00")
    friday_evening = local(SHANGHAI, 2026, 11, 27, 19, 30)
    assert next_opening(hours, friday_evening, SHANGHAI) == local(SHANGHAI, 2026, 11, 30, 10, 0)
    monday_noon = local(SHANGHAI, 2026, 11, 30, 12, 0)
    assert next_opening(hours, monday_noon, SHANGHAI) == monday_noon
