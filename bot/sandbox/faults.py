"""Faults to inject into the bot side, and the log of the calls the bots made.

Failures happen before a call is applied (the server "errored"); dropped responses
happen after it (the call took effect but the bot never heard back), which is the case
that makes senders retry and duplicate messages.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any


@dataclass
class _Fault:
    remaining: int
    method: str | None  # lower-cased Bot API method name, None for any
    bot: str | None  # lower-cased bot username, None for any
    status: int = 500

    def matches(self, bot: str, method: str) -> bool:
        return (self.method is None or self.method == method.lower()) and (self.bot is None or self.bot == bot.lower())


class Faults:
    def __init__(self) -> None:
        self._failures: list[_Fault] = []
        self._drops: list[_Fault] = []
        self._latency: dict[str | None, float] = {}

    def fail_next(self, n: int, *, status: int = 500, method: str | None = None, bot: str | None = None) -> None:
        self._failures.append(_Fault(n, _lower(method), _lower(bot, strip="@"), status))

    def drop_responses(self, n: int, *, method: str | None = None, bot: str | None = None) -> None:
        self._drops.append(_Fault(n, _lower(method), _lower(bot, strip="@")))

    def set_latency(self, seconds: float, *, method: str | None = None) -> None:
        if seconds > 0:
            self._latency[_lower(method)] = seconds
        else:
            self._latency.pop(_lower(method), None)

    def clear(self) -> None:
        self._failures.clear()
        self._drops.clear()
        self._latency.clear()

    def latency(self, method: str) -> float:
        return self._latency.get(method.lower(), self._latency.get(None, 0.0))

    def take_failure(self, bot: str, method: str) -> int | None:
        """The status to fail this call with, using up one planned failure."""
        fault = _take(self._failures, bot, method)
        return fault.status if fault else None

    def take_drop(self, bot: str, method: str) -> bool:
        return _take(self._drops, bot, method) is not None

    def describe(self) -> dict[str, Any]:
        return {
            "fail_next": [vars(f) for f in self._failures],
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
