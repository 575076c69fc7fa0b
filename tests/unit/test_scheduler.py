"""The daily leaderboard fires at the brand's local time (bot/scheduler.py)."""

from datetime import UTC, datetime

import pytest

from bot.scheduler import daily_trigger
from commerce.model import Brand


def next_fire(brand: Brand, after: datetime) -> datetime:
    return daily_trigger(brand).get_next_fire_time(None, after).astimezone(UTC)


def test_nine_pm_in_shanghai_is_one_pm_utc():
    brand = Brand(name="Maison", timezone="Asia/Shanghai", leaderboard_time="21:00")

    assert next_fire(brand, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert next_fire(brand, datetime(2026, 3, 2, 13, 0, 1, tzinfo=UTC)) == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)


def test_the_hour_stays_local_across_daylight_saving_time():
    brand = Brand(name="Maison", timezone="Europe/Paris", leaderboard_time="21:30")

    assert next_fire(brand, datetime(2026, 3, 28, 12, tzinfo=UTC)) == datetime(2026, 3, 28, 20, 30, tzinfo=UTC)  # +01
    assert next_fire(brand, datetime(2026, 3, 29, 12, tzinfo=UTC)) == datetime(2026, 3, 29, 19, 30, tzinfo=UTC)  # +02


@pytest.mark.parametrize("value", ["9pm", "24:00", "21:60", "21"])
def test_a_malformed_time_is_refused(value):
    with pytest.raises(ValueError):
        daily_trigger(Brand(name="Maison", leaderboard_time=value))
