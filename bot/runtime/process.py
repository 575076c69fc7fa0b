"""Wiring one storelink process: database, backends, both bots, ingress, sender, web server."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from aiohttp import web
from telegram import Bot, Update

from bot.runtime.albums import AlbumFlusher
from bot.interface.applications import build_application
from bot.runtime.clock import SystemClock
from bot.interface.command_menus import publish_menus
from bot.interface.context import BrandCopy, Services, StorelinkApplication
from bot.interface.i18n import Catalog
from bot.runtime.ingress import Ingress
from bot.runtime.metrics import Metrics
from bot.runtime.orders_api import OrdersApi
from bot.runtime.polling import Polling
from bot.interface.render.base import Renderer
from bot.runtime.scheduler import Scheduler, TimedJobs, daily_leaderboard, escalations, expired_holds
from bot.runtime.sender import Sender
from bot.runtime.settings import Settings
from bot.runtime.stopping import Stopping
from bot.runtime.transport import bot_requests
from bot.runtime.web import build_web_app, webhook_path
from commerce.brand import ensure_brand
from commerce.chats import notify_undelivered
from commerce.membership import mark_unreachable
from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxStatus
from commerce.ports.uow import Clock
from commerce.sending import Reachability
from storage.backends import Backends, SendLimits, open_backends
from storage.uow import Database

log = logging.getLogger("storelink.runtime")


@dataclass
class Options:
    """How this process runs; tests and the demo change these, not the handlers."""

    clock: Clock = field(default_factory=SystemClock)
    # The time of the people's side: handlers and the use cases and jobs they run (store
    # hours, away, escalations, leaderboards); None: `clock`. Tests pin it to a day of the
    # week while the sender, its leases and retries keep `clock`.
    handler_clock: Clock | None = None
    limits: SendLimits = field(default_factory=SendLimits)
    serve_http: bool = True
    run_sender: bool = True
    run_scheduler: bool = True  # timed jobs (the daily leaderboard); each day's run is sent by one process
    sender_name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    sender_backoff: float = 0.2
    # A crashed sender's chats (leases) and jobs return to the others after this long.
    sender_lease: float = 30.0
    sender_sweep_every: float = 5.0  # seconds between sweeps for pending rows no job names
    # False: a sender-only process (`storelink run --only sender`): no polling, webhooks or
    # recovery of updates; it delivers the shared outbox beside the processes that take them.
    take_updates: bool = True
    recover_every: float = 10.0
    recover_after: float = 15.0  # seconds before a RECEIVED update nobody here handles is swept up
    # /healthz reports an intake where updates wait and none was recorded for this long.
    intake_stall: float = 60.0
    album_quiet: float = 1.0  # seconds without a new item before a member's album is relayed
    album_sweep_every: float = 5.0  # seconds between sweeps for albums a stopped process left
    namespace: str = "storelink"  # Redis key prefix
    # Seconds stop() gives the work in flight (updates, albums, timed jobs, deliveries) to
    # finish before cancelling what is left; an update cancelled here stays in the inbox.
    stop_grace: float = 30.0


class Runtime:
    """The wiring: builds the parts and starts their loops; polling.py takes updates by
    long polling, stopping.py stops the parts in order."""

    def __init__(self, settings: Settings, options: Options | None = None) -> None:
        self.settings = settings
        self.options = options or Options()
        self.database: Database | None = None
        self.backends: Backends | None = None
        self.services: Services | None = None
        self.applications: dict[BotKind, StorelinkApplication] = {}
        self.sender: Sender | None = None
        self.scheduler: Scheduler | None = None
        self.ingress: Ingress | None = None
        self.albums: AlbumFlusher | None = None
        self.polling: Polling | None = None
        self.metrics = Metrics()
        self.http_server: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[Any]] = []  # the background loops, until stop()
        self._dead_tasks: list[str] = []
        self._stopping = Stopping(self, self._tasks)

    @property
    def tokens(self) -> dict[BotKind, str]:
        s = self.settings
        return {
            BotKind.CONSUMER: s.token("consumer"),
            BotKind.ASSOCIATE: s.token("associate"),
        }

    async def start(self) -> None:
        s, o = self.settings, self.options
        self.database = await Database.open(s.database_url, migrate=True)
        self.backends = await open_backends(s.redis_url, namespace=o.namespace, limits=o.limits)
        async with self.database.uow() as uow:
            brand = await ensure_brand(uow, s.brand_name, s.default_locale, s.timezone)
            await uow.commit()
        catalog = Catalog.load()
        # The bots first: getMe says their usernames, which Services carries (deep links).
        for kind, token in self.tokens.items():
            self.applications[kind] = app = build_application(kind, token, s.bot_api_url, s.bot_transport)
            await app.initialize()
        self.services = services = Services(
            settings=s,
            uow=self.database.uow,
            backends=self.backends,
            clock=o.handler_clock or o.clock,
            catalog=catalog,
            metrics=self.metrics,
            brand=brand,
            render=Renderer(catalog, brand.name),
            bot_usernames=MappingProxyType({kind: app.bot.username for kind, app in self.applications.items()}),
            signing_keys=tuple(s.signing_keys()),
            single_statement=self.database.single_statement,
            brand_copy=BrandCopy(s.brand_refresh_seconds),
        )
        for app in self.applications.values():
            app.bot_data.services = services  # before start: no update is handled without them
            await app.start()
        if o.take_updates:  # the menus match /help (bot/interface/command_menus.py); delivery-only processes leave them be
            await publish_menus({kind: app.bot for kind, app in self.applications.items()},
                                {kind: app.bot_data.commands for kind, app in self.applications.items()},
                                catalog, s.default_locale, self.database.uow, brand.id)  # type: ignore[arg-type]
        self.ingress = Ingress(services, self.applications, recover_after=o.recover_after)
        self.albums = AlbumFlusher(services, o.album_quiet)
        services.signals.listen(album=self.albums.arrived)
        self.metrics.gauge("storelink_queue_depth", self.backends.queue.depth)
        if o.run_sender:
            await self._start_sender(services)
        takes_webhooks = s.uses_webhooks and o.take_updates
        if o.serve_http or takes_webhooks:
            await self._serve_http()
        if takes_webhooks:
            await self._set_webhooks()
        elif o.take_updates:
            self.polling = Polling(self.ingress, {kind: app.bot for kind, app in self.applications.items()})
            for kind in BotKind:
                self._spawn(self.polling.poll(kind), f"poll-{kind}")
        if o.take_updates:
            self._spawn(self._recover_loop(), "recover")
            self._spawn(self._album_sweep_loop(), "recover-albums")
        if o.run_scheduler:
            self.scheduler = Scheduler(self._timed_jobs(services), o.clock)
            self.scheduler.start()
        log.info(
            "storelink is running: brand %r, %s, %s backends, %s",
            brand.name,
            self.database.dialect,
            self.backends.kind,
            "sender only" if not o.take_updates else "webhooks" if s.uses_webhooks else "long polling",
        )

    def _timed_jobs(self, services: Services) -> TimedJobs:
        """Every timed job this deployment runs; a new one (campaigns, reminders) is added here."""
        jobs = TimedJobs()
        jobs.add(daily_leaderboard(services))
        jobs.add(escalations(services))
        jobs.add(expired_holds(services))
        return jobs

    async def _start_sender(self, services: Services) -> None:
        assert self.database and self.backends
        api = self.settings.bot_api_url
        transport = self.settings.bot_transport
        bots = {kind: Bot(token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot", **bot_requests(transport))
                for kind, token in self.tokens.items()}
        for bot in bots.values():
            await bot.initialize()
        self.sender = Sender(
            uow=self.database.uow,
            queue=self.backends.queue,
            lock=self.backends.lock,
            limiter=self.backends.limiter,
            bots=bots,
            clock=self.options.clock,
            metrics=self.metrics,
            name=self.options.sender_name,
            on_unreachable=self._on_unreachable,
            policy=Reachability(self.database.uow, services.brand.id),  # type: ignore[arg-type]
            on_undelivered=self._on_undelivered,
            backoff_base=self.options.sender_backoff,
            lease=self.options.sender_lease,
            marks=self.backends.dedupe,
            single=self.database.single_statement,
            settings=self.settings.secret_params(),
        )
        services.signals.listen(outbox=self.sender.notify)
        sweep = self.options.sender_sweep_every
        self._spawn(self.sender.run(sweep_every=sweep, reclaim_every=max(sweep, self.options.sender_lease / 3)), "sender")

    async def _on_unreachable(self, bot: BotKind, chat_id: int) -> None:
        assert self.services is not None
        if bot is not BotKind.CONSUMER:
            log.warning("an associate-bot chat blocked the bot; its messages are marked unreachable")
            return
        async with self.services.uow() as uow:
            assert self.services.brand.id is not None
            await mark_unreachable(uow, self.services.brand.id, chat_id, self.options.clock.now())
            await uow.commit()

    async def _on_undelivered(self, message: OutboxMessage, status: OutboxStatus) -> None:
        """A relayed message ended FAILED or UNREACHABLE: commerce.chats tells its writer,
        through the outbox, in a transaction of its own."""
        services = self.services
        assert services is not None
        async with services.uow() as uow:
            notice = await notify_undelivered(uow, services.postbox(uow), message, status, services.settings.default_locale)
            await uow.commit()
        if notice is not None:
            log.info("told the writer of outbox row %s (%s) it was not delivered: %s", message.id,
                     "member" if notice.to_member else "associate", notice.problem)


    async def _serve_http(self) -> None:
        s = self.settings
        secret = s.webhook_secret.get_secret_value() if s.webhook_secret else None
        ingress = self.ingress if s.uses_webhooks and self.options.take_updates else None
        api_token = s.orders_api_token.get_secret_value() if s.orders_api_token else None
        orders = OrdersApi(self.services, api_token) if self.services is not None else None
        app = build_web_app(ingress, self.metrics, secret, self.health, orders)
        self.http_server = web.AppRunner(app, access_log=None)
        await self.http_server.setup()
        await web.TCPSite(self.http_server, s.http_host, s.http_port).start()
        log.info("HTTP server on http://%s:%s (/healthz, /metrics%s)", s.http_host, s.http_port, ", webhooks" if secret else "")

    async def _set_webhooks(self) -> None:
        s = self.settings
        assert s.webhook_base_url and s.webhook_secret
        for kind, app in self.applications.items():
            await app.bot.set_webhook(
                url=f"{s.webhook_base_url}{webhook_path(kind)}",
                secret_token=s.webhook_secret.get_secret_value(),
                allowed_updates=Update.ALL_TYPES,
            )

    async def _recover_loop(self) -> None:
        assert self.ingress is not None
        while True:
            await asyncio.sleep(self.options.recover_every)
            try:
                count = await self.ingress.recover()
                if count:
                    log.info("re-handling %d updates left unfinished", count)
            except Exception:
                log.exception("recovery sweep failed")

    async def _album_sweep_loop(self) -> None:
        """Albums left in the buffer by a process that stopped before their timer fired.
        Ends when the flusher is stopped."""
        assert self.albums is not None
        await self.albums.sweep_every(self.options.album_sweep_every)

    async def health(self) -> list[str]:
        problems = []
        checks: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
        if self.database:
            checks.append(("database", self._ping_database))
        if self.backends:
            checks.append(("backends", self.backends.queue.depth))
        for name, check in checks:
            try:
                await asyncio.wait_for(check(), 2.0)
            except Exception as exc:
                problems.append(f"{name}: {type(exc).__name__}")
        problems += [f"{name}: stopped" for name in self._dead_tasks]
        if self.ingress:
            for kind, seconds in self.ingress.intake.stalled(self.options.intake_stall).items():
                problems.append(f"intake of the {kind} bot: nothing recorded for {seconds:.0f}s while updates wait")
        return problems

    async def sender_idle(self, timeout: float = 10.0) -> None:
        """Wait until the send queue is empty (tests and benchmarks)."""
        assert self.backends is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.backends.queue.depth() and loop.time() < deadline:
            await asyncio.sleep(0.02)

    async def _ping_database(self) -> None:
        assert self.database is not None
        async with self.database.uow() as uow:
            await uow.brands.first()

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.create_task(coro, name=name)  # type: ignore[arg-type]
        task.add_done_callback(self._on_task_end)
        self._tasks.append(task)

    def _on_task_end(self, task: asyncio.Task[Any]) -> None:
        """These loops run until stop(): an early end is a fault that /healthz must show."""
        if task.cancelled() or self._stopping.under_way:
            return
        error = task.exception()
        self._dead_tasks.append(task.get_name())
        log.error("background task %s ended unexpectedly: %r", task.get_name(), error)

    async def stop(self) -> None:
        """Graceful and bounded (stopping.py): stop taking updates, let the work in flight
        finish within `stop_grace` seconds, cancel whatever is left, then close. A second
        call waits for the first."""
        await self._stopping.stop(self.options.stop_grace)
