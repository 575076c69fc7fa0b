"""The in-process backends with a stepped clock: exact numbers, no real waiting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commerce.ports.backends import Refusal, Slot
from storage.backends import SendLimits, open_backends
from storage.backends.limits import Rule, reserve
from storage.backends.memory import MemoryDeduplicator, MemoryLock, MemoryRateLimiter, MemoryWorkQueue


EXACT = SendLimits(slack=0)  # Telegram's limits to the microsecond: the arithmetic, exactly


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


def test_a_message_to_an_idle_bucket_goes_now_and_sets_the_next_arrival():
    rule = Rule.of(rate=1, burst=3)

    assert reserve([None], now_us=5_000_000, rules=[rule], horizon_us=None) == ([6_000_000], 0, None)


def test_a_full_bot_bucket_reserves_the_next_slot_one_interval_on():
    rule = Rule.of(rate=1, burst=3)

    assert reserve([8_000_000], now_us=5_000_000, rules=[rule], horizon_us=None) == ([9_000_000], 1_000_000, None)


def test_a_lane_may_reserve_only_up_to_its_horizon():
    rule = Rule.of(rate=1, burst=3)

    assert reserve([8_000_000], 5_000_000, [rule], horizon_us=1_000_000) == ([9_000_000], 1_000_000, None)
    assert reserve([9_000_000], 5_000_000, [rule], horizon_us=1_000_000) == (None, 2_000_000, Refusal.LANE)


def test_a_chat_held_back_past_the_bots_next_slot_is_refused_and_takes_nothing():
    bot, chat = Rule.of(rate=10, burst=5), Rule.of(rate=1, burst=1)

    # The chat's next slot is 1 s away, the bot's bucket is nearly idle.
    assert reserve([5_100_000, 6_000_000], 5_000_000, [bot, chat], None) == (None, 1_000_000, Refusal.CHAT)


def test_a_chat_held_back_within_the_bots_backlog_reserves_both_at_the_chats_slot():
    bot, chat = Rule.of(rate=10, burst=5), Rule.of(rate=1, burst=1)

    # The bot's TAT is 2 s ahead (its own wait 1.6 s); the chat's slot is 1.9 s away.
    assert reserve([7_000_000, 6_900_000], 5_000_000, [bot, chat], None) == (
        [7_100_000, 7_900_000], 1_900_000, None)


async def test_a_chat_gets_three_at_once_then_one_a_second(clock: SteppedClock):
    limiter = MemoryRateLimiter(EXACT, clock=clock)

    burst = [await limiter.reserve("consumer", 7) for _ in range(3)]
    fourth = await limiter.reserve("consumer", 7)
    clock.advance(0.5)
    still_waiting = await limiter.reserve("consumer", 7)
    clock.advance(0.5)
    after_a_second = await limiter.reserve("consumer", 7)

    assert burst == [Slot(0.0)] * 3
    assert fourth == Slot(pytest.approx(1.0), Refusal.CHAT)
    assert still_waiting == Slot(pytest.approx(0.5), Refusal.CHAT)
    assert after_a_second == Slot(0.0)
    assert await limiter.reserve("consumer", 7) == Slot(pytest.approx(1.0), Refusal.CHAT)


async def test_a_group_gets_twenty_messages_a_minute_whatever_the_pace(clock: SteppedClock):
    limiter = MemoryRateLimiter(EXACT, clock=clock)

    # Given a group and a person, each sent to as fast as the limiter lets it, for two minutes.
    group_sent, private_sent = [], []
    for tick in range(1200):
        while (slot := await limiter.reserve("associate", -100_123)).reserved and slot.wait == 0:
            group_sent.append(tick / 10)
        while (slot := await limiter.reserve("associate", 42)).reserved and slot.wait == 0:
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


async def test_the_bot_sends_thirty_a_second_across_chats_and_reserves_the_rest(clock: SteppedClock):
    limiter = MemoryRateLimiter(EXACT, clock=clock)

    burst = [await limiter.reserve("consumer", chat) for chat in range(30)]
    backlog = [await limiter.reserve("consumer", chat) for chat in range(30, 90)]

    assert burst == [Slot(0.0)] * 30
    assert all(slot.reserved for slot in backlog)
    assert [slot.wait for slot in backlog] == pytest.approx([n / 30 for n in range(1, 61)], abs=1e-4)
    clock.advance(2.0)  # the backlog has gone: one more is reserved right after it
    assert await limiter.reserve("consumer", 90) == Slot(pytest.approx(1 / 30, abs=1e-4))


async def test_paid_broadcast_sends_a_thousand_a_second(clock: SteppedClock):
    limiter = MemoryRateLimiter(EXACT, clock=clock)

    burst = [await limiter.reserve("consumer", chat, paid=True) for chat in range(1000)]
    after = await limiter.reserve("consumer", 1000, paid=True)

    assert burst == [Slot(0.0)] * 1000
    assert after == Slot(pytest.approx(0.001))


async def test_free_sends_use_the_same_bot_budget_as_paid_ones(clock: SteppedClock):
    limiter = MemoryRateLimiter(EXACT, clock=clock)
    for chat in range(30):
        await limiter.reserve("consumer", chat)

    # Thirty free messages are a full second of the bot's budget; paid ones get the
    # rest of the thousand only as it drains.
    assert (await limiter.reserve("consumer", 100, paid=True)).wait > 0.0
    clock.advance(0.5)
    assert await limiter.reserve("consumer", 101, paid=True) == Slot(0.0)


async def test_a_campaign_reserves_only_a_few_slots_past_its_turn(clock: SteppedClock):
    # Campaigns see 10 of the bot's 30 at once and may reserve 5 more ahead.
    limiter = MemoryRateLimiter(EXACT, clock=clock)

    answers = [await limiter.reserve("consumer", chat, lane=2) for chat in range(40)]

    assert answers[:10] == [Slot(0.0)] * 10
    assert [slot.wait for slot in answers[10:15]] == pytest.approx([n / 30 for n in range(1, 6)], abs=1e-4)
    assert all(slot.refused is Refusal.LANE for slot in answers[15:])
    # Replies still go at once: the conversation lane keeps 15 of its 30.
    replies = [await limiter.reserve("consumer", chat, lane=0) for chat in range(100, 116)]
    assert replies[:15] == [Slot(0.0)] * 15 and replies[15].wait > 0


SMALL = SendLimits(global_rate=10, global_burst=3, per_chat_rate=2, per_chat_burst=2, per_group_count=4,
                   per_group_window=2.0, per_group_burst=2, lane_reserve=1, lane_horizon=1)
asks = st.lists(st.tuples(st.integers(0, 150), st.sampled_from([1, 2, 3, 4, -1, -2, None]), st.integers(0, 2)),
                max_size=120)


def most_in_a_window(sends: list[int], rule: Rule) -> bool:
    """GCRA's promise: between any two sends at most (span + tolerance) / interval of them."""
    sends = sorted(sends)
    return all(j - i + 1 <= (sends[j] - sends[i] + rule.tolerance_us - rule.interval_us) // rule.interval_us + 1
               for i in range(len(sends)) for j in range(i, len(sends)))


