"""Timed jobs, from a registry the runtime fills (TimedJobs): today the daily recruitment
leaderboard at the brand's local time (commerce/leaderboard_sends.py), and every minute
the escalation of members left unanswered (bot/runtime/escalation_job.py) and the release
of stock holds that ran out (bot/runtime/hold_job.py).

APScheduler runs in the process's event loop and keeps its jobs in memory: every process
schedules the same jobs, and each job makes sure only one of them acts (the leaderboard
claims its day in the database). Nothing a job decides lives in the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.interface.context import Services
from bot.interface.render.leaderboard import Artist
from bot.runtime.escalation_job import escalate_due
from bot.runtime.hold_job import release_expired_holds
from commerce import leaderboard_sends
from commerce.leaderboard import local_date
from commerce.leaderboard_sends import DailyRun
from commerce.bots import BotKind
from commerce.order_moves import Moved
from commerce.order_notices import announce_step
from commerce.people import Brand
from commerce.ports.uow import Clock, UnitOfWork

log = logging.getLogger("storelink.scheduler")

MISFIRE_GRACE = 3600  # seconds: a process busy or paused at the hour still sends within it
STOP_TIMEOUT = 30.0  # seconds a running job gets to finish on shutdown
ESCALATE_EVERY = 60  # seconds between two looks for unanswered members
EXPIRE_HOLDS_EVERY = 60  # seconds between two looks for stock holds that ran out
LEADERBOARD, ESCALATIONS, HOLDS = "leaderboard", "escalations", "expired_holds"  # the timed jobs' names


def daily_trigger(brand: Brand) -> CronTrigger:
    """Every day at ``brand.leaderboard_time`` ("HH:MM") on the brand's wall clock; across
    DST the hour stays local."""
    hour, minute = _hh_mm(brand.leaderboard_time)
    return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(brand.timezone))


async def send_daily_leaderboard(services: Services, now: datetime) -> DailyRun | None:
    """The daily job: the day's results in one transaction (see commerce.leaderboard_sends);
    None when the day was sent already."""
    async with services.transaction(BotKind.ASSOCIATE) as tx:
        keep = timedelta(days=services.settings.leaderboard_image_days)
        run = await leaderboard_sends.send_daily_leaderboard(tx.uow, tx.postbox, Artist(services.catalog), tx.brand, now, keep)
        day = local_date(now, tx.brand.timezone)
    if run is None:
        log.info("the leaderboard of %s was sent already", day)
        return None
    if run.expired_images:
        log.info("deleted %d expired images", run.expired_images)
    log.info("leaderboard of %s queued: %d messages", run.day, run.messages)
    return run


@dataclass(frozen=True, slots=True)
class TimedJob:
    """One job the scheduler runs: its name (unique, and its APScheduler id), when, and
    what (a coroutine given the time of the firing). Every process that runs a scheduler
    fires it: the job itself makes sure that only one of them acts (a claim in the
    database, a unique key)."""

    name: str
    trigger: BaseTrigger
    run: Callable[[datetime], Awaitable[object]]
    misfire_grace: int = 60  # seconds late a firing may still run (a busy or paused process)


class TimedJobs:
    """The registry the runtime fills at start-up and the Scheduler runs; a new kind of
    job (campaigns, reminders) is one more add(), never a change to the Scheduler."""

    def __init__(self) -> None:
        self._jobs: dict[str, TimedJob] = {}

    def add(self, job: TimedJob) -> None:
        if job.name in self._jobs:
            raise ValueError(f"a timed job named {job.name!r} is registered already")
        self._jobs[job.name] = job

    def __iter__(self) -> Iterator[TimedJob]:
        return iter(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)


def daily_leaderboard(services: Services) -> TimedJob:
    """The day's recruitment results at the brand's local time."""
    return TimedJob(LEADERBOARD, daily_trigger(services.brand), lambda now: send_daily_leaderboard(services, now),
                    misfire_grace=MISFIRE_GRACE)


def escalations(services: Services) -> TimedJob:
    """Every minute, members left unanswered go to their store's team; the escalation's
    unique keys let only one process send a card."""
    return TimedJob(ESCALATIONS, IntervalTrigger(seconds=ESCALATE_EVERY), lambda now: escalate_due(services, now),
                    misfire_grace=ESCALATE_EVERY)


def expired_holds(services: Services) -> TimedJob:
    """Every minute, orders whose stock hold ran out end and free their stock; the order's
    version and the hold's release mark let only one process do it."""
    return TimedJob(HOLDS, IntervalTrigger(seconds=EXPIRE_HOLDS_EVERY),
                    lambda now: release_expired_holds(services.uow, now, expiry_notices(services)),
                    misfire_grace=EXPIRE_HOLDS_EVERY)


def expiry_notices(services: Services) -> Callable[[UnitOfWork, Moved], Awaitable[object]]:
    """The member (and the associate) hear that an order ended when its hold ran out."""
    async def announce(uow: UnitOfWork, moved: Moved) -> object:
        return await announce_step(uow, services.postbox(uow), moved, invoicing=None)

    return announce


class Scheduler:
    """The process's APScheduler running the registered timed jobs, started and stopped by
    the Runtime. A job that raises is logged; it fires again at its next time."""

    def __init__(self, jobs: TimedJobs, clock: Clock) -> None:
        self.jobs, self.clock = jobs, clock
        self._scheduler = AsyncIOScheduler(timezone=ZoneInfo("UTC"))
        self._running: set[asyncio.Task[object]] = set()

    @property
    def in_flight(self) -> frozenset[asyncio.Task[object]]:
        """Timed jobs running right now."""
        return frozenset(self._running)

    def start(self) -> None:
        for job in self.jobs:
            self._scheduler.add_job(
                self._fire, job.trigger, args=[job], id=job.name, name=job.name,
                misfire_grace_time=job.misfire_grace, coalesce=True, max_instances=1, replace_existing=True,
            )
        self._scheduler.start()
        for job in self.jobs:
            log.info("timed job %s: next at %s", job.name, self.next_run(job.name))

    def next_run(self, name: str) -> datetime | None:
        job = self._scheduler.get_job(name)
        return job.next_run_time if job else None

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._running:
            await asyncio.wait(set(self._running), timeout=STOP_TIMEOUT)

    async def _fire(self, job: TimedJob) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await job.run(self.clock.now())
        except Exception:
            log.exception("the timed job %s failed", job.name)
        finally:
            if task is not None:
                self._running.discard(task)


def _hh_mm(value: str) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in value.split(":"))
    except ValueError:
        raise ValueError(f"leaderboard_time must look like HH:MM, got {value!r}") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"leaderboard_time must look like HH:MM, got {value!r}")
    return hour, minute
