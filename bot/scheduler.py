"""Timed jobs: the daily recruitment leaderboard at the brand's local time, and every
minute the escalation of members left unanswered (bot/escalation_job.py).

APScheduler runs in the process's event loop and keeps its jobs in memory: every process
schedules the same job, and the job itself makes sure only one of them sends a given
day's results (``first_seen`` on a per-brand, per-day key, shared through Redis when it is
configured; without Redis there is one process anyway). Nothing the job decides lives in
the scheduler: it reads the board from the database and writes the messages to the
outbox, in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.context import Services
from bot.escalation_job import escalate_due
from bot.leaderboard_views import Picture, brand_pictures, queue_picture, standing_text, store_picture
from bot.render import text
from commerce.leaderboard import Period, load_board, local_date
from commerce.model import AssociateStatus, Brand, BotKind

log = logging.getLogger("storelink.scheduler")

GUARD_TTL = 2 * 24 * 3600.0  # seconds: the day's key outlives every process's firing of it
MISFIRE_GRACE = 3600  # seconds: a process busy or paused at the hour still sends within it
STOP_TIMEOUT = 30.0  # seconds a running job gets to finish on shutdown
ESCALATE_EVERY = 60  # seconds between two looks for unanswered members


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
    day was sent already (by this process or another)."""
    brand_id = services.brand.id
    assert brand_id is not None
    async with services.uow() as uow:
        brand = await uow.brands.get(brand_id) or services.brand
    day = local_date(now, brand.timezone)
    key = f"leaderboard:{brand_id}:{day.isoformat()}"
    if not await services.backends.dedupe.first_seen(key, GUARD_TTL):
        log.info("the leaderboard of %s was sent already", day)
        return None
    try:
        messages = await _send(services, brand_id, now)
    except BaseException:
        # Nothing was committed: let a retry (or another process's late firing) send it.
        await services.backends.dedupe.forget(key)
        raise
    log.info("leaderboard of %s queued: %d messages", day, messages)
    return DailyRun(day, messages)


async def _send(services: Services, brand_id: int, now: datetime) -> int:
    catalog = services.catalog
    messages = 0
    async with services.transaction(BotKind.ASSOCIATE) as tx:
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
            await tx.send(BotKind.ASSOCIATE, a.telegram_user_id, text(standing_text(catalog, a.locale, board, a.id)))
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


class LeaderboardScheduler:
    """The process's APScheduler, started and stopped by the Runtime."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._scheduler = AsyncIOScheduler(timezone=ZoneInfo("UTC"))
        self._running: set[asyncio.Task[object]] = set()

    def start(self) -> None:
        brand = self.services.brand
        self._scheduler.add_job(
            self._fire, daily_trigger(brand), id=f"leaderboard:{brand.id}", name="daily leaderboard",
            misfire_grace_time=MISFIRE_GRACE, coalesce=True, max_instances=1, replace_existing=True,
        )
        # Every process runs it; the escalation's unique keys let only one of them send a card.
        self._scheduler.add_job(
            self._escalate, IntervalTrigger(seconds=ESCALATE_EVERY), id=f"escalations:{brand.id}", name="escalations",
            misfire_grace_time=ESCALATE_EVERY, coalesce=True, max_instances=1, replace_existing=True,
        )
        self._scheduler.start()
        log.info("daily leaderboard at %s %s; next at %s", brand.leaderboard_time, brand.timezone, self.next_run())

    def next_run(self) -> datetime | None:
        job = self._scheduler.get_job(f"leaderboard:{self.services.brand.id}")
        return job.next_run_time if job else None

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._running:
            await asyncio.wait(set(self._running), timeout=STOP_TIMEOUT)

    async def _escalate(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await escalate_due(self.services, self.services.clock.now())
        except Exception:
            log.exception("the escalation job failed")
        finally:
            if task is not None:
                self._running.discard(task)

    async def _fire(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await send_daily_leaderboard(self.services, self.services.clock.now())
        except Exception:
            log.exception("the daily leaderboard failed")
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
