"""The crash test: a burst of 500 member messages reaches the associates while Telegram
answers some sends with 429 and 5xx and one of the two senders dies mid-way.

Given three associates with 25 members between them (9, 8 and 8), and two senders: the
stack's own process (which also takes the updates) and a second one that dies.

- PostgreSQL + Redis: the second sender is a real OS process running only the sender
  (`storelink run --only sender`, started through tests/e2e/crash_sender.py so that it
  gets this stack's limits and Redis namespace), killed with SIGKILL: its chats' leases
  and its unacknowledged jobs stay in Redis, as after any crash.
- SQLite + in-process backends: in-process queues and locks live in one OS process, so
  the second sender is a second Sender inside the stack's process, sharing its backends
  and database. Its death first cuts every connection it has to them (a dead process
  has none) and then cancels its tasks, so nothing it held is released and no job it
  took is acknowledged: what a crash leaves behind.

Limits: Telegram's (1 message/s per chat with bursts of 3, 30/s per bot) would make 500
messages into three associate chats take three minutes. The per-chat limit is scaled
30 times (30/s, bursts of 5) and the bot's 4 times (120/s): three chats at 30/s (90/s)
stay under the bot's 120/s, so each chat's own bucket paces its messages and the busiest
chat (180 messages) needs at least (180 - 5) / 30 ≈ 5.8 s; the test checks every stretch
of every chat against its bucket, most telling where a backlog built up (after the
death, while the dead sender's chats waited for their leases to run out). The
sandbox enforces a little more than we allow ourselves (40/s, bursts of 8, 200/s), as
Telegram does above its published figures, so its 429s here are the injected ones.

Duplicates: a copy is sent twice only when an attempt may have reached Telegram without
its answer reaching us: a dropped response, or a worker that died between its call and
recording it. The first phase drops nothing on purpose, so its duplicates can only come
from the rows the dead sender had in flight (at most one per chat), and every one is
counted in storelink_messages_possible_duplicates_total. The second phase drops four
responses on purpose: the metric then counts exactly four, and the chats show exactly
four duplicates.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest

from bot.runtime.metrics import Metrics
from bot.runtime.sender import Sender
from commerce.outbox import OutboxStatus
from storage.backends import SendLimits
from tests.e2e.processes import (
    STORELINK,
    VICTIM,
    CrashingProcess,
    Team,
    assert_complete_and_in_order,
    clean_env,
    copies,
    delivered,
    seed_team,
    until,
    write,
)

ASSOCIATES, MEMBERS, PER_MEMBER = 3, 25, 20  # 500 messages in the burst
LIMITS = SendLimits(global_rate=120.0, global_burst=30, per_chat_rate=30.0, per_chat_burst=5)
LEASE = 4.0  # seconds before a dead sender's chats and jobs go to the other
SWEEP = 1.0
DROPPED, LATER_MEMBERS, LATER_PER_MEMBER = 4, 12, 5  # the second phase: 60 messages, 4 lost answers


@pytest.fixture
def stack_limits() -> SendLimits:
    return LIMITS


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"sender_lease": LEASE, "sender_sweep_every": SWEEP}


# --- given: associates, their members, and a second sender -----------------------------


class CrashingWorker:
    """The second sender inside the stack's process (SQLite + in-process backends)."""

    def __init__(self, stack) -> None:
        runtime = stack.runtime
        first, backends = runtime.sender, runtime.backends
        self.cut = False
        self._uow = runtime.database.uow
        self.sender = Sender(
            uow=self._connect, queue=_Severable(backends.queue, self), lock=_Severable(backends.lock, self),
            limiter=_Severable(backends.limiter, self), marks=_Severable(backends.dedupe, self), bots=first.bots,
            clock=runtime.options.clock, metrics=Metrics(), name=VICTIM, on_unreachable=first.on_unreachable,
            policy=first.policy, on_undelivered=first.on_undelivered, backoff_base=0.02, lease=LEASE,
        )
        self.task: asyncio.Task[None] | None = None

    def _connect(self):
        if self.cut:
            raise ConnectionError("this worker is dead")
        return self._uow()

    async def start(self) -> None:
        self.task = asyncio.create_task(self.sender.run(sweep_every=SWEEP, reclaim_every=SWEEP))

    async def holds_work(self) -> bool:
        return bool(self.sender.delivering)

    async def kill(self) -> None:
        self.cut = True
        tasks = [self.task, *self.sender._tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        if not self.cut:
            await self.kill()


class _Severable:
    """A backend as one worker reaches it: once the worker is dead, every call fails, so
    the cancelled tasks' clean-up (releasing a lock, acknowledging a job) never lands."""

    def __init__(self, backend: Any, worker: CrashingWorker) -> None:
        self._backend, self._worker = backend, worker

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._backend, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self._worker.cut:
                raise ConnectionError("this worker is dead")
            return await method(*args, **kwargs)

        return call


async def second_sender(stack, stack_kind: str, tmp_path: Path) -> CrashingProcess | CrashingWorker:
    worker = CrashingProcess(stack, tmp_path / "second-sender.log", limits=LIMITS, lease=LEASE, sweep=SWEEP) if stack_kind == "postgres+redis" else CrashingWorker(stack)
    await worker.start()
    return worker


# --- when: a burst, faults, a death ---------------------------------------------------------


def count(stack, team: Team) -> int:
    """Copies in the associates' chats, duplicates included."""
    return sum(len(chat) for chat in copies(stack, team).values())


async def sent_by_sandbox(stack) -> int:
    return sum(1 for call in await stack.people.calls(bot=stack.associate_bot, method="sendMessage") if call["status"] == 200)


# --- then ---------------------------------------------------------------------------------


def duplicates(chats: dict[int, list[tuple[str, int, float]]]) -> int:
    seen = Counter((user, member, seq) for user, chat in chats.items() for member, seq, _ in chat)
    return sum(n - 1 for n in seen.values())


def assert_429s_waited_out(calls: list[dict[str, Any]]) -> None:
    """After a 429 the chat's next call comes retry_after later, not sooner, whichever
    sender makes it: the holder waits with its lease renewed, so no one else steps in."""
    by_chat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for call in calls:
        by_chat[call["chat_id"]].append(call)
    for chat_calls in by_chat.values():
        chat_calls.sort(key=lambda call: call["time"])
        for refused, following in zip(chat_calls, chat_calls[1:], strict=False):
            if refused["status"] == 429:
                assert following["time"] - refused["time"] >= 0.95 * refused["parameters"]["retry_after"]


def assert_paced_by_the_chat_limit(chats) -> None:
    """No stretch of a chat went faster than its bucket allows (both senders share it): n
    copies in a row span at least (n - burst) / rate seconds on the sandbox's clock, less
    a little for the hop between the limiter's decision and the sandbox storing the copy."""
    burst, rate = LIMITS.per_chat_burst, LIMITS.per_chat_rate
    for chat in chats.values():
        stamps = sorted(at for *_, at in chat)
        for n in range(burst + 5, len(stamps) + 1, 5):
            fastest = min(stamps[i + n - 1] - stamps[i] for i in range(len(stamps) - n + 1))
            assert fastest >= 0.9 * (n - burst) / rate - 0.05, f"{n} copies in {fastest:.2f}s: faster than the limit"


async def assert_outbox_settled(stack) -> None:
    """Nothing pending and no job left: the dead sender's jobs were reclaimed and done."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 3 * LEASE
    while True:
        async with stack.runtime.services.uow() as uow:
            counts = await uow.outbox.count_by_status()
        depth = await stack.runtime.backends.queue.depth()
        if counts[OutboxStatus.PENDING] == depth == 0 or loop.time() > deadline:
            break
        await asyncio.sleep(0.1)
    assert (counts[OutboxStatus.PENDING], depth) == (0, 0)
    assert counts[OutboxStatus.FAILED] == counts[OutboxStatus.UNREACHABLE] == 0


# --- the test -------------------------------------------------------------------------------


async def test_a_burst_reaches_every_associate_in_order_through_429s_5xx_a_killed_sender_and_lost_answers(
    stack, stack_kind, tmp_path
):
    team = await seed_team(stack, ASSOCIATES, MEMBERS)
    limits = stack.sandbox.limits
    limits.per_chat_rate, limits.per_chat_burst, limits.global_rate = 40.0, 8, 200.0
    worker = await second_sender(stack, stack_kind, tmp_path)
    metrics = stack.metrics
    try:
        await stack.people.fail_randomly(0.05, status=502, method="sendMessage", bot=stack.associate_bot, seed=5)
        await stack.people.fail_randomly(0.02, status=429, retry_after=1, method="sendMessage", bot=stack.associate_bot, seed=6)

        # When 500 messages arrive at once and the second sender dies with a third delivered,
        burst = asyncio.create_task(write(stack, team, range(MEMBERS), range(PER_MEMBER)))
        await until(lambda: delivered(stack, team) >= MEMBERS * PER_MEMBER // 3, 60.0, "a third delivered")
        # (it takes a chat whenever one is free as its job comes up: on a busy machine that
        # can take a while, so the wait is bounded by the burst's delivery, not by a clock)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60.0
        while not await worker.holds_work():
            assert delivered(stack, team) < MEMBERS * PER_MEMBER, "the burst was delivered before the second sender took a chat"
            assert loop.time() < deadline, "the second sender never took a chat"
            await asyncio.sleep(0.01)
        await worker.kill()
        await burst
        await until(lambda: delivered(stack, team) == MEMBERS * PER_MEMBER, 60.0, "every message delivered")
        await assert_outbox_settled(stack)

        # then every message reached its associate, in each member's order, paced by the limiter,
        chats = copies(stack, team)
        assert_complete_and_in_order(chats, team, {f"m{n:02d}": list(range(PER_MEMBER)) for n in range(MEMBERS)})
        assert_paced_by_the_chat_limit(chats)
        # through the injected refusals, waited out and retried,
        calls = await stack.people.calls(bot=stack.associate_bot, method="sendMessage")
        statuses = Counter(call["status"] for call in calls)
        assert statuses[429] > 0 and statuses[502] > 0
        assert_429s_waited_out(calls)
        assert metrics.value("storelink_messages_retried_total", "associate") > 0
        # with both senders at work before one died (what the survivor did not send, the dead one did),
        sent_by_survivor = metrics.value("storelink_messages_sent_total", "associate")
        assert await sent_by_sandbox(stack) > sent_by_survivor
        # and a copy twice only where the dead sender's call may have landed unheard: each one counted.
        possible = metrics.value("storelink_messages_possible_duplicates_total")
        assert duplicates(chats) <= possible <= duplicates(chats) + ASSOCIATES

        # When answers to sends Telegram took are lost on purpose,
        await stack.people.drop_responses(DROPPED, method="sendMessage", bot=stack.associate_bot)
        before = (count(stack, team), possible, duplicates(chats))
        await write(stack, team, range(LATER_MEMBERS), range(PER_MEMBER, PER_MEMBER + LATER_PER_MEMBER))
        later = LATER_MEMBERS * LATER_PER_MEMBER
        await until(lambda: delivered(stack, team) == MEMBERS * PER_MEMBER + later, 30.0, "the later messages")
        await assert_outbox_settled(stack)

        # then each lost answer made exactly one duplicate, and the metric counted exactly those.
        chats = copies(stack, team)
        assert count(stack, team) == before[0] + later + DROPPED
        assert duplicates(chats) - before[2] == DROPPED
        assert metrics.value("storelink_messages_possible_duplicates_total") - before[1] == DROPPED
        expected = {f"m{n:02d}": list(range(PER_MEMBER + (LATER_PER_MEMBER if n < LATER_MEMBERS else 0))) for n in range(MEMBERS)}
        assert_complete_and_in_order(chats, team, expected)
        assert "storelink_messages_possible_duplicates_total{bot=\"associate\"}" in generate_latest(metrics.registry).decode()
    finally:
        await stack.people.clear_faults()
        await worker.close()


async def test_a_sender_only_process_without_redis_is_refused_in_one_line(tmp_path):
    """In-process queues and locks are one process's own: a second sender without Redis
    would send the first one's chats again, so it never starts."""
    env = clean_env(consumer_bot_token="123456:" + "a" * 35, associate_bot_token="654321:" + "b" * 35,
                    database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}")
    process = await asyncio.create_subprocess_exec(*STORELINK, "run", "--only", "sender", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)

    assert process.returncode == 2
    assert stderr.decode().strip() == (
        "storelink: --only sender needs STORELINK_REDIS_URL (senders share the queue and locks through Redis)")
