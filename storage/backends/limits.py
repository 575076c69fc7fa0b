"""Telegram's send limits and the GCRA arithmetic shared by both rate limiters.

GCRA (generic cell rate algorithm) keeps one number per bucket: the theoretical
arrival time (TAT), the moment the bucket would be empty again if nothing else were
sent. Sending one message pushes the TAT one interval further; a message may go now
while the pushed TAT stays within `tolerance` (burst x interval) of now.

All arithmetic is in whole microseconds so that the in-process limiter and the Redis
Lua script (which reads Redis TIME in microseconds) decide exactly alike, and so that
float rounding never turns "the third message of a burst of three" into a refusal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MICROS = 1_000_000


@dataclass(frozen=True, slots=True)
class Rule:
    """One bucket's shape: the cost of a message and how far ahead of now the TAT may run."""

    interval_us: int
    tolerance_us: int

    @classmethod
    def of(cls, rate: float, burst: int) -> Rule:
        # Rounding the interval up keeps the limiter on the safe side of the rate.
        interval_us = math.ceil(MICROS / rate)
        return cls(interval_us=interval_us, tolerance_us=burst * interval_us)


@dataclass(frozen=True, slots=True)
class SendLimits:
    """Messages per second a bot may send. Defaults are Telegram's published limits."""

    global_rate: float = 30.0  # per bot, all chats together (bulk notifications)
    global_burst: int = 30
    per_chat_rate: float = 1.0  # per private chat
    per_chat_burst: int = 3
    # allow_paid_broadcast lifts the bot-wide limit (paid in Stars beyond the free rate).
    # It shares the bot bucket with free sends: a free message costs 1/global_rate s of
    # the bot's budget, a paid one 1/paid_rate s, so the bot never exceeds either limit.
    paid_rate: float = 1000.0
    paid_burst: int = 1000
    # A group or channel (a negative chat id) takes about 20 messages a minute, on top of
    # the per-chat pace: never more than per_group_count in any per_group_window seconds,
    # per_group_burst of them at once.
    per_group_count: int = 20
    per_group_window: float = 60.0
    per_group_burst: int = 3
    # Lanes (commerce.outbox.SendLane) share the bot's bucket, but each lane sees it this
    # many free-rate messages fuller than the lane before it: a campaign saturating the
    # bucket leaves the notice lane lane_reserve messages of burst and the 1:1 lane twice
    # that, and whenever a more urgent lane asks, it wins the next slot. A lane never sees
    # less than one message of burst, so with a tiny global_burst the reserve shrinks.
    lane_reserve: int = 10

    def __post_init__(self) -> None:
        for name in ("global_rate", "per_chat_rate", "paid_rate", "per_group_window"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        for name in ("global_burst", "per_chat_burst", "paid_burst", "per_group_burst"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.per_group_count < self.per_group_burst:
            raise ValueError("per_group_count must be at least per_group_burst")
        if self.lane_reserve < 0:
            raise ValueError("lane_reserve must not be negative")

    def bot_rule(self, *, paid: bool, lane: int = 0) -> Rule:
        """The bot bucket as a lane sees it: the same interval (a message costs the same
        whoever sends it), less tolerance the later the lane."""
        rule = Rule.of(self.paid_rate, self.paid_burst) if paid else Rule.of(self.global_rate, self.global_burst)
        reserve_us = lane * self.lane_reserve * Rule.of(self.global_rate, self.global_burst).interval_us
        return Rule(rule.interval_us, max(rule.interval_us, rule.tolerance_us - reserve_us))

    def chat_rule(self) -> Rule:
        # Paid broadcast does not lift the per-chat limit.
        return Rule.of(self.per_chat_rate, self.per_chat_burst)

    def group_rule(self) -> Rule:
        """The group bucket's shape. A GCRA bucket lets `burst` messages go at once and then
        one per interval, so a window holds burst + (window / interval) - 1 of them at most:
        the interval is chosen to make that per_group_count, so the next message waits
        for the window to pass whatever the pattern (the steady pace is a little under
        per_group_count a window)."""
        spaced = self.per_group_count - self.per_group_burst + 1
        interval_us = math.ceil(self.per_group_window * MICROS / spaced)
        return Rule(interval_us=interval_us, tolerance_us=self.per_group_burst * interval_us)


def is_group(chat_id: int | None) -> bool:
    """Groups, supergroups and channels have negative chat ids; people have positive ones."""
    return chat_id is not None and chat_id < 0


def gcra_step(tat_us: int | None, now_us: int, rule: Rule) -> tuple[int, int]:
    """The bucket's TAT after sending one message now, and the microseconds to wait
    before that message may go (0 = it may go now)."""
    start = now_us if tat_us is None or tat_us < now_us else tat_us
    next_tat = start + rule.interval_us
    return next_tat, max(0, next_tat - now_us - rule.tolerance_us)
