"""Flood control as Telegram applies it to sending bots.

About 1 message per second to one chat (short bursts pass) and 30 per second across all
chats of a bot; messages sent with allow_paid_broadcast share a separate 1000 per second
allowance. Each is a token bucket. A refused call costs nothing and is answered with 429
and the whole seconds to wait.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Limits:
    """Settable at any time; the next call sees the new values."""

    enabled: bool = True
    per_chat_rate: float = 1.0  # messages per second to one chat, sustained
    per_chat_burst: int = 3  # messages one chat takes at once before the rate applies
    global_rate: float = 30.0  # messages per second per bot, across chats
    paid_rate: float = 1000.0  # the same with allow_paid_broadcast=true


class _Bucket:
    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp

    def refill(self, now: float, rate: float, capacity: float) -> None:
        self.tokens = min(capacity, self.tokens + (now - self.stamp) * rate)
        self.stamp = now

    def wait_for_one(self, rate: float) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / rate


class RateLimiter:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._chats: dict[tuple[int, int], _Bucket] = {}
        self._bots: dict[tuple[int, bool], _Bucket] = {}

    def admit(self, bot_id: int, chat_id: int, *, paid: bool = False) -> int | None:
        """Take one message's allowance; None when admitted, else the seconds to retry after."""
        limits = self.limits
        if not limits.enabled:
            return None
        now = self._clock()
        chat_capacity = max(1.0, float(limits.per_chat_burst))
        bot_rate = limits.paid_rate if paid else limits.global_rate
        bot_capacity = max(1.0, bot_rate)
        chat = self._bucket(self._chats, (bot_id, chat_id), chat_capacity, now)
        overall = self._bucket(self._bots, (bot_id, paid), bot_capacity, now)
        chat.refill(now, limits.per_chat_rate, chat_capacity)
        overall.refill(now, bot_rate, bot_capacity)
        wait = max(chat.wait_for_one(limits.per_chat_rate), overall.wait_for_one(bot_rate))
        if wait > 0:
            return max(1, math.ceil(wait))
        chat.tokens -= 1
        overall.tokens -= 1
        return None

    @staticmethod
    def _bucket(buckets: dict, key: tuple, capacity: float, now: float) -> _Bucket:
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket(capacity, now)
        return bucket

    def reset(self) -> None:
        self._chats.clear()
        self._bots.clear()
