"""Sending one outbox row until Telegram gives a final answer, and what each answer means.

- 429: wait retry_after, send again (the chat's lease is renewed while waiting);
- 5xx, timeouts, lost connections: back off and retry; after a run of failures leave the
  row pending and come back later (the sweep republishes it);
- 403 (the person blocked the bot): UNREACHABLE (the chat's other rows follow, see
  chat_delivery.py);
- 400: the request itself is wrong; FAILED, never retried, with the reason on the row
  ("too_long: ...", "refused: ..."). Except "message is not modified": an edit that
  changes nothing (a button pressed twice) has its effect already; SENT.

A message is sent twice only when Telegram took an attempt whose answer never came: a
timeout, a dropped connection, or a worker that died between the call and recording it.
Before each row's first attempt a mark is set in the shared dedupe store and it stays until
the row is settled, so whoever sends the row next knows a copy may already be in the chat;
every such send is counted in storelink_messages_possible_duplicates_total.
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.runtime import media_groups
from bot.runtime.chat_lease import Lease
from bot.runtime.files import Files
from bot.runtime.metrics import SEND_LATENCY, Metrics, started
from bot.runtime.outcomes import Outcomes
from bot.runtime.pacing import Pacing
from bot.runtime.transport import never_sent
from commerce.bots import BotKind
from commerce.outbox import DeliveryProblem, OutboxMessage, OutboxStatus, SendLane
from commerce.ports.backends import Deduplicator, RateLimiter
from commerce.ports.uow import UnitOfWorkFactory

log = logging.getLogger("storelink.sender")
# Outbox rows name their Bot API method as data, so the generic do_api_request is the point;
# PTB's hint to use the typed method instead does not apply.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

MARK_TTL = 24 * 3600.0  # seconds an unsettled row's attempt mark is kept (longer than any retrying)
RUN_OF_FAILURES = 6  # consecutive transient failures before a chat is left for later
GIVE_UP_AFTER = 60  # attempts in all before a row is FAILED


class Attempts:
    def __init__(self, *, uow: UnitOfWorkFactory, bots: Mapping[BotKind, Bot], limiter: RateLimiter, metrics: Metrics,
                 files: Files, outcomes: Outcomes, marks: Deduplicator | None, urgent: Mapping[tuple[BotKind, int], SendLane],
                 lease: float, backoff_base: float, backoff_cap: float, settings: Mapping[str, str] | None = None) -> None:
        self.uow, self.bots, self.metrics = uow, bots, metrics
        # Secret values a row names rather than holds ({"setting": "payment_provider_token"}).
        self.settings = settings or {}
        self.pacing = Pacing(limiter, lease=lease)  # pacing.py: a reserved slot, then the send
        self.files, self.outcomes, self.marks = files, outcomes, marks
        # The most urgent lane asked for while a chat is being delivered (chat_delivery.py).
        self.urgent = urgent
        self.lease, self.backoff_base, self.backoff_cap = lease, backoff_base, backoff_cap

    async def deliver(self, message: OutboxMessage, lease: Lease | None = None, *, lane: SendLane | None = None) -> OutboxStatus:
        """Send one row until Telegram gives a final answer or a run of failures ends it.
        The chat's lock is renewed before every attempt: a worker that lost it (a long
        retry_after, a stall) stops before sending, instead of racing the new holder."""
        assert message.id is not None
        doubt = Doubt(self.marks, message.id)
        status = await self._send_until_answered(message, lease, doubt, message.purpose.lane if lane is None else lane)
        if status is not OutboxStatus.PENDING:  # settled: no one will send it again
            await doubt.clear(lease)
        return status

    async def _send_until_answered(self, message: OutboxMessage, lease: Lease | None, doubt: Doubt,
                                   lane: SendLane) -> OutboxStatus:
        assert message.id is not None
        bot = self.bots[message.bot]
        settle = self.outcomes.settle
        attempts, failures = message.attempts, 0
        paid = bool(message.params.get("allow_paid_broadcast"))
        key = (message.bot, message.chat_id)

        def hurried() -> SendLane:  # a reply queued meanwhile hurries the row
            nonlocal lane
            lane = min(lane, self.urgent.get(key, lane))
            return lane

        while True:
            await self.pacing.wait_for_slot(message.bot.value, message.chat_id, paid=paid, lane=hurried, lease=lease,
                                            doubt=doubt)
            if lease is not None:
                await lease.keep()
            await doubt.before_attempt()
            attempts += 1
            called: float | None = None  # set once the send is under way: only its answer is timed
            try:
                params, uploads = await self.files.resolve(message)
                await self._resolve_message_refs(params)
                params = self._fill_settings(params)
                called = started()
                result = await bot.do_api_request(message.method, api_kwargs={"chat_id": message.chat_id, **params})
            except RetryAfter as exc:  # one call per retry_after, however long it is
                self._timed(message, called, "retried")
                await doubt.refused()
                self.metrics.inc("storelink_messages_retried_total", message.bot)
                await self.pacing.sleep(_retry_after(exc), lease)
                continue
            except Forbidden as exc:
                self._timed(message, called, "unreachable")
                self.metrics.inc("storelink_messages_unreachable_total", message.bot)
                return await settle(message, OutboxStatus.UNREACHABLE, attempts, error=str(exc))
            except (BadRequest, InvalidToken) as exc:
                if _not_modified(exc):  # its effect is there already: an answer like a send's
                    self._timed(message, called, "sent")
                    self.metrics.inc("storelink_messages_unchanged_total", message.bot)
                    return await settle(message, OutboxStatus.SENT, attempts)
                problem = DeliveryProblem.TOO_LONG if _too_long(exc) else DeliveryProblem.REFUSED
                # Telegram's description names the rule broken, never the message's words.
                log.warning("Telegram refused outbox row %s (%s, %s): %s", message.id, message.method, problem, exc)
                self._timed(message, called, "failed")
                self.metrics.inc("storelink_messages_failed_total", message.bot)
                return await settle(message, OutboxStatus.FAILED, attempts, error=f"{problem}: {exc}")
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
                    return await settle(message, OutboxStatus.FAILED, attempts, error=f"{DeliveryProblem.REFUSED}: {exc}")
                if failures >= RUN_OF_FAILURES:
                    return await settle(message, OutboxStatus.PENDING, attempts, error=str(exc))
                self.metrics.inc("storelink_messages_retried_total", message.bot)
                await asyncio.sleep(self._backoff(failures))
                continue
            except TelegramError as exc:  # unknown method, chat migrated, conflict: final answers
                log.warning("Telegram refused outbox row %s (%s): %s", message.id, message.method, type(exc).__name__)
                self._timed(message, called, "failed")
                self.metrics.inc("storelink_messages_failed_total", message.bot)
                return await settle(message, OutboxStatus.FAILED, attempts,
                                    error=f"{DeliveryProblem.REFUSED}: {type(exc).__name__}: {exc}")
            self._timed(message, called, "sent")
            if doubt.copies:  # earlier attempts that may have been delivered too
                self.metrics.inc("storelink_messages_possible_duplicates_total", message.bot, doubt.copies)
            self.metrics.inc("storelink_messages_sent_total", message.bot)
            message_id, album = media_groups.sent_ids(result)
            status = await settle(message, OutboxStatus.SENT, attempts, telegram_message_id=message_id, album_message_ids=album)
            # After settling: a cache miss costs an upload, not a resend.
            await self.files.remember(message, uploads, result)
            return status

    def _timed(self, message: OutboxMessage, called: float | None, outcome: str) -> None:
        """One Bot API call's latency, by its answer; nothing when the attempt failed before
        the call (a file to resolve, a message to refer to)."""
        if called is not None:
            self.metrics.observe(SEND_LATENCY, called, bot=message.bot, method=message.method, outcome=outcome)

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

    def _fill_settings(self, params: dict[str, Any]) -> dict[str, Any]:
        """A secret (the invoice's provider token) waits in its row as the name of the
        setting that holds it: the database never sees the value. A process without the
        setting cannot send the row (refused, FAILED)."""
        filled = dict(params)
        for name, value in params.items():
            if isinstance(value, dict) and set(value) == {"setting"}:
                secret = self.settings.get(str(value["setting"]))
                if secret is None:
                    raise BadRequest(f"the setting {value['setting']} is not configured")
                filled[name] = secret
        return filled

    async def _sent_message_id(self, ref: dict[str, Any]) -> int | None:
        async with self.uow() as uow:
            if "item" in ref and "outbox_id" in ref:  # one item of an album
                return await uow.albums.message_at(int(ref["outbox_id"]), int(ref["item"]))
            row = await uow.outbox.get(int(ref["outbox_id"])) if "outbox_id" in ref else None
        return row.telegram_message_id if row is not None else None

    def _backoff(self, failures: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
        return ceiling / 2 + random.random() * ceiling / 2  # jitter keeps workers apart


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


def may_have_arrived(exc: NetworkError) -> bool:
    """A 5xx is an answer: Telegram did not take the call. A timeout or a connection lost
    after the request left is not: the message may be in the chat already."""
    if never_sent(exc):
        return False  # the request never left this process
    return isinstance(exc, TimedOut) or exc.__cause__ is not None


class Doubt:
    """How many copies of one outbox row may already be in the chat, unheard of.

    The mark (a key in the shared dedupe store, set before the first attempt) outlives
    this worker: found already set, an earlier worker tried the row and never recorded the
    answer, so one copy may be there. Each attempt of ours whose answer was lost adds one.
    A refusal (429, 5xx) proves that attempt changed nothing: with no doubt so far the
    mark is dropped, so a row that only ever met refusals is never counted."""

    ttl = MARK_TTL

    def __init__(self, marks: Deduplicator | None, outbox_id: int) -> None:
        self.marks, self.key = marks, f"outbox-attempt:{outbox_id}"
        self.copies = 0
        self._marked = False

    @property
    def wants_mark(self) -> bool:
        """The mark is still to be set: the rate limiter may set it with the slot it
        reserves (pacing.py), one round trip for both."""
        return self.marks is not None and not self._marked

    def marked(self, set_now: bool) -> None:
        """The mark was set with the slot (set_now), or found there already."""
        if not set_now:
            self.copies += 1
        self._marked = True

    async def before_attempt(self) -> None:
        if self.marks is None or self._marked:
            return
        self.marked(await self.marks.first_seen(self.key, MARK_TTL))

    def lost(self) -> None:
        self.copies += 1

    async def refused(self) -> None:
        if self.marks is not None and self._marked and not self.copies:
            await self.marks.forget(self.key)
            self._marked = False

    async def clear(self, lease: Lease | None = None) -> None:
        """The row is settled: the mark goes, with the chat's lease when that can take it
        along (one round trip for the chat's marks and its release), else now."""
        if self.marks is not None and self._marked:
            if lease is None or not lease.forget_on_release(self.key):
                await self.marks.forget(self.key)
            self._marked = False
