"""The one way messages leave storelink: the outbox, drained chat by chat.

A job on the work queue says "chat C of bot B has pending outbox rows". A worker takes the
chat's lock, sends that chat's rows oldest first under the shared rate limits, records each
outcome, and acknowledges the job. Any number of sender processes can run: the per-chat
lock keeps one chat's messages in order and never sent by two workers at once, and a dead
worker's jobs are reclaimed by the others. Telegram's answers decide what happens next:

- 429: wait retry_after, send again;
- 5xx, timeouts, lost connections: back off and retry; after a run of failures leave the
  row pending and come back later (the sweep republishes it);
- 403 (the person blocked the bot): the row and the chat's other pending rows become
  UNREACHABLE, the person is marked unreachable, nothing is retried;
- 400: the request itself is wrong; FAILED, never retried.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.metrics import Metrics
from commerce.model import Blob, BotKind, OutboxMessage, OutboxStatus
from commerce.ports import Clock, Lock, RateLimiter, UnitOfWorkFactory, WorkQueue

log = logging.getLogger("storelink.sender")
# Outbox rows name their Bot API method as data, so the generic do_api_request is the point;
# PTB's hint to use the typed method instead does not apply.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

LOCK_TTL = 30.0  # seconds; refreshed after every message
RUN_OF_FAILURES = 6  # consecutive transient failures before a chat is left for later
GIVE_UP_AFTER = 60  # attempts in all before a row is FAILED
LATER = 20.0  # seconds before the sweep brings back a chat left for later
RECLAIM_IDLE_MS = 30_000
MAX_DELIVERIES = 5  # a job redelivered this often is dropped; its rows wait for the sweep
FILE_FIELDS = ("photo", "document", "voice", "video", "audio", "animation", "sticker")
# Telegram re-encodes photos as JPEG; the name is what the upload is called. A file ref may
# carry the sender's own name and type ({"file_name", "mime_type"}): documents keep theirs.
_MEDIA_NAMES = {"photo": ("image/jpeg", "photo.jpg"), "voice": ("audio/ogg", "voice.ogg"), "video": ("video/mp4", "video.mp4")}


class Sender:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        queue: WorkQueue,
        lock: Lock,
        limiter: RateLimiter,
        bots: Mapping[BotKind, Bot],
        clock: Clock,
        metrics: Metrics,
        name: str,
        on_unreachable: Callable[[BotKind, int], Awaitable[None]],
        is_reachable: Callable[[BotKind, int], Awaitable[bool]],
        on_undelivered: Callable[[OutboxMessage, OutboxStatus], Awaitable[None]] | None = None,
        concurrency: int = 64,
        backoff_base: float = 0.2,
        backoff_cap: float = 10.0,
    ) -> None:
        self.uow, self.queue, self.lock, self.limiter = uow, queue, lock, limiter
        self.bots, self.clock, self.metrics, self.name = bots, clock, metrics, name
        self.on_unreachable, self.is_reachable = on_unreachable, is_reachable
        self.on_undelivered = on_undelivered  # once per row that ends FAILED or UNREACHABLE
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._later: dict[tuple[BotKind, int], float] = {}
        self._active: set[tuple[BotKind, int]] = set()  # chats this process is delivering now
        self._stopping = asyncio.Event()

    async def notify(self, bot: BotKind, chat_id: int) -> None:
        """Called after a commit that queued messages for this chat."""
        await self.queue.publish({"bot": bot.value, "chat_id": str(chat_id)})

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
                jobs = await self._guard(self.queue.reclaim(self.name, RECLAIM_IDLE_MS, 32)) or []
                self._start(jobs)
                next_reclaim = now + reclaim_every
            await self._slots.acquire()  # wait for a free slot before taking more work
            self._slots.release()
            jobs = await self._guard(self.queue.consume(self.name, 16, 500)) or []
            self._start(jobs)

    async def stop(self, timeout: float = 20.0) -> None:
        """Take no new jobs; let the chats being delivered finish (SIGTERM)."""
        self._stopping.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def _start(self, jobs: Any) -> None:
        for job in jobs:
            task = asyncio.create_task(self._deliver_job(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver_job(self, job: Any) -> None:
        async with self._slots:
            try:
                bot, chat_id = BotKind(job.payload["bot"]), int(job.payload["chat_id"])
            except (KeyError, ValueError):
                log.error("malformed sender job %s dropped", job.id)
                await self.queue.ack(job.id)
                return
            if job.deliveries > MAX_DELIVERIES:  # keeps failing: stop the churn, the sweep retries later
                log.error("sender job for a %s chat failed %d times; left for the sweep", bot, job.deliveries)
                self._later[(bot, chat_id)] = asyncio.get_running_loop().time() + LATER
                await self.queue.ack(job.id)
                return
            try:
                await self.deliver_chat(bot, chat_id)
            except Exception:
                # Leave the job pending: another worker (or this one) reclaims it later.
                log.exception("delivery to a %s chat stopped; the job will be reclaimed", bot)
                return
            await self.queue.ack(job.id)

    async def sweep(self) -> None:
        """Republish chats with pending rows: ones left for later, and any whose notify was
        lost (a crash between commit and publish)."""
        loop_now = asyncio.get_running_loop().time()
        self._later = {chat: until for chat, until in self._later.items() if until > loop_now}
        async with self.uow() as uow:
            chats = await uow.outbox.pending_chats(200)
        for chat in chats:
            if chat not in self._later and chat not in self._active:
                await self.notify(*chat)

    # --- one chat ---------------------------------------------------------------------

    async def deliver_chat(self, bot: BotKind, chat_id: int) -> None:
        name = f"chat:{bot.value}:{chat_id}"
        token = await self._take_lock(name)
        if token is None:
            return
        lease = _Lease(self.lock, name, token)
        self._active.add((bot, chat_id))
        try:
            self._later.pop((bot, chat_id), None)
            if not await self.is_reachable(bot, chat_id):  # known blocked: no call at all
                await self._mark_rest_unreachable(bot, chat_id)
                return
            while not self._stopping.is_set():
                async with self.uow() as uow:
                    batch = await uow.outbox.pending_for_chat(bot, chat_id, 20)
                if not batch:
                    return
                for message in batch:
                    if self._stopping.is_set():  # the rest waits for the next process
                        return
                    outcome = await self.deliver(message, lease)
                    if outcome is OutboxStatus.UNREACHABLE:
                        await self._mark_rest_unreachable(bot, chat_id)
                        await self.on_unreachable(bot, chat_id)
                        return
                    if outcome is OutboxStatus.PENDING:  # a run of failures: later, in order
                        self._later[(bot, chat_id)] = asyncio.get_running_loop().time() + LATER
                        return
        finally:
            self._active.discard((bot, chat_id))
            await self.lock.release(name, token)

    async def _take_lock(self, name: str) -> str | None:
        # Another worker may be finishing this chat; wait for it rather than drop the job,
        # or a message committed just after its last read would wait for the sweep.
        deadline = asyncio.get_running_loop().time() + LOCK_TTL
        while asyncio.get_running_loop().time() < deadline:
            token = await self.lock.acquire(name, LOCK_TTL)
            if token is not None:
                return token
            await asyncio.sleep(0.02)
        raise TimeoutError(f"lock {name} held too long")

    async def deliver(self, message: OutboxMessage, lease: _Lease | None = None) -> OutboxStatus:
        """Send one row until Telegram gives a final answer or a run of failures ends it.
        The chat's lock is renewed before every attempt: a worker that lost it (a long
        retry_after, a stall) stops before sending, instead of racing the new holder."""
        assert message.id is not None
        bot = self.bots[message.bot]
        attempts, failures, response_lost = message.attempts, 0, False
        paid = bool(message.params.get("allow_paid_broadcast"))
        while True:
            wait = await self.limiter.try_acquire(message.bot.value, message.chat_id, paid=paid)
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            if lease is not None:
                await lease.keep()
            attempts += 1
            try:
                params, blob_field = await self._resolve_files(message)
                await self._resolve_message_refs(params)
                result = await bot.do_api_request(message.method, api_kwargs={"chat_id": message.chat_id, **params})
            except RetryAfter as exc:
                self.metrics.inc("storelink_messages_retried_total", message.bot)
                await asyncio.sleep(_retry_after(exc))
                continue
            except Forbidden as exc:
                self.metrics.inc("storelink_messages_unreachable_total", message.bot)
                return await self._settle(message, OutboxStatus.UNREACHABLE, attempts, error=str(exc))
            except (BadRequest, InvalidToken) as exc:
                log.warning("Telegram refused outbox row %s (%s): %s", message.id, message.method, exc)
                self.metrics.inc("storelink_messages_failed_total", message.bot)
                return await self._settle(message, OutboxStatus.FAILED, attempts, error=str(exc))
            except NetworkError as exc:  # 5xx, timeouts, dropped connections (BadRequest caught above)
                response_lost |= isinstance(exc, TimedOut) or exc.__cause__ is not None
                failures += 1
                if attempts >= GIVE_UP_AFTER:
                    self.metrics.inc("storelink_messages_failed_total", message.bot)
                    return await self._settle(message, OutboxStatus.FAILED, attempts, error=str(exc))
                if failures >= RUN_OF_FAILURES:
                    return await self._settle(message, OutboxStatus.PENDING, attempts, error=str(exc))
                self.metrics.inc("storelink_messages_retried_total", message.bot)
                await asyncio.sleep(self._backoff(failures))
                continue
            except TelegramError as exc:  # unknown method, chat migrated, conflict: final answers
                log.warning("Telegram refused outbox row %s (%s): %s", message.id, message.method, type(exc).__name__)
                self.metrics.inc("storelink_messages_failed_total", message.bot)
                return await self._settle(message, OutboxStatus.FAILED, attempts, error=f"{type(exc).__name__}: {exc}")
            if response_lost:
                self.metrics.inc("storelink_messages_possible_duplicates_total", message.bot)
            self.metrics.inc("storelink_messages_sent_total", message.bot)
            message_id = result.get("message_id") if isinstance(result, dict) else None
            status = await self._settle(message, OutboxStatus.SENT, attempts, telegram_message_id=message_id)
            if blob_field is not None and isinstance(result, dict):  # after settling: a cache miss costs an upload, not a resend
                await self._remember_file_id(message, blob_field, result)
            return status

    async def _resolve_files(self, message: OutboxMessage) -> tuple[dict[str, Any], tuple[str, int] | None]:
        """Outbox rows name stored bytes as {"blob_id": N}. A file_id is valid only for the
        bot that got it, so each bot uploads a blob once and reuses its own file_id after."""
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

    def _backoff(self, failures: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
        return ceiling / 2 + random.random() * ceiling / 2  # jitter keeps workers apart

    async def _settle(self, message: OutboxMessage, status: OutboxStatus, attempts: int, **fields: Any) -> OutboxStatus:
        assert message.id is not None
        async with self.uow() as uow:
            await uow.outbox.mark(message.id, status, self.clock.now(), attempts=attempts, **fields)
            await uow.commit()
        if status in (OutboxStatus.FAILED, OutboxStatus.UNREACHABLE):
            await self._undelivered([message], status)
        return status

    async def _mark_rest_unreachable(self, bot: BotKind, chat_id: int) -> None:
        async with self.uow() as uow:
            rest = await uow.outbox.pending_for_chat(bot, chat_id, 10_000)
            for message in rest:
                assert message.id is not None
                await uow.outbox.mark(message.id, OutboxStatus.UNREACHABLE, self.clock.now(), error="blocked")
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


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore")
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class LockLost(Exception):
    """Another worker holds the chat now; this one must not send."""


class _Lease:
    def __init__(self, lock: Lock, name: str, token: str) -> None:
        self.lock, self.name, self.token = lock, name, token

    async def keep(self) -> None:
        if not await self.lock.refresh(self.name, self.token, LOCK_TTL):
            raise LockLost(self.name)
