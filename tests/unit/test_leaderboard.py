"""The recruitment leaderboard's domain (commerce/leaderboard.py): local periods as UTC
ranges, and rankings with ties, zero-recruit associates and deactivated ones."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from commerce.leaderboard import Period, local_date, parse_period, period_window, rank
from commerce.people import Associate, AssociateStatus, Store

SHANGHAI = timezone(timedelta(hours=8))
PARIS_WINTER, PARIS_SUMMER = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))


# --- periods ------------------------------------------------------------------------


def test_the_last_second_of_a_shanghai_day_still_belongs_to_that_day():
    window = period_window(Period.TODAY, datetime(2026, 3, 1, 23, 59, 59, tzinfo=SHANGHAI), "Asia/Shanghai")

    assert (window.first_day, window.last_day) == (date(2026, 3, 1), date(2026, 3, 1))
    assert window.start == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 00:00 +08
    assert window.end == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


def test_local_midnight_in_shanghai_starts_the_next_day_though_it_is_still_the_day_before_in_utc():
    now = datetime(2026, 3, 2, 0, 0, 0, tzinfo=SHANGHAI)  # 2026-03-01 16:00 UTC

    window = period_window(Period.TODAY, now, "Asia/Shanghai")

    assert now.astimezone(UTC).date() == date(2026, 3, 1)
    assert window.first_day == date(2026, 3, 2) == local_date(now, "Asia/Shanghai")
    assert (window.start, window.end) == (datetime(2026, 3, 1, 16, tzinfo=UTC), datetime(2026, 3, 2, 16, tzinfo=UTC))


def test_the_result_is_the_same_whatever_zone_now_is_expressed_in():
    instant = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)
    assert period_window(Period.TODAY, instant, "Asia/Shanghai") == \
        period_window(Period.TODAY, instant.astimezone(PARIS_WINTER), "Asia/Shanghai")


def test_the_week_is_the_iso_week_from_monday_midnight_local():
    sunday_night = datetime(2026, 3, 1, 23, 59, 59, tzinfo=SHANGHAI)  # a Sunday
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI)

    before, after = period_window(Period.WEEK, sunday_night, "Asia/Shanghai"), period_window(Period.WEEK, monday, "Asia/Shanghai")

    assert (before.first_day, before.last_day) == (date(2026, 2, 23), date(2026, 3, 1))
    assert before.start == datetime(2026, 2, 22, 16, tzinfo=UTC) and before.end == after.start
    assert (after.first_day, after.last_day) == (date(2026, 3, 2), date(2026, 3, 8))
    assert after.end - after.start == timedelta(days=7)


def test_the_month_runs_from_the_first_midnight_local_to_the_next_first():
    window = period_window(Period.MONTH, datetime(2026, 2, 28, 23, 0, tzinfo=SHANGHAI), "Asia/Shanghai")
    assert (window.first_day, window.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert (window.start, window.end) == (datetime(2026, 1, 31, 16, tzinfo=UTC), datetime(2026, 2, 28, 16, tzinfo=UTC))

    december = period_window(Period.MONTH, datetime(2025, 12, 31, 12, tzinfo=UTC), "Asia/Shanghai")
    assert december.end == datetime(2025, 12, 31, 16, tzinfo=UTC)  # the year rolls over
    assert period_window(Period.MONTH, datetime(2025, 12, 31, 16, tzinfo=UTC), "Asia/Shanghai").first_day == date(2026, 1, 1)


def test_the_paris_spring_forward_day_is_23_hours_and_its_neighbours_start_at_their_own_midnight():
    # Last Sunday of March 2026: at 02:00 the clocks in Paris jump to 03:00.
    window = period_window(Period.TODAY, datetime(2026, 3, 29, 12, tzinfo=PARIS_SUMMER), "Europe/Paris")

    assert window.start == datetime(2026, 3, 29, 0, tzinfo=PARIS_WINTER)
    assert window.end == datetime(2026, 3, 30, 0, tzinfo=PARIS_SUMMER)
    assert window.end - window.start == timedelta(hours=23)
    next_day = period_window(Period.TODAY, datetime(2026, 3, 30, 0, 30, tzinfo=PARIS_SUMMER), "Europe/Paris")
    assert next_day.start == window.end and next_day.end - next_day.start == timedelta(hours=24)


def test_the_paris_fall_back_day_is_25_hours_and_the_week_around_it_is_169():
    window = period_window(Period.TODAY, datetime(2026, 10, 25, 2, 30, tzinfo=PARIS_WINTER), "Europe/Paris")
    assert window.end - window.start == timedelta(hours=25)

    week = period_window(Period.WEEK, datetime(2026, 10, 25, 12, tzinfo=UTC), "Europe/Paris")
    assert week.first_day == date(2026, 10, 19)
    assert week.start == datetime(2026, 10, 19, 0, tzinfo=PARIS_SUMMER)
    assert week.end == datetime(2026, 10, 26, 0, tzinfo=PARIS_WINTER)
    assert week.end - week.start == timedelta(hours=169)


def test_a_zone_that_skips_midnight_starts_the_day_when_it_actually_begins():
    # Santiago springs forward at midnight: 2026-09-06 00:00 never happens, the day begins at 01:00 -03.
    window = period_window(Period.TODAY, datetime(2026, 9, 6, 12, tzinfo=UTC), "America/Santiago")
    assert window.start == datetime(2026, 9, 6, 4, tzinfo=UTC)
    assert window.end - window.start == timedelta(hours=23)


def test_now_without_a_time_zone_is_refused():
    with pytest.raises(ValueError):
        period_window(Period.TODAY, datetime(2026, 3, 1, 12), "Asia/Shanghai")


@pytest.mark.parametrize(("text", "period"), [(None, Period.TODAY), ("", Period.TODAY), ("week", Period.WEEK),
                                              (" MONTH ", Period.MONTH), ("today", Period.TODAY), ("year", None)])
def test_the_period_is_read_from_the_command_argument(text, period):
    assert parse_period(text) is period


# --- ranking ------------------------------------------------------------------------

XTD, SLT = Store(brand_id=1, code="SH1", name="Shanghai Xintiandi", id=1), Store(brand_id=1, code="BJ1", name="Beijing Sanlitun", id=2)


def associate(associate_id: int, name: str, store: Store, status: AssociateStatus = AssociateStatus.ACTIVE) -> Associate:
    return Associate(store_id=store.id, display_name=name, short_code=f"C{associate_id}", status=status, id=associate_id)


TEAM = [
    associate(1, "Bob", XTD), associate(2, "李娜", SLT), associate(3, "Wei", XTD), associate(4, "Ana", SLT),
    associate(5, "Zoe", XTD), associate(6, "Gone", SLT, AssociateStatus.DEACTIVATED),
]


def test_ties_share_a_rank_and_the_next_rank_skips():
    standings = rank({1: 30, 2: 30, 3: 12, 4: 12, 5: 3, 6: 99}, TEAM, [XTD, SLT])

    assert [(row.name, row.recruits, row.rank) for row in standings.rows] == [
        ("Bob", 30, 1), ("李娜", 30, 1), ("Ana", 12, 3), ("Wei", 12, 3), ("Zoe", 3, 5),
    ]


def test_associates_without_recruits_are_counted_and_deactivated_ones_are_not():
    standings = rank({1: 2, 6: 40}, TEAM, [XTD, SLT])

    assert standings.total == 5  # Gone left: their 40 members count for nobody on the board
    assert standings.of(6) is None
    assert standings.recruits == 2 and standings.recruiters == 1
    assert [(row.name, row.rank) for row in standings.rows] == [("Bob", 1), ("Ana", None), ("Wei", None), ("Zoe", None),
                                                                ("李娜", None)], "no recruit: listed after, unranked"


def test_nobody_recruited_means_nobody_is_ranked():
    standings = rank({}, TEAM, [XTD, SLT])
    assert {row.rank for row in standings.rows} == {None} and standings.total == 5


def test_each_store_ranks_its_own_associates_and_stores_are_ordered_by_recruits():
    standings = rank({1: 1, 2: 7, 3: 4, 4: 1, 5: 4}, TEAM, [XTD, SLT])

    assert [(row.name, row.rank) for row in standings.by_store[XTD.id]] == [("Wei", 1), ("Zoe", 1), ("Bob", 3)]
    assert [(row.name, row.rank) for row in standings.by_store[SLT.id]] == [("李娜", 1), ("Ana", 2)]
    assert [(store.name, store.recruits, store.associates) for store in standings.stores] == [
        ("Shanghai Xintiandi", 9, 3), ("Beijing Sanlitun", 8, 2),
    ]
    assert standings.of(1).rank == 4 and standings.of(1).store_name == "Shanghai Xintiandi"  # brand-wide, tied with Ana
    assert standings.store_top(XTD.id, 2) == standings.by_store[XTD.id][:2]


def test_associates_of_other_brands_stores_and_unknown_ids_are_left_out():
    stranger = associate(9, "Elsewhere", Store(brand_id=2, code="LON", name="London", id=3))
    standings = rank({9: 5, 404: 3}, [*TEAM, stranger], [XTD, SLT])
    assert standings.of(9) is None and standings.total == 5 and standings.recruits == 0
