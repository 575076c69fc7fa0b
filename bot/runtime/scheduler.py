"""Timed jobs, from a registry the runtime fills (TimedJobs): today the daily recruitment
leaderboard at the brand's local time, and every minute the escalation of members left
unanswered (bot/runtime/escalation_job.py).

APScheduler runs in the process's event loop and keeps its jobs in memory: every process
schedules the same jobs, and each job makes sure only one of them acts. The leaderboard
sends a given day's results once. Nothing the job decides lives in the scheduler: in one transaction it
claims the day (a leaderboard_day row), reads the board and writes the messages to the
outbox. The claim commits with the messages or not at all, so a run that fails or dies
half-way leaves the day to the next firing, and of two processes firing at once the
second waits for the first and finds the day taken.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.interface.context import Services, UpdateTransaction
from bot.runtime.escalation_job import escalate_due
from bot.interface.render.leaderboard import Picture, brand_pictures, queue_picture, standing_text, store_picture
from bot.interface.render.base import text
from commerce.leaderboard import Period, load_board, local_date
from commerce.model import AssociateStatus, Brand, BotKind, OutboxPurpose
from commerce.ports.uow import Clock

log = logging.getLogger("storelink.scheduler")

MISFIRE_GRACE = 3600  # seconds: a process busy or paused at the hour still sends within it
STOP_TIMEOUT = 30.0  # seconds a running job gets to finish on shutdown
ESCALATE_EVERY = 60  # seconds between two looks for unanswered members
LEADERBOARD, ESCALATIONS = "leaderboard", "escalations"  # the timed jobs' names


def daily_trigger(brand: Brand) -> CronTrigger:
    """Every day at ``brand.leaderboard_time`` ("HH:MM") on the brand's wall clock; across
    DST the hour stays local."""
    hour, minute = _hh_mm(brand.leaderboard_time)
    return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(brand.timezone))


@dataclass(frozen=True, slots=True)
class DailyRun:
    day: date  # the brand's local day reported
    messages: int  # outbox rows written


async def send_daily_leaderboard(services: Services, now: datetime) -> DailyRun | None:
    """Queue the day's results: each active associate bound to Telegram gets their line,
    store managers their store's ranking image, HQ operators the brand's. None when this
    day was sent already (by this process or another). An exception (a rendering that
    fails, a lost connection) rolls the claim back with everything else."""
    brand_id = services.brand.id
    assert brand_id is not None
    async with services.transaction(BotKind.ASSOCIATE) as tx:
        brand = await tx.uow.brands.get(brand_id) or services.brand
        day = local_date(now, brand.timezone)
        # First in the transaction: a concurrent run waits here rather than render for nothing.
        if not await tx.uow.recruitment.claim_day(brand_id, day, now):
            log.info("the leaderboard of %s was sent already", day)
            return None
        messages = await _queue(services, tx, brand_id, now)
    log.info("leaderboard of %s queued: %d messages", day, messages)
    return DailyRun(day, messages)


async def _queue(services: Services, tx: UpdateTransaction, brand_id: int, now: datetime) -> int:
    """Render the day's results, then write them to the outbox in the claim's transaction;
    how many messages."""
    catalog = services.catalog
    messages = 0
    board = await load_board(tx.uow, brand_id, Period.TODAY, now)
    associates = [a for a in await tx.uow.associates.list_all()
                  if a.status is AssociateStatus.ACTIVE and a.telegram_user_id is not None
                  and a.id is not None and board.standings.of(a.id) is not None]
    operators = [op for op in await tx.uow.hq.list(brand_id) if op.telegram_user_id is not None]
    hq_locale = board.brand.default_locale

    # Render first, off the event loop (a manager's image highlights their own row),
    # then write.
    store_images: dict[int, Picture] = {}
    for a in associates:
        if a.is_manager and a.id is not None:
            store_images[a.id] = await asyncio.to_thread(store_picture, catalog, a.locale, board, a.store_id, a.id)
    hq_images = await asyncio.to_thread(brand_pictures, catalog, hq_locale, board) if operators else []

    for a in associates:
        assert a.telegram_user_id is not None and a.id is not None
        await tx.send(BotKind.ASSOCIATE, a.telegram_user_id, text(standing_text(catalog, a.locale, board, a.id)),
                      purpose=OutboxPurpose.NOTICE)
        messages += 1
        if a.is_manager:
            await queue_picture(tx, a.telegram_user_id, store_images[a.id], now)
            messages += 1
    for operator in operators:
        assert operator.telegram_user_id is not None
        for picture in hq_images:
            await queue_picture(tx, operator.telegram_user_id, picture, now)
            messages += 1
    return messages


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
