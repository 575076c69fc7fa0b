"""The one way messages leave storelink: the outbox, drained chat by chat.

A job on the work queue says "chat C of bot B has pending outbox rows". A worker takes the
chat's lock, sends that chat's rows oldest first under the shared rate limits, records each
outcome, and acknowledges the job. Any number of sender processes can run: the per-chat
lock keeps one chat's messages in order and never sent by two workers at once, and a dead
worker's jobs are reclaimed by the others. Telegram's answers decide what happens next:

- 429: wait retry_after, send again (the chat's lease is renewed while waiting);
- 5xx, timeouts, lost connections: back off and retry; after a run of failures leave the
  row pending and come back later (the sweep republishes it);
- 403 (the person blocked the bot): the row and the chat's other pending rows become
  UNREACHABLE, the person is marked unreachable, nothing is retried;
- 400: the request itself is wrong; FAILED, never retried, with the reason on the row
  ("too_long: ...", "refused: ..."). Except "message is not modified": an edit that
  changes nothing (a button pressed twice) has its effect already; SENT.

Jobs travel in lanes (commerce.model.SendLane): 1:1 replies and order updates first, then
service notices, campaigns last. Every worker takes jobs lane by lane, keeps a few slots
that a campaign's chats never occupy, and asks the shared rate limiter in the row's lane,
which leaves the earlier lanes part of the bot's bucket: a backlog of bulk never delays a
reply, in this process or another. A chat's rows still go out in id order whatever their
purposes; a row goes in the most urgent lane of the rows queued behind it in its chat.

A chat's lock is a lease: a worker that dies holding it (SIGKILL, a lost machine) keeps no
chat for longer than the lease, and its unacknowledged jobs are reclaimed once idle that
long. A message is sent twice only when Telegram took an attempt whose answer never came:
a timeout, a dropped connection, or a worker that died between the call and recording it.
Before each row's first attempt a mark is set in the shared dedupe store and it stays
until the row is settled, so whoever sends the row next knows a copy may already be in the
chat; every such send is counted in storelink_messages_possible_duplicates_total.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import random
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.runtime import media_groups
from bot.runtime.metrics import SEND_LATENCY, Metrics, started
from commerce.model import Blob, BotKind, DeliveryProblem, OutboxMessage, OutboxStatus, SendLane
from commerce.ports.backends import Deduplicator, Lock, RateLimiter, SendPolicy, SendQueue
from commerce.ports.uow import Clock, UnitOfWorkFactory
from commerce.sending import Drop, Hold

log = logging.getLogger("storelink.sender")
# Outbox rows name their Bot API method as data, so the generic do_api_request is the point;
# PTB's hint to use the typed method instead does not apply.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

LOCK_TTL = 30.0  # seconds a chat's lease lasts; renewed before every attempt and while waiting
MARK_TTL = 24 * 3600.0  # seconds an unsettled row's attempt mark is kept (longer than any retrying)
RUN_OF_FAILURES = 6  # consecutive transient failures before a chat is left for later
GIVE_UP_AFTER = 60  # attempts in all before a row is FAILED
LATER = 20.0  # seconds before the sweep brings back a chat left for later
BATCH = 20  # rows read at once from one chat
MAX_DELIVERIES = 5  # a job redelivered this often is dropped; its rows wait for the sweep
PRIORITY_SLOTS = 8  # of `concurrency`, the chats a campaign backlog can never occupy
FILE_FIELDS = ("photo", "document", "voice", "video", "audio", "animation", "sticker")
# Telegram re-encodes photos as JPEG; the name is what the upload is called. A file ref may
# carry the sender's own name and type ({"file_name", "mime_type"}): documents keep theirs.
_MEDIA_NAMES = {"photo": ("image/jpeg", "photo.jpg"), "voice": ("audio/ogg", "voice.ogg"), "video": ("video/mp4", "video.mp4")}


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
    ) -> None:
        self.uow, self.queue, self.lock, self.limiter = uow, queue, lock, limiter
        # For the per-message read and status update, each one statement (see
        # storage.uow.Database.single_statement): no BEGIN/COMMIT round trips.
        self.single = single or uow
        # A dead worker's chats and jobs come back after `lease` seconds; a live worker
        # renews well within it. `marks` remembers attempts across workers (see above).
        self.lease, self.marks = lease, marks
        self.bots, self.clock, self.metrics, self.name = bots, clock, metrics, name
        self.on_unreachable = on_unreachable
        self.policy = policy  # asked before each row's first attempt (commerce.sending)
        self.on_undelivered = on_undelivered  # once per row that ends FAILED or UNREACHABLE
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._bulk_cap = max(1, concurrency - PRIORITY_SLOTS)
        self._bulk: set[asyncio.Task[None]] = set()  # the jobs of the BULK lane being delivered
        self._tasks: set[asyncio.Task[None]] = set()
        self._later: dict[tuple[BotKind, int], float] = {}
        # One task per chat per process: jobs for a chat this process is already on (holding
        # its lock or waiting for it) only ask that task to read once more before letting go,
        # instead of each spinning on the lock (a burst publishes a job per message).
        self._active: set[tuple[BotKind, int]] = set()
        self._again: set[tuple[BotKind, int]] = set()
        self._held: set[tuple[BotKind, int]] = set()  # chats whose lock this process holds
        # The most urgent lane a job asked for while its chat was being delivered here: the
        # row going out inherits it (see deliver_chat).
        self._urgent: dict[tuple[BotKind, int], SendLane] = {}
        self._stopping = asyncio.Event()

    @property
    def in_flight(self) -> frozenset[asyncio.Task[None]]:
        """The jobs being delivered right now."""
        return frozenset(self._tasks)

    @property
    def delivering(self) -> frozenset[tuple[BotKind, int]]:
        """The chats this worker holds and is sending right now."""
        return frozenset(self._held)

    async def notify(self, bot: BotKind, chat_id: int, lane: SendLane = SendLane.CONVERSATION) -> None:
        """Called after a commit that queued messages for this chat, in the lane of the most
        urgent of them."""
        await self.queue.publish({"bot": bot.value, "chat_id": str(chat_id)}, lane)

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
                self._later[(bot, chat_id)] = asyncio.get_running_loop().time() + LATER
                await self.queue.ack(job.id, job.lane)
                return
            try:
                await self.deliver_chat(bot, chat_id, _lane(job.lane))
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
        loop_now = asyncio.get_running_loop().time()
        self._later = {chat: until for chat, until in self._later.items() if until > loop_now}
        published: set[tuple[BotKind, int]] = set()
        now = self.clock.now()
        for lane in SendLane:
            if lane is SendLane.BULK and await self.queue.depth(lane):
                continue
            async with self.uow() as uow:
                chats = await uow.outbox.pending_chats(200, purposes=lane.purposes, due=now)
            for chat in chats:
                if chat not in self._later and chat not in self._active and chat not in published:
                    published.add(chat)
                    await self.notify(*chat, lane)

    # --- one chat ---------------------------------------------------------------------

    async def deliver_chat(self, bot: BotKind, chat_id: int, lane: SendLane = SendLane.CONVERSATION) -> None:
        """Send the chat's pending rows in id order, whatever their purposes. A row goes out
        in the most urgent lane among itself and the rows queued behind it: a reply behind
        a campaign message in the same chat takes that message along at its own priority,
        rather than wait for it in the bulk lane (or overtake it)."""
        key = (bot, chat_id)
        self._urgent[key] = min(self._urgent.get(key, lane), lane)
        if key in self._active:  # the task on it reads again before it lets go
            self._again.add(key)
            return
        self._active.add(key)
        name = f"chat:{bot.value}:{chat_id}"
        token: str | None = None
        try:
            token = await self._take_lock(name)
            self._held.add(key)
            lease = _Lease(self.lock, name, token, self.lease)
            self._later.pop(key, None)
            while not self._stopping.is_set():
                self._again.discard(key)
                async with self.single() as uow:
                    batch = await uow.outbox.pending_for_chat(bot, chat_id, BATCH, due=self.clock.now())
                if not batch:
                    if key in self._again:  # a job came while reading: its row may be newer
                        continue
                    return
                for message, behind in zip(batch, _most_urgent_behind(batch), strict=True):
                    if self._stopping.is_set():  # the rest waits for the next process
                        return
                    decision = await self.policy.decide(message, self.clock.now())
                    if isinstance(decision, Hold):  # out of line until then; the rest goes on
                        await self._hold(message, decision)
                        continue
                    if isinstance(decision, Drop) and decision.status is OutboxStatus.UNREACHABLE:
                        await self._mark_rest_unreachable(bot, chat_id, decision.reason)  # known blocked: no call at all
                        return
                    if isinstance(decision, Drop):
                        await self._settle(message, decision.status, message.attempts, error=decision.reason)
                        continue
                    outcome = await self.deliver(message, lease, lane=behind)
                    if outcome is OutboxStatus.UNREACHABLE:
                        await self._mark_rest_unreachable(bot, chat_id)
                        await self.on_unreachable(bot, chat_id)
                        return
                    if outcome is OutboxStatus.PENDING:  # a run of failures: later, in order
                        self._later[(bot, chat_id)] = asyncio.get_running_loop().time() + LATER
                        return
                if len(batch) < BATCH and key not in self._again:  # that was all, and no job came since
                    return
        finally:
            # Before any await: a job arriving from here on starts a task of its own.
            self._active.discard(key)
            self._again.discard(key)
            self._held.discard(key)
            self._urgent.pop(key, None)
            if token is not None:
                await self.lock.release(name, token)

    async def _take_lock(self, name: str) -> str:
        # Another worker may be finishing this chat; wait for it rather than drop the job,
        # or a message committed just after its last read would wait for the sweep. A dead
        # holder's lease runs out within `lease`. Held longer, the holder may be alive and
        # busy with this chat (it reads our rows too) or have died after we began waiting:
        # the job stays unacknowledged and is reclaimed once idle a lease long.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.lease + 1.0
        while (token := await self.lock.acquire(name, self.lease)) is None:
            if loop.time() >= deadline:
                raise ChatBusy(name)
            await asyncio.sleep(0.02)
        return token

    async def deliver(self, message: OutboxMessage, lease: _Lease | None = None, *, lane: SendLane | None = None) -> OutboxStatus:
        """Send one row until Telegram gives a final answer or a run of failures ends it.
        The chat's lock is renewed before every attempt: a worker that lost it (a long
        retry_after, a stall) stops before sending, instead of racing the new holder."""
        assert message.id is not None
        doubt = Doubt(self.marks, message.id)
        status = await self._send_until_answered(message, lease, doubt, message.purpose.lane if lane is None else lane)
        if status is not OutboxStatus.PENDING:  # settled: no one will send it again
            await doubt.clear()
        return status

    async def _send_until_answered(self, message: OutboxMessage, lease: _Lease | None, doubt: Doubt,
                                   lane: SendLane) -> OutboxStatus:
        assert message.id is not None
        bot = self.bots[message.bot]
        attempts, failures = message.attempts, 0
        paid = bool(message.params.get("allow_paid_broadcast"))
        key = (message.bot, message.chat_id)
        while True:
            lane = min(lane, self._urgent.get(key, lane))  # a reply queued meanwhile hurries it
            wait = await self.limiter.try_acquire(message.bot.value, message.chat_id, paid=paid, lane=lane)
            if wait > 0:
                await self._wait(wait, lease)
                continue
            if lease is not None:
                await lease.keep()
            await doubt.before_attempt()
            attempts += 1
            called: float | None = None  # set once the send is under way: only its answer is timed
            try:
                params, blob_field = await self._resolve_files(message)
                await self._resolve_message_refs(params)
                called = started()
                result = await bot.do_api_request(message.method, api_kwargs={"chat_id": message.chat_id, **params})
            except RetryAfter as exc:  # one call per retry_after, however long it is
                self._timed(message, called, "retried")
                await doubt.refused()
                self.metrics.inc("storelink_messages_retried_total", message.bot)
                await self._wait(_retry_after(exc), lease)
                continue
            except Forbidden as exc:
                self._timed(message, called, "unreachable")
                self.metrics.inc("storelink_messages_unreachable_total", message.bot)
                return await self._settle(message, OutboxStatus.UNREACHABLE, attempts, error=str(exc))
            except (BadRequest, InvalidToken) as exc:
                if _not_modified(exc):  # its effect is there already: an answer like a send's
                    self._timed(message, called, "sent")
                    self.metrics.inc("storelink_messages_unchanged_total", message.bot)
                    return await self._settle(message, OutboxStatus.SENT, attempts)
                problem = DeliveryProblem.TOO_LONG if _too_long(exc) else DeliveryProblem.REFUSED
                # Telegram's description names the rule broken, never the message's words.
                log.warning("Telegram refused outbox row %s (%s, %s): %s", message.id, message.method, problem, exc)
                self._timed(message, called, "failed")
                self.metrics.inc("storelink_messages_failed_total", message.bot)
                return await self._settle(message, OutboxStatus.FAILED, attempts, error=f"{problem}: {exc}")
            except NetworkError as exc:  # 5xx, timeouts, dropped connections (BadRequest caught above)
                if may_have_arrived(exc):
                    doubt.lost()
                else:
                    await doubt.refused()
                failures += 1
                self._timed(message, called, "failed" if attempts >= GIVE_UP_AFTER else "retried")
                if attempts >= GIVE_UP_AFTER:
                    self.metrics.inc("storelink_messages_failed_total", message.bot)
                    log.warning("gave up on outbox row %s (%s) after %d attempts", message.id, message.method, attempts)
                    return await self._settle(message, OutboxStatus.FAILED, attempts, error=f"{DeliveryProblem.REFUSED}: {exc}")
                if failures >= RUN_OF_FAILURES:
                    return await self._settle(message, OutboxStatus.PENDING, attempts, error=str(exc))
                self.metrics.inc("storelink_messages_retried_total", message.bot)
                await asyncio.sleep(self._backoff(failures))
                continue
            except TelegramError as exc:  # unknown method, chat migrated, conflict: final answers
                log.warning("Telegram refused outbox row %s (%s): %s", message.id, message.method, type(exc).__name__)
                self._timed(message, called, "failed")
                self.metrics.inc("storelink_messages_failed_total", message.bot)
                return await self._settle(message, OutboxStatus.FAILED, attempts,
                                          error=f"{DeliveryProblem.REFUSED}: {type(exc).__name__}: {exc}")
            self._timed(message, called, "sent")
            if doubt.copies:  # earlier attempts that may have been delivered too
                self.metrics.inc("storelink_messages_possible_duplicates_total", message.bot, doubt.copies)
            self.metrics.inc("storelink_messages_sent_total", message.bot)
            message_id, album = media_groups.sent_ids(result)
            status = await self._settle(message, OutboxStatus.SENT, attempts, telegram_message_id=message_id, album_message_ids=album)
            if isinstance(blob_field, list):  # an album's uploads
                await media_groups.remember_file_ids(message, self.uow, blob_field, result)
            elif blob_field is not None and isinstance(result, dict):  # after settling: a cache miss costs an upload, not a resend
                await self._remember_file_id(message, blob_field, result)
            return status

    def _timed(self, message: OutboxMessage, called: float | None, outcome: str) -> None:
        """One Bot API call's latency, by its answer; nothing when the attempt failed before
        the call (a file to resolve, a message to refer to)."""
        if called is not None:
            self.metrics.observe(SEND_LATENCY, called, bot=message.bot, method=message.method, outcome=outcome)

    async def _resolve_files(self, message: OutboxMessage) -> tuple[dict[str, Any], Any]:
        """Outbox rows name stored bytes as {"blob_id": N}. A file_id is valid only for the
        bot that got it, so each bot uploads a blob once and reuses its own file_id after."""
        if message.method == "sendMediaGroup":
            return await media_groups.resolve(message, self.uow, self._carry_across)
        params = dict(message.params)
        for field in FILE_FIELDS:
            ref = params.get(field)
            if isinstance(ref, dict) and "from_bot" in ref and "file_id" in ref:
                ref = {**ref, "blob_id": await self._carry_across(field, ref)}
            if not (isinstance(ref, dict) and "blob_id" in ref):
                continue
            blob_id = int(ref["blob_id"])
            async with self.uow() as uow:
                file_id = await uow.blobs.file_id(message.bot, blob_id)
                blob = None if file_id else await uow.blobs.get(blob_id)
            if file_id:
                params[field] = file_id
                return params, None
            if blob is None:
                raise BadRequest(f"blob {blob_id} is gone")
            # The same bytes may be stored under another name: the ref's own name wins.
            params[field] = InputFile(blob.content, filename=str(ref.get("file_name") or blob.filename), attach=True)
            return params, (field, blob_id)
        return params, None

    async def _resolve_message_refs(self, params: dict[str, Any]) -> None:
        """Edits and follow-ups name an earlier outbox row ({"outbox_id": N}) because its
        Telegram message id exists only once it is sent. A chat's rows go out in order, so
        by now it has been: an edit of a message that never arrived is refused (400), a
        follow-up of one is sent without the reply thread."""
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and isinstance(reply.get("message_id"), dict):
            sent = await self._sent_message_id(reply["message_id"])
            if sent is None:
                del params["reply_parameters"]
            else:
                params["reply_parameters"] = {**reply, "message_id": sent}
        if isinstance(params.get("message_id"), dict):
            sent = await self._sent_message_id(params["message_id"])
            if sent is None:
                raise BadRequest("the message to edit was never delivered")
            params["message_id"] = sent

    async def _sent_message_id(self, ref: dict[str, Any]) -> int | None:
        async with self.uow() as uow:
            if "item" in ref and "outbox_id" in ref:  # one item of an album
                return await uow.albums.message_at(int(ref["outbox_id"]), int(ref["item"]))
            row = await uow.outbox.get(int(ref["outbox_id"])) if "outbox_id" in ref else None
        return row.telegram_message_id if row is not None else None

    async def _carry_across(self, field: str, ref: dict[str, Any]) -> int:
        """A file another of our bots received, named {"from_bot": ..., "file_id": ...}: its
        file_id means nothing to this bot and copyMessage cannot cross bots, so download it
        through the bot that owns it and keep the bytes as a blob (content-addressed, so a
        retry stores nothing new); the upload and the per-bot file_id cache follow."""
        try:
            source = self.bots[BotKind(ref["from_bot"])]
        except (KeyError, ValueError):
            raise BadRequest(f"unknown source bot {ref.get('from_bot')!r}") from None
        file = await source.get_file(str(ref["file_id"]))
        content = bytes(await file.download_as_bytearray())
        mime, filename = _MEDIA_NAMES.get(field, ("application/octet-stream", field))
        mime, filename = str(ref.get("mime_type") or mime), str(ref.get("file_name") or filename)
        blob = Blob(sha256=hashlib.sha256(content).hexdigest(), content=content, mime_type=mime, filename=filename, created_at=self.clock.now())
        async with self.uow() as uow:
            stored = await uow.blobs.put(blob)
            await uow.commit()
        assert stored.id is not None
        return stored.id

    async def _remember_file_id(self, message: OutboxMessage, blob_field: tuple[str, int], result: dict[str, Any]) -> None:
        field, blob_id = blob_field
        sent = result.get(field)
        if isinstance(sent, list) and sent:  # photos come in sizes; the last is the largest
            sent = sent[-1]
        if isinstance(sent, dict) and sent.get("file_id"):
            async with self.uow() as uow:
                await uow.blobs.remember_file_id(message.bot, blob_id, sent["file_id"])
                await uow.commit()

    async def _wait(self, seconds: float, lease: _Lease | None) -> None:
        """Sleep, renewing the chat's lease meanwhile: a long retry_after must not hand the
        chat to another worker (which would find it mid-row and churn) before it is over."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while (left := until - loop.time()) > 0:
            await asyncio.sleep(min(left, self.lease / 3))
            if lease is not None and until > loop.time():
                await lease.keep()

    def _backoff(self, failures: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
        return ceiling / 2 + random.random() * ceiling / 2  # jitter keeps workers apart

    async def _settle(self, message: OutboxMessage, status: OutboxStatus, attempts: int, **fields: Any) -> OutboxStatus:
        assert message.id is not None
        album = fields.pop("album_message_ids", None)
        async with (self.uow if album else self.single)() as uow:  # an album's ids commit with its status
            await uow.outbox.mark(message.id, status, self.clock.now(), attempts=attempts, **fields)
            if album:  # in the same commit: a reply to any item finds the row as soon as it is SENT
                await uow.albums.remember_delivered(message.bot, message.chat_id, message.id, album)
            await uow.commit()
        if status in (OutboxStatus.FAILED, OutboxStatus.UNREACHABLE):  # the hook sees the row as settled
            settled = dataclasses.replace(message, status=status, attempts=attempts, error=fields.get("error", message.error))
            await self._undelivered([settled], status)
        return status

    async def _hold(self, message: OutboxMessage, hold: Hold) -> None:
        assert message.id is not None
        async with self.single() as uow:
            await uow.outbox.mark(message.id, OutboxStatus.PENDING, self.clock.now(), not_before=hold.until)
            await uow.commit()

    async def _mark_rest_unreachable(self, bot: BotKind, chat_id: int, reason: str = "blocked") -> None:
        async with self.uow() as uow:
            rest = await uow.outbox.pending_for_chat(bot, chat_id, 10_000)
            for message in rest:
                assert message.id is not None
                await uow.outbox.mark(message.id, OutboxStatus.UNREACHABLE, self.clock.now(), error=reason)
            await uow.commit()
        await self._undelivered(rest, OutboxStatus.UNREACHABLE)

    async def _undelivered(self, messages: Any, status: OutboxStatus) -> None:
        """After the rows' final status is committed (each row settles once, under the
        chat's lock): the hook writes its own transaction. A failing hook costs a notice,
        never the delivery loop."""
        if self.on_undelivered is None:
            return
        for message in messages:
            try:
                await self.on_undelivered(message, status)
            except Exception:
                log.exception("the undelivered-message hook failed for outbox row %s", message.id)

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


def _most_urgent_behind(batch: Sequence[OutboxMessage]) -> list[SendLane]:
    """For each row, the most urgent lane among it and the rows after it in the batch."""
    lanes: list[SendLane] = []
    for message in reversed(batch):
        lanes.append(min(message.purpose.lane, lanes[-1]) if lanes else message.purpose.lane)
    return lanes[::-1]


def _not_modified(exc: TelegramError) -> bool:
    return "message is not modified" in exc.message.lower()


def _too_long(exc: TelegramError) -> bool:
    """"Message is too long", "Message caption is too long", "MESSAGE_TOO_LONG"."""
    return "too long" in exc.message.lower() or "too_long" in exc.message.lower()


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore")
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class LockLost(Exception):
    """Another worker holds the chat now; this one must not send."""


class ChatBusy(Exception):
    """Another worker held the chat for as long as this one waited."""


class _Lease:
    def __init__(self, lock: Lock, name: str, token: str, ttl: float = LOCK_TTL) -> None:
        self.lock, self.name, self.token, self.ttl = lock, name, token, ttl
        self._renewed = asyncio.get_running_loop().time()  # taken (or renewed) no earlier than this

    async def keep(self) -> None:
        """Renew unless two thirds of the lease are certainly left: a message sent right
        after the last one costs no round trip, a stall of a third of the lease does."""
        now = asyncio.get_running_loop().time()
        if now - self._renewed < self.ttl / 3:
            return
        if not await self.lock.refresh(self.name, self.token, self.ttl):
            raise LockLost(self.name)
        self._renewed = now


def may_have_arrived(exc: NetworkError) -> bool:
    """A 5xx is an answer: Telegram did not take the call. A timeout or a connection lost
    after the request left is not: the message may be in the chat already."""
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return False  # the request never left this process
    return isinstance(exc, TimedOut) or cause is not None


class Doubt:
    """How many copies of one outbox row may already be in the chat, unheard of.

    The mark (a key in the shared dedupe store, set before the first attempt) outlives
    this worker: found already set, an earlier worker tried the row and never recorded the
    answer, so one copy may be there. Each attempt of ours whose answer was lost adds one.
    A refusal (429, 5xx) proves that attempt changed nothing: with no doubt so far the
    mark is dropped, so a row that only ever met refusals is never counted."""

    def __init__(self, marks: Deduplicator | None, outbox_id: int) -> None:
        self.marks, self.key = marks, f"outbox-attempt:{outbox_id}"
        self.copies = 0
        self._marked = False

    async def before_attempt(self) -> None:
        if self.marks is None or self._marked:
            return
        if not await self.marks.first_seen(self.key, MARK_TTL):
            self.copies += 1
        self._marked = True

    def lost(self) -> None:
        self.copies += 1

    async def refused(self) -> None:
        if self.marks is not None and self._marked and not self.copies:
            await self.marks.forget(self.key)
            self._marked = False

    async def clear(self) -> None:
        if self.marks is not None and self._marked:
            await self.marks.forget(self.key)
            self._marked = False
