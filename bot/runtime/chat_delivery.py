"""Delivering one chat: its pending rows in id order, under the chat's lease.

One task per chat per process: jobs for a chat this process is already on (holding its
lock or waiting for it) only ask that task to read once more before letting go, instead of
each spinning on the lock (a burst publishes a job per message). Before each row's first
attempt the send policy (commerce.sending) may hold it, drop it, or find the chat known
unreachable; a 403 makes the chat's other pending rows UNREACHABLE too; a run of failures
leaves the chat for later, when the sweep brings it back in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from bot.runtime import chat_lease
from bot.runtime.attempts import Attempts
from bot.runtime.chat_lease import Lease
from bot.runtime.outcomes import Outcomes
from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxStatus, SendLane
from commerce.ports.backends import Lock, SendPolicy
from commerce.ports.uow import Clock, UnitOfWorkFactory
from commerce.sending import Drop, Hold

LATER = 20.0  # seconds before the sweep brings back a chat left for later
BATCH = 20  # rows read at once from one chat

Chat = tuple[BotKind, int]


class ChatDelivery:
    def __init__(self, *, single: UnitOfWorkFactory, lock: Lock, clock: Clock, policy: SendPolicy,
                 attempts: Attempts, outcomes: Outcomes, urgent: dict[Chat, SendLane],
                 on_unreachable: Callable[[BotKind, int], Awaitable[None]], lease: float,
                 stopping: asyncio.Event) -> None:
        self.single, self.lock, self.clock = single, lock, clock
        self.policy = policy  # asked before each row's first attempt (commerce.sending)
        self.attempts, self.outcomes = attempts, outcomes
        self.on_unreachable = on_unreachable
        self.lease, self._stopping = lease, stopping
        self._later: dict[Chat, float] = {}  # chats left for later, until when (loop time)
        self._active: set[Chat] = set()  # chats a task of this process is on
        self._again: set[Chat] = set()  # ... and must read once more before letting go
        self._held: set[Chat] = set()  # chats whose lock this process holds
        # The most urgent lane a job asked for while its chat was being delivered here: the
        # row going out inherits it (shared with the attempts, which read it before each).
        self._urgent = urgent

    @property
    def held(self) -> frozenset[Chat]:
        return frozenset(self._held)

    def leave_for_later(self, chat: Chat) -> None:
        self._later[chat] = asyncio.get_running_loop().time() + LATER

    def forget_past_later(self) -> None:
        """Drop the chats whose time to wait is over: the sweep may bring them back."""
        loop_now = asyncio.get_running_loop().time()
        self._later = {chat: until for chat, until in self._later.items() if until > loop_now}

    def left_alone(self, chat: Chat) -> bool:
        """Neither left for later nor being delivered here: the sweep may publish it."""
        return chat not in self._later and chat not in self._active

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
        lease: Lease | None = None
        try:
            token = await chat_lease.take(self.lock, name, self.lease)
            self._held.add(key)
            lease = Lease(self.lock, name, token, self.lease)
            self._later.pop(key, None)
            while not self._stopping.is_set():
                self._again.discard(key)
                async with self.single() as uow:
                    batch = await uow.outbox.pending_for_chat(bot, chat_id, BATCH, due=self.clock.now())
                if not batch:
                    if key in self._again:  # a job came while reading: its row may be newer
                        continue
                    return
                if not await self._deliver_batch(key, batch, lease):
                    return
                if len(batch) < BATCH and key not in self._again:  # that was all, and no job came since
                    return
        finally:
            # Before any await: a job arriving from here on starts a task of its own.
            self._active.discard(key)
            self._again.discard(key)
            self._held.discard(key)
            self._urgent.pop(key, None)
            if lease is not None:
                await lease.release()

    async def _deliver_batch(self, key: Chat, batch: Sequence[OutboxMessage], lease: Lease) -> bool:
        """Each row of the batch, asking the policy first; False when the chat is done for
        now (stopping, unreachable, or left for later)."""
        bot, chat_id = key
        for message, behind in zip(batch, _most_urgent_behind(batch), strict=True):
            if self._stopping.is_set():  # the rest waits for the next process
                return False
            decision = await self.policy.decide(message, self.clock.now())
            if isinstance(decision, Hold):  # out of line until then; the rest goes on
                await self.outcomes.hold(message, decision)
                continue
            if isinstance(decision, Drop) and decision.status is OutboxStatus.UNREACHABLE:
                await self.outcomes.mark_rest_unreachable(bot, chat_id, decision.reason)  # known blocked: no call at all
                return False
            if isinstance(decision, Drop):
                await self.outcomes.settle(message, decision.status, message.attempts, error=decision.reason)
                continue
            outcome = await self.attempts.deliver(message, lease, lane=behind)
            if outcome is OutboxStatus.UNREACHABLE:
                await self.outcomes.mark_rest_unreachable(bot, chat_id)
                await self.on_unreachable(bot, chat_id)
                return False
            if outcome is OutboxStatus.PENDING:  # a run of failures: later, in order
                self.leave_for_later(key)
                return False
        return True


def _most_urgent_behind(batch: Sequence[OutboxMessage]) -> list[SendLane]:
    """For each row, the most urgent lane among it and the rows after it in the batch."""
    lanes: list[SendLane] = []
    for message in reversed(batch):
        lanes.append(min(message.purpose.lane, lanes[-1]) if lanes else message.purpose.lane)
    return lanes[::-1]
