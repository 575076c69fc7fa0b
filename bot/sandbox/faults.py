"""Faults to inject into the bot side, and the log of the calls the bots made.

Failures happen before a call is applied (the server "errored"); dropped responses
happen after it (the call took effect but the bot never heard back), which is the case
that makes senders retry and duplicate messages. A dropped response is only ever one of
a call that took effect: dropping a refusal would make a duplicate that cannot exist.

Failures come as the next N matching calls (`fail_next`) or as a share of them
(`fail_randomly`, seeded so a run can be repeated): a burst of traffic then meets 429s and
5xx spread through it, as it would on Telegram, instead of one chat meeting all of them.
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Fault:
    remaining: int
    method: str | None  # lower-cased Bot API method name, None for any
    bot: str | None  # lower-cased bot username, None for any
    status: int = 500
    retry_after: int = 1  # seconds a 429 asks the bot to wait
    description: str | None = None  # a 4xx's reason ("message is too long"); a generic one if None

    def matches(self, bot: str, method: str) -> bool:
        return (self.method is None or self.method == method.lower()) and (self.bot is None or self.bot == bot.lower())


@dataclass
class _RandomFault:
    rate: float  # share of matching calls that fail, 0..1
    method: str | None
    bot: str | None
    status: int = 500
    retry_after: int = 1
    rng: random.Random = field(default_factory=random.Random, repr=False)
    injected: int = 0  # how many calls it failed so far

    def matches(self, bot: str, method: str) -> bool:
        return (self.method is None or self.method == method.lower()) and (self.bot is None or self.bot == bot.lower())


@dataclass(frozen=True)
class Injected:
    """The refusal to answer a call with instead of applying it."""

    status: int
    retry_after: int = 1
    description: str | None = None


class Faults:
    def __init__(self) -> None:
        self._failures: list[_Fault] = []
        self._random: list[_RandomFault] = []
        self._drops: list[_Fault] = []
        self._latency: dict[str | None, float] = {}

    def fail_next(
        self, n: int, *, status: int = 500, method: str | None = None, bot: str | None = None, retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        self._failures.append(_Fault(n, _lower(method), _lower(bot, strip="@"), status, _seconds(retry_after), description))

    def fail_randomly(
        self,
        rate: float,
        *,
        status: int = 500,
        method: str | None = None,
        bot: str | None = None,
        retry_after: int = 1,
        seed: int | None = None,
    ) -> None:
        """Fail about `rate` of the matching calls until cleared; several rules may be set
        (say 5% 502 and 3% 429), the first that fires answers the call."""
        if not 0 < rate <= 1:
            raise ValueError("rate must be in (0, 1]")
        fault = _RandomFault(rate, _lower(method), _lower(bot, strip="@"), status, _seconds(retry_after), random.Random(seed))
        self._random.append(fault)

    def drop_responses(self, n: int, *, method: str | None = None, bot: str | None = None) -> None:
        self._drops.append(_Fault(n, _lower(method), _lower(bot, strip="@")))

    def set_latency(self, seconds: float, *, method: str | None = None) -> None:
        if seconds > 0:
            self._latency[_lower(method)] = seconds
        else:
            self._latency.pop(_lower(method), None)

    def clear(self) -> None:
        self._failures.clear()
        self._random.clear()
        self._drops.clear()
        self._latency.clear()

    def latency(self, method: str) -> float:
        return self._latency.get(method.lower(), self._latency.get(None, 0.0))

    def take_failure(self, bot: str, method: str) -> Injected | None:
        """The refusal to fail this call with, using up one planned failure."""
        fault = _take(self._failures, bot, method)
        if fault:
            return Injected(fault.status, fault.retry_after, fault.description)
        for rule in self._random:
            if rule.matches(bot, method) and rule.rng.random() < rule.rate:
                rule.injected += 1
                return Injected(rule.status, rule.retry_after)
        return None

    def take_drop(self, bot: str, method: str) -> bool:
        return _take(self._drops, bot, method) is not None

    def describe(self) -> dict[str, Any]:
        return {
            "fail_next": [vars(f) for f in self._failures],
            "fail_randomly": [
                {"rate": f.rate, "method": f.method, "bot": f.bot, "status": f.status,
                 "retry_after": f.retry_after, "injected": f.injected}
                for f in self._random
            ],
            "drop_responses": [vars(f) for f in self._drops],
            "latency": {k or "*": v for k, v in self._latency.items()},
        }


def _take(faults: list[_Fault], bot: str, method: str) -> _Fault | None:
    for fault in faults:
        if fault.matches(bot, method):
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.remove(fault)
            return fault
    return None


def _seconds(retry_after: int) -> int:
    if retry_after < 1:
        raise ValueError("retry_after must be at least 1 second")  # Telegram never says 0
    return int(retry_after)


def _lower(value: str | None, strip: str = "") -> str | None:
    return value.lstrip(strip).lower() if value else None


class CallLog:
    """Every Bot API call received, newest last (bounded so long benchmarks stay small)."""

    def __init__(self, size: int = 100_000) -> None:
        self._calls: deque[dict[str, Any]] = deque(maxlen=size)

    def record(self, bot: str | None, method: str, status: int, started: float, **extra: Any) -> None:
        self._calls.append(
            {
                "bot": bot,
                "method": method,
                "status": status,
                "time": started,
                "duration": time.time() - started,
                **extra,
            }
        )

    def select(self, *, bot: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        bot_name, method_name = _lower(bot, strip="@"), _lower(method)
        return [
            call
            for call in self._calls
            if (bot_name is None or (call["bot"] or "").lower() == bot_name)
            and (method_name is None or call["method"].lower() == method_name)
        ]

    def clear(self) -> None:
        self._calls.clear()
