"""The in-process backends with a stepped clock: exact numbers, no real waiting."""

from __future__ import annotations

import pytest

from storage.backends import SendLimits, open_backends
from storage.backends.limits import Rule, gcra_step
from storage.backends.memory import MemoryDeduplicator, MemoryLock, MemoryRateLimiter, MemoryWorkQueue


class SteppedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


async def test_telegram_limits_are_the_defaults():
    limits = SendLimits()

    assert (limits.global_rate, limits.global_burst) == (30, 30)
    assert (limits.per_chat_rate, limits.per_chat_burst) == (1, 3)
    assert limits.paid_rate == 1000
    assert (limits.per_group_count, limits.per_group_window) == (20, 60.0)


def test_limits_reject_a_rate_that_is_not_positive():
    with pytest.raises(ValueError):
        SendLimits(per_chat_rate=0)
    with pytest.raises(ValueError):
        SendLimits(global_burst=0)


def test_a_gcra_step_in_an_idle_bucket_goes_now_and_sets_the_next_arrival():
    rule = Rule.of(rate=1, burst=3)

    assert gcra_step(None, now_us=5_000_000, rule=rule) == (6_000_000, 0)
    assert gcra_step(8_000_000, now_us=5_000_000, rule=rule) == (9_000_000, 1_000_000)


async def test_a_chat_gets_three_at_once_then_one_a_second(clock: SteppedClock):
    limiter = MemoryRateLimiter(SendLimits(), clock=clock)

    burst = [await limiter.try_acquire("consumer", 7) for _ in range(3)]
    fourth = await limiter.try_acquire("consumer", 7)
    clock.advance(0.5)
    still_waiting = await limiter.try_acquire("consumer", 7)
    clock.advance(0.5)
    after_a_second = await limiter.try_acquire("consumer", 7)

    assert burst == [0.0, 0.0, 0.0]
    assert fourth == pytest.approx(1.0)
    assert still_waiting == pytest.approx(0.5)
    assert after_a_second == 0.0
    assert await limiter.try_acquire("consumer", 7) == pytest.approx(1.0)


async def test_a_group_gets_twenty_messages_a_minute_whatever_the_pace(clock: SteppedClock):
    limiter = MemoryRateLimiter(SendLimits(), clock=clock)

    # Given a group and a person, each sent to as fast as the limiter lets it, for two minutes.
    group_sent, private_sent = [], []
    for tick in range(1200):
        while await limiter.try_acquire("associate", -100_123) == 0.0:
            group_sent.append(tick / 10)
        while await limiter.try_acquire("associate", 42) == 0.0:
            private_sent.append(tick / 10)
        clock.advance(0.1)

    # Then no minute holds more than twenty of the group's, the first three went at once,
    # and the person's chat kept the pace of one a second.
    busiest = max(sum(1 for t in group_sent if start <= t < start + 60) for start in group_sent)
    assert busiest == 20
    assert group_sent[:3] == [0.0, 0.0, 0.0] and group_sent[20] >= 60.0
    assert len(private_sent) >= 120


def test_a_group_window_must_hold_its_burst():
    with pytest.raises(ValueError):
        SendLimits(per_group_count=2, per_group_burst=3)
    with pytest.raises(ValueError):
        SendLimits(per_group_window=0)


async def test_the_bot_sends_thirty_a_second_across_chats(clock: SteppedClock):
    limiter = MemoryRateLimiter(SendLimits(), clock=clock)

    burst = [await limiter.try_acquire("consumer", chat) for chat in range(30)]
    wait = await limiter.try_acquire("consumer", 30)

    assert burst == [0.0] * 30
    assert wait == pytest.approx(1 / 30, abs=1e-5)
    clock.advance(wait)
    assert await limiter.try_acquire("consumer", 30) == 0.0


async def test_paid_broadcast_sends_a_thousand_a_second(clock: SteppedClock):
    limiter = MemoryRateLimiter(SendLimits(), clock=clock)

    burst = [await limiter.try_acquire("consumer", chat, paid=True) for chat in range(1000)]
    wait = await limiter.try_acquire("consumer", 1000, paid=True)

    assert burst == [0.0] * 1000
    assert wait == pytest.approx(0.001)


async def test_free_sends_use_the_same_bot_budget_as_paid_ones(clock: SteppedClock):
    limiter = MemoryRateLimiter(SendLimits(), clock=clock)
    for chat in range(30):
        await limiter.try_acquire("consumer", chat)

    # Thirty free messages are a full second of the bot's budget; paid ones get the
    # rest of the thousand only as it drains.
    assert await limiter.try_acquire("consumer", 100, paid=True) > 0.0
    clock.advance(0.5)
    assert await limiter.try_acquire("consumer", 100, paid=True) == 0.0


async def test_idle_buckets_are_forgotten(clock: SteppedClock):
    limiter = MemoryRateLimiter(SendLimits(), clock=clock)

    for chat in range(3000):
        await limiter.try_acquire("consumer", chat, paid=True)
        clock.advance(0.01)

    assert len(limiter._tats) < 1100


async def test_dedupe_keys_expire_on_the_clock(clock: SteppedClock):
    dedupe = MemoryDeduplicator(clock=clock)
    assert await dedupe.first_seen("k", ttl_seconds=10) is True

    clock.advance(9.99)
    assert await dedupe.first_seen("k", ttl_seconds=10) is False
    clock.advance(0.01)
    assert await dedupe.first_seen("k", ttl_seconds=10) is True


async def test_a_lock_expires_on_the_clock_and_refresh_extends_it(clock: SteppedClock):
    lock = MemoryLock(clock=clock)
    token = await lock.acquire("leader", ttl_seconds=30)

    clock.advance(20)
    assert await lock.refresh("leader", token, ttl_seconds=30) is True
    clock.advance(20)
    assert await lock.acquire("leader", ttl_seconds=30) is None
    clock.advance(10)
    assert await lock.refresh("leader", token, ttl_seconds=30) is False
    assert await lock.acquire("leader", ttl_seconds=30) is not None


async def test_reclaim_waits_for_min_idle_on_the_clock(clock: SteppedClock):
    queue = MemoryWorkQueue(clock=clock)
    job_id = await queue.publish({"n": "1"})
    await queue.consume("dead", count=1, block_ms=0)

    clock.advance(0.999)
    assert await queue.reclaim("alive", min_idle_ms=1000, count=10) == []
    clock.advance(0.001)
    [job] = await queue.reclaim("alive", min_idle_ms=1000, count=10)

    assert (job.id, job.deliveries) == (job_id, 2)


async def test_a_job_acked_before_anyone_took_it_is_gone(clock: SteppedClock):
    queue = MemoryWorkQueue(clock=clock)
    job_id = await queue.publish({"n": "1"})

    await queue.ack(job_id)

    assert await queue.depth() == 0
    assert await queue.consume("a", count=1, block_ms=0) == []


async def test_an_empty_job_is_refused():
    queue = MemoryWorkQueue()

    with pytest.raises(ValueError):
        await queue.publish({})


async def test_without_a_redis_url_the_backends_are_in_process():
    backends = await open_backends(None, namespace="anything")

    assert backends.kind == "memory"
    assert all(isinstance(lane, MemoryWorkQueue) for lane in backends.queue.queues)
    await backends.close()