@settings(max_examples=400, deadline=None)
@given(asks)
async def test_reserved_slots_keep_every_buckets_rate_and_burst_whatever_the_order_of_asks(steps):
    clock = SteppedClock()
    limiter = MemoryRateLimiter(SMALL, clock=clock)
    sends: dict[object, list[int]] = {"bot": []}

    for step_ms, chat, lane in steps:
        clock.advance(step_ms / 1000)
        slot = await limiter.reserve("consumer", chat, lane=lane)
        if slot.reserved:
            at = round(clock() * 1_000_000) + round(slot.wait * 1_000_000)
            for bucket in ("bot", chat):
                sends.setdefault(bucket, []).append(at)

    assert most_in_a_window(sends.pop("bot"), SMALL.bot_rule(paid=False))
    sends.pop(None, None)
    for chat, times in sends.items():
        rule = SMALL.group_rule() if chat < 0 else SMALL.chat_rule()
        assert most_in_a_window(times, rule), chat
        if chat < 0:  # and never more than per_group_count in a window
            assert all(sum(1 for t in times if start <= t < start + 2_000_000) <= 4 for start in times)


async def test_the_slack_keeps_a_bucket_a_little_short_of_telegrams(clock: SteppedClock):
    limiter = MemoryRateLimiter(SendLimits(slack=0.05), clock=clock)

    burst = [await limiter.reserve("consumer", 7) for _ in range(3)]
    clock.advance(1.0)
    fourth = await limiter.reserve("consumer", 7)

    # The last of the burst goes 50 ms late; so does each one after it, at the same pace.
    assert burst == [Slot(0.0), Slot(0.0), Slot(pytest.approx(0.05))]
    assert fourth == Slot(pytest.approx(0.05), Refusal.CHAT)


async def test_idle_buckets_are_forgotten(clock: SteppedClock):
    limiter = MemoryRateLimiter(EXACT, clock=clock)

    for chat in range(3000):
        await limiter.reserve("consumer", chat, paid=True)
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
