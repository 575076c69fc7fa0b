"""One contract, two backends: every test here runs in-process and on Redis.

Limits and TTLs are short so real waits stay short, yet wide enough that what must happen
within one does so on a busy machine too (a paused process or a slow Redis round trip).
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from commerce.ports.backends import Refusal, Slot
from storage.backends import Backends, SendLimits


# --- dedupe ------------------------------------------------------------------------


async def test_first_seen_is_true_once_per_key(backends: Backends):
    assert await backends.dedupe.first_seen("update:1", ttl_seconds=60) is True
    assert await backends.dedupe.first_seen("update:1", ttl_seconds=60) is False
    assert await backends.dedupe.first_seen("update:2", ttl_seconds=60) is True


async def test_first_seen_is_true_again_once_the_ttl_has_passed(backends: Backends):
    assert await backends.dedupe.first_seen("update:1", ttl_seconds=0.5) is True
    assert await backends.dedupe.first_seen("update:1", ttl_seconds=0.5) is False

    await asyncio.sleep(0.55)

    assert await backends.dedupe.first_seen("update:1", ttl_seconds=0.5) is True


async def test_forget_makes_a_key_new_again(backends: Backends):
    await backends.dedupe.first_seen("update:1", ttl_seconds=60)

    await backends.dedupe.forget("update:1")

    assert await backends.dedupe.first_seen("update:1", ttl_seconds=60) is True
    await backends.dedupe.forget("never-seen")  # forgetting an unknown key is fine


async def test_two_processes_race_for_the_same_key_only_one_wins(backends: Backends, other_process: Backends):
    contenders = [backends.dedupe, other_process.dedupe] * 10

    results = await asyncio.gather(*(d.first_seen("update:42", ttl_seconds=60) for d in contenders))

    assert results.count(True) == 1


# --- rate limiter ------------------------------------------------------------------

# Without slack (the limits to the microsecond), 10 messages/s: a slot comes back every 100 ms, long enough that a burst of calls
# (a few ms on Redis) never sees one return, short enough to wait for in a test.
PER_CHAT = SendLimits(global_rate=1000, global_burst=1000, per_chat_rate=10, per_chat_burst=3, slack=0)
BOT_WIDE = SendLimits(global_rate=10, global_burst=5, per_chat_rate=10, per_chat_burst=3, slack=0)
INTERVAL = 0.1  # BOT_WIDE's
CALLS = 0.02  # how much the clock may move over a handful of calls on a busy machine


async def test_limiter_allows_a_short_burst_per_chat_then_holds_the_chat_back(connect_backends):
    limiter = (await connect_backends(PER_CHAT)).limiter

    burst = [await limiter.reserve("consumer", 100) for _ in range(3)]
    fourth = await limiter.reserve("consumer", 100)

    assert burst == [Slot(0.0)] * 3
    assert fourth.refused is Refusal.CHAT and 0.0 < fourth.wait <= 1 / 10
    assert await limiter.reserve("consumer", 200) == Slot(0.0)  # another chat is not held back


SLOW_CHAT = SendLimits(global_rate=1000, global_burst=1000, per_chat_rate=2, per_chat_burst=3, slack=0)


async def test_a_chat_held_back_takes_nothing_and_may_send_after_the_wait(connect_backends):
    # One slot every half second: "only one came back" holds even if the sleep ends late.
    limiter = (await connect_backends(SLOW_CHAT)).limiter
    for _ in range(3):
        await limiter.reserve("consumer", 100)
    refusals = [await limiter.reserve("consumer", 100) for _ in range(5)]

    await asyncio.sleep(refusals[0].wait + 0.005)

    assert all(r.refused is Refusal.CHAT for r in refusals)
    assert refusals[-1].wait <= refusals[0].wait  # the refusals pushed nothing later
    assert await limiter.reserve("consumer", 100) == Slot(0.0)
    assert (await limiter.reserve("consumer", 100)).refused is Refusal.CHAT  # only one slot came back


async def test_a_backlog_across_chats_gets_reserved_slots_one_interval_apart(connect_backends):
    limiter = (await connect_backends(BOT_WIDE)).limiter

    burst = [await limiter.reserve("consumer", chat) for chat in range(1, 6)]
    backlog = [await limiter.reserve("consumer", chat) for chat in range(6, 11)]

    assert burst == [Slot(0.0)] * 5
    assert all(slot.reserved for slot in backlog)
    assert [slot.wait for slot in backlog] == pytest.approx([n * INTERVAL for n in range(1, 6)], abs=CALLS)
    assert await limiter.reserve("associate", 6) == Slot(0.0)  # each bot has its own budget


async def test_a_reserved_slot_is_never_given_twice(connect_backends):
    limiter = (await connect_backends(BOT_WIDE)).limiter
    for chat in range(1, 6):
        await limiter.reserve("consumer", chat)
    asked = time.monotonic()
    mine = await limiter.reserve("consumer", 6)
    my_slot = asked + mine.wait

    await asyncio.sleep(mine.wait)  # my slot has come: I send without asking again
    asked = time.monotonic()
    theirs = await limiter.reserve("consumer", 7)
    their_slot = asked + theirs.wait

    assert mine.reserved and theirs.reserved
    # The next slot, not mine: one interval after it, however late this task woke up.
    assert INTERVAL - CALLS <= their_slot - my_slot <= INTERVAL + CALLS


async def test_concurrent_waiters_in_two_processes_get_distinct_slots(connect_backends):
    here, there = (await connect_backends(BOT_WIDE)).limiter, (await connect_backends(BOT_WIDE)).limiter
    loop = asyncio.get_running_loop()

    async def ask(limiter, chat: int) -> float:
        slot = await limiter.reserve("consumer", chat)
        assert slot.reserved
        return loop.time() + slot.wait  # when this waiter sends

    sends = sorted(await asyncio.gather(*(ask(here if chat % 2 else there, chat) for chat in range(40))))

    # Five at once, then one every 100 ms: no two of the 35 later ones share a slot.
    gaps = [b - a for a, b in itertools.pairwise(sends[5:])]
    assert sends[4] - sends[0] < CALLS * 2
    assert min(gaps) >= INTERVAL - CALLS * 2
    assert sends[-1] - sends[0] == pytest.approx(35 * INTERVAL, abs=CALLS * 2)


async def test_limiter_without_a_chat_uses_only_the_bot_bucket(connect_backends):
    limiter = (await connect_backends(BOT_WIDE)).limiter

    results = [await limiter.reserve("consumer", None) for _ in range(6)]

    assert results[:5] == [Slot(0.0)] * 5  # more than the per-chat burst of 3
    assert results[5].reserved and INTERVAL - CALLS <= results[5].wait <= INTERVAL


async def test_paid_broadcast_allows_more(connect_backends):
    limits = SendLimits(global_rate=10, global_burst=5, per_chat_rate=1, per_chat_burst=1, paid_rate=200, paid_burst=40, slack=0)
    limiter = (await connect_backends(limits)).limiter

    free = [await limiter.reserve("consumer", chat) for chat in range(1, 31)]
    paid = [await limiter.reserve("associate", chat, paid=True) for chat in range(1, 61)]

    # Free: five at once, then reserved 100 ms apart; paid: forty at once, then 5 ms apart.
    assert free[:5] == [Slot(0.0)] * 5
    assert free[-1].wait == pytest.approx(25 * 0.1, abs=0.1)  # 30 calls in a row may take tens of ms
    assert paid[:40] == [Slot(0.0)] * 40
    assert paid[-1].wait <= 20 * 0.005
    again = await limiter.reserve("associate", 1, paid=True)
    assert again.refused is Refusal.CHAT  # the chat limit still holds


# Telegram's 20 a minute into a group, scaled down to 20 in 0.6 s; the chat and bot
# buckets are wide open so only the group rule can hold a message back.
GROUP = SendLimits(global_rate=1000, global_burst=1000, per_chat_rate=1000, per_chat_burst=1000,
                   per_group_count=20, per_group_window=0.6, per_group_burst=3, slack=0)
A_GROUP, A_PERSON = -1001234567890, 4242


async def test_the_21st_message_into_a_group_within_its_window_waits(connect_backends):
    limiter = (await connect_backends(GROUP)).limiter
    loop = asyncio.get_running_loop()

    # When the group is sent to as fast as the limiter allows, 21 times.
    sent_at, waits, answers = [], [], []
    while len(sent_at) < 21:
        slot = await limiter.reserve("associate", A_GROUP)
        answers.append(slot)
        if slot.wait:
            waits.append(slot.wait)
            await asyncio.sleep(slot.wait)
        if slot.reserved:
            sent_at.append(loop.time())
    person = [await limiter.reserve("associate", A_PERSON) for _ in range(10)]

    assert waits, "the group rule held messages back"
    assert answers[:3] == [Slot(0.0)] * 3  # a burst of three went at once
    assert sent_at[20] - sent_at[0] >= 0.6 * 0.97  # the 21st waited for the window to pass
    assert person == [Slot(0.0)] * 10  # a private chat is not held back by the group


async def test_a_refused_group_message_takes_nothing(connect_backends):
    limiter = (await connect_backends(GROUP)).limiter
    for _ in range(3):
        assert await limiter.reserve("associate", A_GROUP) == Slot(0.0)

    refusals = [await limiter.reserve("associate", A_GROUP) for _ in range(5)]

    assert all(r.refused is Refusal.CHAT and 0.0 < r.wait <= 0.6 / 18 for r in refusals)
    assert await limiter.reserve("associate", -5) == Slot(0.0)  # another group has its own budget


async def test_limiter_is_shared_by_all_processes(connect_backends):
    here, there = (await connect_backends(PER_CHAT)).limiter, (await connect_backends(PER_CHAT)).limiter
    for _ in range(3):
        assert await there.reserve("consumer", 100) == Slot(0.0)
    assert (await here.reserve("consumer", 100)).refused is Refusal.CHAT

    here, there = (await connect_backends(BOT_WIDE)).limiter, (await connect_backends(BOT_WIDE)).limiter
    for chat in range(5):
        assert await there.reserve("associate", chat) == Slot(0.0)
    assert INTERVAL - CALLS <= (await here.reserve("associate", 400)).wait <= INTERVAL


# --- work queue --------------------------------------------------------------------


async def test_queue_delivers_each_job_to_one_consumer(backends: Backends, other_process: Backends):
    published = [await backends.queue.publish({"message_id": str(n)}) for n in range(10)]

    consumers = [("a", backends.queue), ("b", other_process.queue), ("c", backends.queue), ("d", other_process.queue)]

    batches = await asyncio.gather(*(queue.consume(name, count=4, block_ms=0) for name, queue in consumers))

    delivered = [job for batch in batches for job in batch]
    assert sorted(job.id for job in delivered) == sorted(published)
    assert len({job.id for job in delivered}) == 10
    assert all(job.deliveries == 1 for job in delivered)
    assert {job.payload["message_id"] for job in delivered} == {str(n) for n in range(10)}


async def test_jobs_come_out_in_publish_order_up_to_count(backends: Backends):
    published = [await backends.queue.publish({"n": str(n)}) for n in range(5)]

    first = await backends.queue.consume("a", count=2, block_ms=0)
    rest = await backends.queue.consume("a", count=10, block_ms=0)

    assert [job.id for job in first] == published[:2]
    assert [job.id for job in rest] == published[2:]
    assert [dict(job.payload) for job in first] == [{"n": "0"}, {"n": "1"}]


async def test_unacked_jobs_of_a_dead_consumer_are_reclaimed_with_delivery_count(backends: Backends):
    published = [await backends.queue.publish({"n": str(n)}) for n in range(2)]
    taken = await backends.queue.consume("dead", count=10, block_ms=0)
    assert [job.id for job in taken] == published

    assert await backends.queue.reclaim("b", min_idle_ms=10_000, count=10) == []  # not idle long enough
    # Idle times far above what a busy machine takes between two calls: "b holds them now"
    # must not turn into "idle long enough again" while the test runs.
    await asyncio.sleep(0.45)
    reclaimed = await backends.queue.reclaim("b", min_idle_ms=400, count=10)

    assert [(job.id, dict(job.payload), job.deliveries) for job in reclaimed] == [
        (published[0], {"n": "0"}, 2),
        (published[1], {"n": "1"}, 2),
    ]
    assert await backends.queue.reclaim("c", min_idle_ms=400, count=10) == []  # b holds them now
    await asyncio.sleep(0.45)
    again = await backends.queue.reclaim("c", min_idle_ms=400, count=1)
    assert [(job.id, job.deliveries) for job in again] == [(published[0], 3)]


async def test_acked_jobs_are_not_redelivered(backends: Backends):
    job_id = await backends.queue.publish({"n": "1"})
    [job] = await backends.queue.consume("a", count=1, block_ms=0)

    await backends.queue.ack(job.id)
    await asyncio.sleep(0.02)

    assert job.id == job_id
    assert await backends.queue.consume("b", count=10, block_ms=0) == []
    assert await backends.queue.reclaim("b", min_idle_ms=0, count=10) == []


async def test_consume_blocks_until_a_job_arrives(backends: Backends, other_process: Backends):
    started = time.monotonic()
    waiting = asyncio.create_task(backends.queue.consume("a", count=1, block_ms=3000))
    await asyncio.sleep(0.1)
    assert not waiting.done()

    job_id = await other_process.queue.publish({"n": "1"})
    jobs = await asyncio.wait_for(waiting, timeout=2)

    assert [job.id for job in jobs] == [job_id]
    assert time.monotonic() - started < 1.0  # woken by the job, not by the timeout


async def test_consume_gives_up_after_block_ms(backends: Backends):
    started = time.monotonic()

    jobs = await backends.queue.consume("a", count=1, block_ms=100)

    assert jobs == []
    assert 0.09 <= time.monotonic() - started < 1.0


async def test_depth_counts_unacked_jobs(backends: Backends):
    assert await backends.queue.depth() == 0
    for n in range(3):
        await backends.queue.publish({"n": str(n)})
    assert await backends.queue.depth() == 3

    jobs = await backends.queue.consume("a", count=2, block_ms=0)
    assert await backends.queue.depth() == 3  # delivered is not done

    await backends.queue.ack(jobs[0].id)
    assert await backends.queue.depth() == 2

    await backends.queue.ack(jobs[0].id)  # acking twice changes nothing
    assert await backends.queue.depth() == 2


# --- lock --------------------------------------------------------------------------


async def test_lock_has_one_holder_at_a_time(backends: Backends, other_process: Backends):
    token = await backends.lock.acquire("scheduler", ttl_seconds=5)

    assert token
    assert await other_process.lock.acquire("scheduler", ttl_seconds=5) is None
    assert await backends.lock.acquire("scheduler", ttl_seconds=5) is None
    assert await other_process.lock.acquire("another-lock", ttl_seconds=5)


async def test_released_lock_can_be_taken_again(backends: Backends, other_process: Backends):
    token = await backends.lock.acquire("scheduler", ttl_seconds=5)

    assert await backends.lock.release("scheduler", token) is True

    new_token = await other_process.lock.acquire("scheduler", ttl_seconds=5)
    assert new_token and new_token != token
    assert await backends.lock.release("scheduler", token) is False  # the old token is spent


async def test_release_with_a_wrong_token_does_nothing(backends: Backends):
    token = await backends.lock.acquire("scheduler", ttl_seconds=5)

    assert await backends.lock.release("scheduler", "not-the-token") is False

    assert await backends.lock.acquire("scheduler", ttl_seconds=5) is None
    assert await backends.lock.refresh("scheduler", "not-the-token", ttl_seconds=5) is False
    assert await backends.lock.release("scheduler", token) is True


async def test_lock_expires_after_its_ttl(backends: Backends, other_process: Backends):
    token = await backends.lock.acquire("scheduler", ttl_seconds=0.05)

    await asyncio.sleep(0.1)

    new_token = await other_process.lock.acquire("scheduler", ttl_seconds=5)
    assert new_token and new_token != token
    assert await backends.lock.refresh("scheduler", token, ttl_seconds=5) is False
    assert await backends.lock.release("scheduler", token) is False
    assert await other_process.lock.acquire("scheduler", ttl_seconds=5) is None


async def test_refresh_keeps_the_lock_past_its_first_ttl(backends: Backends, other_process: Backends):
    token = await backends.lock.acquire("scheduler", ttl_seconds=0.5)
    await asyncio.sleep(0.05)

    assert await backends.lock.refresh("scheduler", token, ttl_seconds=3.0) is True
    await asyncio.sleep(0.5)  # past the first TTL, well within the refreshed one

    assert await other_process.lock.acquire("scheduler", ttl_seconds=5) is None
    assert await backends.lock.release("scheduler", token) is True


@pytest.mark.parametrize("ttl", [0, -1])
async def test_a_ttl_must_be_positive(backends: Backends, ttl: float):
    with pytest.raises(ValueError):
        await backends.lock.acquire("scheduler", ttl_seconds=ttl)
    with pytest.raises(ValueError):
        await backends.dedupe.first_seen("update:1", ttl_seconds=ttl)


# --- one round trip for two steps: the slot with the attempt mark, the release with the marks


async def test_a_reserved_slot_sets_the_mark_once_and_a_refused_one_sets_nothing(backends: Backends):
    limiter, dedupe = backends.limiter, backends.dedupe
    first, set_now = await limiter.reserve_and_mark("bot", 42, mark="outbox-attempt:1", mark_ttl=60)
    again, set_again = await limiter.reserve_and_mark("bot", 42, mark="outbox-attempt:1", mark_ttl=60)
    assert first.reserved and set_now is True
    assert again.reserved and set_again is False, "found there: an earlier attempt may have arrived"

    for n in range(2, 10):  # the chat's burst of 3 is spent: the chat's pace refuses
        slot, set_now = await limiter.reserve_and_mark("bot", 42, mark=f"outbox-attempt:{n}", mark_ttl=60)
        if not slot.reserved:
            break
    assert slot.refused is Refusal.CHAT and set_now is None
    assert await dedupe.first_seen(f"outbox-attempt:{n}", 60), "a refused slot leaves no mark"


async def test_releasing_with_marks_forgets_them_and_frees_the_lock(backends: Backends):
    lock, dedupe = backends.lock, backends.dedupe
    token = await lock.acquire("chat:associate:7", 30)
    assert token is not None
    for key in ("outbox-attempt:11", "outbox-attempt:12"):
        assert await dedupe.first_seen(key, 60)

    assert await lock.release_and_forget("chat:associate:7", token, ["outbox-attempt:11", "outbox-attempt:12"])
    assert await dedupe.first_seen("outbox-attempt:11", 60) and await dedupe.first_seen("outbox-attempt:12", 60)
    assert await lock.acquire("chat:associate:7", 30) is not None
    assert not await lock.release_and_forget("chat:associate:7", token, []), "a stale token releases nothing"
