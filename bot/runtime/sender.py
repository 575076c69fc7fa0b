"""The one way messages leave storelink: the outbox, drained chat by chat.

A job on the work queue says "chat C of bot B has pending outbox rows". A worker takes the
chat's lock, sends that chat's rows oldest first under the shared rate limits, records each
outcome, and acknowledges the job. Any number of sender processes can run: the per-chat
lock keeps one chat's messages in order and never sent by two workers at once, and a dead
worker's jobs are reclaimed by the others once idle a lease long. The parts:

- this module: the work queue — lanes, slots, the sweep, reclaiming a dead worker's jobs;
- chat_delivery.py: one chat under its lease (chat_lease.py), the send policy, 403s;
- attempts.py: one row until Telegram answers (429, 5xx, timeouts, duplicates in doubt);
- files.py + media_groups.py: files carried across the bots; outcomes.py: rows settled.

Jobs travel in lanes (commerce.outbox.SendLane): 1:1 replies and order updates first, then
service notices, campaigns last. Every worker takes jobs lane by lane, keeps a few slots
that a campaign's chats never occupy, and asks the shared rate limiter in the row's lane,
which leaves the earlier lanes part of the bot's bucket: a backlog of bulk never delays a
reply, in this process or another. A chat's rows still go out in id order whatever their
purposes; a row goes in the most urgent lane of the rows queued behind it in its chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from telegram import Bot

from bot.runtime.attempts import Attempts, Doubt, may_have_arrived
from bot.runtime.chat_delivery import ChatDelivery
from bot.runtime.chat_lease import LOCK_TTL, ChatBusy, Lease, LockLost
from bot.runtime.files import Files
from bot.runtime.metrics import Metrics
from bot.runtime.outcomes import Outcomes
from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxStatus, SendLane
from commerce.ports.backends import Deduplicator, Lock, RateLimiter, SendPolicy, SendQueue
from commerce.ports.uow import Clock, UnitOfWorkFactory

__all__ = ["LOCK_TTL", "ChatBusy", "Doubt", "LockLost", "Sender", "may_have_arrived"]

log = logging.getLogger("storelink.sender")

MAX_DELIVERIES = 5  # a job redelivered this often is dropped; its rows wait for the sweep
PRIORITY_SLOTS = 8  # of `concurrency`, the chats a campaign backlog can never occupy


class Sender:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        queue: SendQueue,
        lock: Lock,
        limiter: RateLimiter,
        bots: Mapping[BotKind, Bot],
        clock: Clock,
        metrics: Metrics,
        name: str,
        on_unreachable: Callable[[BotKind, int], Awaitable[None]],
        policy: SendPolicy,
        on_undelivered: Callable[[OutboxMessage, OutboxStatus], Awaitable[None]] | None = None,
        concurrency: int = 64,
        backoff_base: float = 0.2,
        backoff_cap: float = 10.0,
        lease: float = LOCK_TTL,
        marks: Deduplicator | None = None,
        single: UnitOfWorkFactory | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.uow, self.queue, self.lock, self.limiter = uow, queue, lock, limiter
        # For the per-message read and status update, each one statement (see
        # storage.uow.Database.single_statement): no BEGIN/COMMIT round trips.
        self.single = single or uow
        # A dead worker's chats and jobs come back after `lease` seconds; a live worker
        # renews well within it. `marks` remembers attempts across workers (attempts.py).
        self.lease, self.marks = lease, marks
        self.bots, self.clock, self.metrics, self.name = bots, clock, metrics, name
        self.on_unreachable = on_unreachable
        self.on_undelivered = on_undelivered  # once per row that ends FAILED or UNREACHABLE
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._bulk_cap = max(1, concurrency - PRIORITY_SLOTS)
        self._bulk: set[asyncio.Task[None]] = set()  # the jobs of the BULK lane being delivered
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        outcomes = Outcomes(uow=uow, single=self.single, clock=clock, on_undelivered=on_undelivered)
        urgent: dict[tuple[BotKind, int], SendLane] = {}  # see ChatDelivery
        self._attempts = Attempts(
            uow=uow, bots=bots, limiter=limiter, metrics=metrics, files=Files(uow=uow, bots=bots, clock=clock),
            outcomes=outcomes, marks=marks, urgent=urgent, lease=lease, backoff_base=backoff_base, backoff_cap=backoff_cap,
            settings=settings,
        )
        self._chats = ChatDelivery(
            single=self.single, lock=lock, clock=clock, policy=policy, attempts=self._attempts, outcomes=outcomes,
            urgent=urgent, on_unreachable=on_unreachable, lease=lease, stopping=self._stopping,
        )

    @property
    def policy(self) -> SendPolicy:
        """Asked before each row's first attempt (commerce.sending)."""
        return self._chats.policy

    @policy.setter
    def policy(self, policy: SendPolicy) -> None:
        self._chats.policy = policy

    @property
    def in_flight(self) -> frozenset[asyncio.Task[None]]:
        """The jobs being delivered right now."""
        return frozenset(self._tasks)

    @property
    def delivering(self) -> frozenset[tuple[BotKind, int]]:
        """The chats this worker holds and is sending right now."""
        return self._chats.held

    async def notify(self, bot: BotKind, chat_id: int, lane: SendLane = SendLane.CONVERSATION) -> None:
        """Called after a commit that queued messages for this chat, in the lane of the most
        urgent of them."""
        await self.queue.publish({"bot": bot.value, "chat_id": str(chat_id)}, lane)

    async def deliver_chat(self, bot: BotKind, chat_id: int, lane: SendLane = SendLane.CONVERSATION) -> None:
        """Send the chat's pending rows in id order (chat_delivery.py)."""
        await self._chats.deliver_chat(bot, chat_id, lane)

    async def deliver(self, message: OutboxMessage, lease: Lease | None = None, *, lane: SendLane | None = None) -> OutboxStatus:
        """Send one row until Telegram gives a final answer or a run of failures ends it (attempts.py)."""
        return await self._attempts.deliver(message, lease, lane=lane)

    # --- the worker loop ---------------------------------------------------------------

    async def run(self, *, sweep_every: float = 5.0, reclaim_every: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = next_reclaim = loop.time()
        while not self._stopping.is_set():
            now = loop.time()
            if now >= next_sweep:
                await self._guard(self.sweep())
                next_sweep = now + sweep_every
            if now >= next_reclaim:
                jobs = await self._guard(self.queue.reclaim(self.name, int(self.lease * 1000), 32)) or []
                self._start(jobs)
                next_reclaim = now + reclaim_every
            await self._slots.acquire()  # wait for a free slot before taking more work
            self._slots.release()
            # Never more jobs than free slots: a job taken waits for nobody in this process.
            count = max(1, min(16, self._free_slots()))
            if len(self._bulk) < self._bulk_cap:
                jobs = await self._guard(self.queue.consume(self.name, count, 500)) or []
            else:  # the last slots stay free for 1:1 and notices; bulk is looked at again soon
                jobs = await self._guard(self.queue.consume(self.name, count, 50, lanes=_BEFORE_BULK)) or []
            self._start(jobs)

    async def stop(self, timeout: float = 20.0) -> None:
        """Take no new jobs; let the chats being delivered finish (SIGTERM)."""
        self._stopping.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def _free_slots(self) -> int:
        return self._concurrency - len(self._tasks)  # each task holds a slot or waits for one

    def _start(self, jobs: Any) -> None:
        for job in jobs:
            task = asyncio.create_task(self._deliver_job(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            if job.lane >= SendLane.BULK:
                self._bulk.add(task)
                task.add_done_callback(self._bulk.discard)

    async def _deliver_job(self, job: Any) -> None:
        async with self._slots:
            try:
                bot, chat_id = BotKind(job.payload["bot"]), int(job.payload["chat_id"])
            except (KeyError, ValueError):
                log.error("malformed sender job %s dropped", job.id)
                await self.queue.ack(job.id, job.lane)
                return
            if job.deliveries > MAX_DELIVERIES:  # keeps failing: stop the churn, the sweep retries later
                log.error("sender job for a %s chat failed %d times; left for the sweep", bot, job.deliveries)
                self._chats.leave_for_later((bot, chat_id))
                await self.queue.ack(job.id, job.lane)
                return
            try:
                await self._chats.deliver_chat(bot, chat_id, _lane(job.lane))
            except LockLost:  # a stall outlived the lease: the new holder delivers the rest
                log.warning("lost the lease of a %s chat; another worker delivers it now", bot)
            except ChatBusy:  # held elsewhere all along: the job comes back when idle a lease long
                log.debug("a %s chat stayed with another worker; the job will be reclaimed", bot)
                return
            except Exception:
                # Leave the job pending: another worker (or this one) reclaims it later.
                log.exception("delivery to a %s chat stopped; the job will be reclaimed", bot)
                return
            await self.queue.ack(job.id, job.lane)

    async def sweep(self) -> None:
        """Republish chats with pending rows, each in the lane of its most urgent row: ones
        left for later, any whose notify was lost (a crash between commit and publish), and
        rows held by the policy that are due. The bulk lane is swept only once its queue is
        empty: while a campaign drains, its own jobs reach every chat of it."""
        self._chats.forget_past_later()
        published: set[tuple[BotKind, int]] = set()
        now = self.clock.now()
        for lane in SendLane:
            if lane is SendLane.BULK and await self.queue.depth(lane):
                continue
            async with self.uow() as uow:
                chats = await uow.outbox.pending_chats(200, purposes=lane.purposes, due=now)
            for chat in chats:
                if self._chats.left_alone(chat) and chat not in published:
                    published.add(chat)
                    await self.notify(*chat, lane)

    async def _guard(self, step: Awaitable[Any]) -> Any:
        try:
            return await step
        except Exception:
            log.exception("sender step failed; retrying shortly")
            await asyncio.sleep(1.0)
            return None


_BEFORE_BULK = [lane for lane in SendLane if lane < SendLane.BULK]


def _lane(value: int) -> SendLane:
    try:
        return SendLane(value)
    except ValueError:  # a lane this version does not know: the safe side is the first
        return SendLane.CONVERSATION
