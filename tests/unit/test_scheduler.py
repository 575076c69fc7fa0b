"""The daily leaderboard fires at the brand's local time, and the scheduler runs the timed
jobs the runtime registers (bot/runtime/scheduler.py)."""

import asyncio
from datetime import UTC, datetime

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime.scheduler import Scheduler, TimedJob, TimedJobs, daily_trigger
from commerce.people import Brand


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


# --- the registry of timed jobs --------------------------------------------------------


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_two_jobs_cannot_share_a_name():
    jobs = TimedJobs()
    jobs.add(TimedJob("reminders", IntervalTrigger(seconds=60), _nothing))

    with pytest.raises(ValueError, match="reminders"):
        jobs.add(TimedJob("reminders", IntervalTrigger(seconds=30), _nothing))
    assert [job.name for job in jobs] == ["reminders"]


async def test_the_scheduler_runs_every_registered_job_with_the_clocks_time_and_survives_a_failing_one():
    fired: list[tuple[str, datetime]] = []

    async def campaign(now: datetime) -> None:
        fired.append(("campaign", now))

    async def broken(now: datetime) -> None:
        fired.append(("broken", now))
        raise RuntimeError("a job that fails")

    jobs = TimedJobs()
    jobs.add(TimedJob("campaign", IntervalTrigger(seconds=0.1), campaign))
    jobs.add(TimedJob("broken", IntervalTrigger(seconds=0.1), broken))
    scheduler = Scheduler(jobs, FixedClock())
    scheduler.start()
    try:
        for _ in range(100):
            if [name for name, _ in fired].count("broken") >= 2 and ("campaign", FixedClock().now()) in fired:
                break
            await asyncio.sleep(0.05)
    finally:
        await scheduler.stop()

    assert ("campaign", FixedClock().now()) in fired
    assert [name for name, _ in fired].count("broken") >= 2, "a failure does not stop the next firing"
    assert scheduler.next_run("nothing such") is None


async def _nothing(now: datetime) -> None:
    return None
