"""Telegram's send limits and the GCRA arithmetic shared by both rate limiters.

GCRA (generic cell rate algorithm) keeps one number per bucket: the theoretical
arrival time (TAT), the moment the bucket would be empty again if nothing else were
sent. Sending one message pushes the TAT one interval further; a message may go now
while the pushed TAT stays within `tolerance` (burst x interval) of now.

Reservations. A message that must wait is not told "come back later" (under a binding
per-bot limit every waiting chat would wake at the same instant, one would win and the
rest ask again: dozens of calls per message). The limiter takes its slot at once, at
the time it may go, and says how long that is; the caller sleeps that long and sends
without asking again. Each bucket is updated as GCRA would update it at that send time,
so every bucket keeps its rate and burst whatever the order of the asks: the k-th TAT
of a bucket is at least one interval after the one before, and every message goes
between its TAT less the tolerance and its TAT less one interval.
A reservation not used (the send is abandoned: an earlier 403, the process stops) only
wastes that one slot.

Two cases are refused, with nothing taken (Slot.refused says which):
- CHAT: the chat's (or group's) own bucket holds the message back past the bot's TAT. A
  reservation then would move the bot's TAT up to that far send time, and every other
  chat would lose the bot's slots in between. The chat is sent to by one worker at a
  time, so asking again after the wait costs one more call and wakes no crowd.
- LANE: lanes after the first (notices, campaigns) reserve only up to `lane_horizon`
  free-rate messages beyond what their lane may take now. Each lane sees the bot's
  bucket lane_reserve messages fuller than the lane before it, and whenever a more
  urgent lane asks it wins the next slot that is not reserved yet; a reservation cannot
  be taken back, so a later lane's reservations are kept short: an earlier lane is never
  queued behind more than lane_horizon of them, and keeps lane_reserve - lane_horizon
  messages of its burst while a later lane saturates the bucket. The first lane reserves
  however far ahead it must (its waiters are bounded by the senders' slots). The sender
  lets one task per bot and lane wait out such a refusal (bot/runtime/pacing.py): it
  sleeps until the lane's next slot, then it and the tasks queued behind it reserve up to
  the horizon, about lane_horizon + 1 messages per refusal.

All arithmetic is in whole microseconds so that the in-process limiter and the Redis
Lua script (which reads Redis TIME in microseconds) decide exactly alike, and so that
float rounding never turns "the third message of a burst of three" into a refusal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from commerce.ports.backends import Refusal

MICROS = 1_000_000


@dataclass(frozen=True, slots=True)
class Rule:
    """One bucket's shape: the cost of a message and how far ahead of now the TAT may run."""

    interval_us: int
    tolerance_us: int

    @classmethod
    def of(cls, rate: float, burst: int, slack: float = 0.0) -> Rule:
        # Rounding the interval up keeps the limiter on the safe side of the rate.
        interval_us = math.ceil(MICROS / rate)
        return cls(interval_us=interval_us, tolerance_us=_short_of(burst * interval_us, interval_us, slack))


def _short_of(tolerance_us: int, interval_us: int, slack: float) -> int:
    """The tolerance less the slack, never below one message."""
    return max(interval_us, tolerance_us - round(slack * MICROS))


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
    # How far ahead (in free-rate messages) a lane after the first may reserve slots
    # beyond what it may send now; see the module's docstring.
    lane_horizon: int = 5
    # Seconds every bucket stays short of Telegram's: a request reaches Telegram sooner or
    # later after its slot (a busy event loop, requests queued for the HTTP client's
    # connections: 100 ms and more measured against the sandbox), and a bucket filled to
    # the microsecond turns that jitter into 429s. The last message of a burst waits this
    # long; the steady pace after it is the same.
    slack: float = 0.2

    def __post_init__(self) -> None:
        for name in ("global_rate", "per_chat_rate", "paid_rate", "per_group_window"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        for name in ("global_burst", "per_chat_burst", "paid_burst", "per_group_burst"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.per_group_count < self.per_group_burst:
            raise ValueError("per_group_count must be at least per_group_burst")
        if self.lane_reserve < 0 or self.lane_horizon < 0 or self.slack < 0:
            raise ValueError("lane_reserve and lane_horizon must not be negative")

    def bot_rule(self, *, paid: bool, lane: int = 0) -> Rule:
        """The bot bucket as a lane sees it: the same interval (a message costs the same
        whoever sends it), less tolerance the later the lane."""
        rule = Rule.of(self.paid_rate, self.paid_burst, self.slack) if paid else Rule.of(self.global_rate, self.global_burst, self.slack)
        reserve_us = lane * self.lane_reserve * Rule.of(self.global_rate, self.global_burst).interval_us
        return Rule(rule.interval_us, max(rule.interval_us, rule.tolerance_us - reserve_us))

    def horizon_us(self, lane: int) -> int | None:
        """How far past its turn a lane may reserve; None for the first lane (no limit)."""
        return None if lane <= 0 else self.lane_horizon * Rule.of(self.global_rate, self.global_burst).interval_us

    def chat_rule(self) -> Rule:
        # Paid broadcast does not lift the per-chat limit.
        return Rule.of(self.per_chat_rate, self.per_chat_burst, self.slack)

    def group_rule(self) -> Rule:
        """The group bucket's shape. A GCRA bucket lets `burst` messages go at once and then
        one per interval, so a window holds burst + (window / interval) - 1 of them at most:
        the interval is chosen to make that per_group_count, so the next message waits
        for the window to pass whatever the pattern (the steady pace is a little under
        per_group_count a window)."""
        spaced = self.per_group_count - self.per_group_burst + 1
        interval_us = math.ceil(self.per_group_window * MICROS / spaced)
        return Rule(interval_us=interval_us, tolerance_us=_short_of(self.per_group_burst * interval_us, interval_us, self.slack))


def is_group(chat_id: int | None) -> bool:
    """Groups, supergroups and channels have negative chat ids; people have positive ones."""
    return chat_id is not None and chat_id < 0


def reserve(tats: Sequence[int | None], now_us: int, rules: Sequence[Rule],
            horizon_us: int | None) -> tuple[list[int] | None, int, Refusal | None]:
    """One message's slot across its buckets (the bot's first, then the chat's and a
    group's): the TATs to store (None when refused), the microseconds until the message
    may go, and the refusal if any. The Redis script (redis_backends.py) is this, in Lua."""
    bases = [now_us if tat is None or tat < now_us else tat for tat in tats]
    waits = [max(0, base + rule.interval_us - rule.tolerance_us - now_us) for base, rule in zip(bases, rules, strict=True)]
    wait = max(waits)
    send_at = now_us + wait
    if send_at > bases[0]:  # only a chat or group bucket can hold it back this long
        return None, wait, Refusal.CHAT
    if horizon_us is not None and waits[0] > horizon_us:
        return None, wait, Refusal.LANE
    # The bot's TAT moves by one interval (send_at is within it); a chat's as at send_at.
    return [max(base, send_at) + rule.interval_us for base, rule in zip(bases, rules, strict=True)], wait, None
