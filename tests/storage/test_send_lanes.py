"""The sender's lanes, in-process and on Redis: a backlog in a later lane never keeps a
job of an earlier lane waiting, in the queue or in the bot's rate limit."""

from __future__ import annotations

import asyncio
import time

import pytest

from commerce.outbox import SendLane
from commerce.ports.backends import Refusal, Slot
from storage.backends import Backends, SendLimits

CONVERSATION, NOTICE, BULK = SendLane.CONVERSATION, SendLane.NOTICE, SendLane.BULK


async def publish(backends: Backends, lane: SendLane, n: int) -> list[str]:
    return [await backends.queue.publish({"chat_id": str(lane * 1000 + i)}, lane) for i in range(n)]


# --- the queue ---------------------------------------------------------------------


async def test_a_reply_published_after_a_campaign_backlog_is_taken_first(backends: Backends, other_process: Backends):
    await publish(backends, BULK, 300)
    await publish(backends, NOTICE, 2)
    [reply] = await publish(other_process, CONVERSATION, 1)

    jobs = await other_process.queue.consume("a", count=4, block_ms=0)

    assert [(job.id, job.lane) for job in jobs[:1]] == [(reply, CONVERSATION)]
    assert [job.lane for job in jobs] == [CONVERSATION, NOTICE, NOTICE, BULK]


async def test_a_consumer_can_leave_the_bulk_lane_alone(backends: Backends):
    await publish(backends, BULK, 3)

    assert await backends.queue.consume("a", count=10, block_ms=0, lanes=[CONVERSATION, NOTICE]) == []
    started = time.monotonic()
    assert await backends.queue.consume("a", count=10, block_ms=100, lanes=[CONVERSATION, NOTICE]) == []
    assert time.monotonic() - started >= 0.09  # it waited for its own lanes only
    assert len(await backends.queue.consume("a", count=10, block_ms=0)) == 3


async def test_a_blocked_consumer_wakes_for_a_job_in_any_lane(backends: Backends, other_process: Backends):
    started = time.monotonic()
    waiting = asyncio.create_task(backends.queue.consume("a", count=5, block_ms=3000))
    await asyncio.sleep(0.1)
    assert not waiting.done()

    [job_id] = await publish(other_process, BULK, 1)
    jobs = await asyncio.wait_for(waiting, timeout=2)

    assert [(job.id, job.lane) for job in jobs] == [(job_id, BULK)]
    assert time.monotonic() - started < 1.0  # woken by the job, not by the timeout


async def test_each_lane_acks_and_counts_its_own_jobs(backends: Backends):
    await publish(backends, CONVERSATION, 1)
    await publish(backends, BULK, 2)
    jobs = await backends.queue.consume("a", count=10, block_ms=0)
    assert (await backends.queue.depth(), await backends.queue.depth(BULK)) == (3, 2)

    for job in jobs:
        await backends.queue.ack(job.id, job.lane)

    assert await backends.queue.depth() == 0
    assert await backends.queue.consume("b", count=10, block_ms=0) == []
    assert await backends.queue.reclaim("b", min_idle_ms=0, count=10) == []


async def test_a_dead_consumers_jobs_are_reclaimed_earlier_lanes_first(backends: Backends):
    [campaign] = await publish(backends, BULK, 1)
    [reply] = await publish(backends, CONVERSATION, 1)
    assert len(await backends.queue.consume("dead", count=10, block_ms=0)) == 2

    await asyncio.sleep(0.45)
    reclaimed = await backends.queue.reclaim("b", min_idle_ms=400, count=10)

    assert [(job.id, job.lane, job.deliveries) for job in reclaimed] == [(reply, CONVERSATION, 2), (campaign, BULK, 2)]


# --- the bot's rate limit ------------------------------------------------------------

# 10 a second, a burst of 6; each lane sees the bucket 2 messages fuller than the one
# before it: bulk may send 2 at once, notices 4, 1:1 the whole 6. Notices and bulk may
# reserve 1 slot past that; 1:1 as far as it must.
LANES = SendLimits(global_rate=10, global_burst=6, per_chat_rate=10, per_chat_burst=3, lane_reserve=2, lane_horizon=1, slack=0)
INTERVAL, CALLS = 0.1, 0.02


async def answers(limiter, lane: SendLane, first_chat: int, until_refused: bool = True, most: int = 20) -> list[Slot]:
    """The lane's answers for messages to distinct chats, up to its first refusal."""
    found = []
    for chat in range(first_chat, first_chat + most):
        found.append(slot := await limiter.reserve("consumer", chat, lane=lane))
        if until_refused and not slot.reserved:
            break
    return found


def at_once(slots: list[Slot]) -> int:
    return sum(1 for slot in slots if slot == Slot(0.0))


async def test_a_saturated_later_lane_leaves_the_earlier_lanes_their_reserve_less_its_horizon(connect_backends):
    here, there = (await connect_backends(LANES)).limiter, (await connect_backends(LANES)).limiter

    bulk = await answers(here, BULK, 1000)
    notices = await answers(there, NOTICE, 2000)
    replies = await answers(here, CONVERSATION, 3000, until_refused=False, most=3)

    # Bulk: 2 at once, 1 reserved, refused. Notices: 1 at once (their reserve of 2 less
    # bulk's reservation), 1 reserved, refused. Replies: 1 at once, then reserved slots.
    assert [at_once(bulk), len(bulk), bulk[-1].refused] == [2, 4, Refusal.LANE]
    assert [at_once(notices), len(notices), notices[-1].refused] == [1, 3, Refusal.LANE]
    assert at_once(replies) == 1 and all(slot.reserved for slot in replies)
    assert (await there.reserve("consumer", 4000, lane=BULK)).refused is Refusal.LANE


async def test_the_first_lane_wins_the_next_slot_whoever_waits(connect_backends):
    here, there = (await connect_backends(LANES)).limiter, (await connect_backends(LANES)).limiter
    await answers(here, BULK, 1000)
    await answers(here, CONVERSATION, 2000, until_refused=False, most=4)  # the whole bucket and one more

    bulk = await there.reserve("consumer", 3000, lane=BULK)
    reply = await there.reserve("consumer", 3001, lane=CONVERSATION)

    assert bulk.refused is Refusal.LANE and reply.reserved
    assert 0.0 < reply.wait < bulk.wait
    assert bulk.wait - reply.wait >= 4 * INTERVAL - CALLS  # two lanes of two messages


async def test_a_reply_queues_behind_no_more_than_the_horizon_of_a_later_lanes_reservations(connect_backends):
    # No reserve at all: the lanes see the same bucket, and bulk may reserve 3 ahead.
    limits = SendLimits(global_rate=10, global_burst=6, per_chat_rate=10, per_chat_burst=3, lane_reserve=0, lane_horizon=3, slack=0)
    limiter = (await connect_backends(limits)).limiter
    bulk = await answers(limiter, BULK, 1000)

    reply = await limiter.reserve("consumer", 2000, lane=CONVERSATION)

    assert [at_once(bulk), len(bulk)] == [6, 10]
    assert reply.wait == pytest.approx(4 * INTERVAL, abs=CALLS)  # right after bulk's 3 reserved slots


def test_a_tiny_burst_keeps_one_message_for_every_lane():
    tiny = SendLimits(global_rate=5, global_burst=1, lane_reserve=10)

    for lane in SendLane:
        rule = tiny.bot_rule(paid=False, lane=lane)
        assert rule.tolerance_us == rule.interval_us
