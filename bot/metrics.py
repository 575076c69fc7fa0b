"""Process metrics in the Prometheus text format (one registry per process)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable

_HELP = {
    "storelink_updates_received_total": "Updates received from Telegram (after de-duplication).",
    "storelink_updates_duplicate_total": "Updates received again and ignored.",
    "storelink_updates_processed_total": "Updates whose handling committed.",
    "storelink_updates_failed_total": "Updates whose handling raised.",
    "storelink_messages_sent_total": "Outbound messages Telegram accepted.",
    "storelink_messages_retried_total": "Outbound send attempts retried (429, 5xx, timeouts).",
    "storelink_messages_failed_total": "Outbound messages given up on.",
    "storelink_messages_unreachable_total": "Outbound messages to people who blocked the bot.",
    "storelink_messages_unchanged_total": "Edits Telegram found identical to the message already shown (settled as sent).",
    # A copy is in a chat twice only when Telegram took an attempt whose answer never came
    # back: a timeout, a dropped connection, or a sender that died between the call and
    # recording it. Each such attempt before the send that succeeded counts one.
    "storelink_messages_possible_duplicates_total": "Extra copies possibly delivered: attempts whose answer was lost, then sent again.",
    "storelink_queue_depth": "Outbound jobs not yet acknowledged.",
}


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[tuple[str, str]] = Counter()
        self.gauges: dict[str, Callable[[], Awaitable[float]]] = {}

    def inc(self, name: str, bot: str = "", amount: int = 1) -> None:
        self.counters[(name, bot)] += amount

    def value(self, name: str, bot: str | None = None) -> int:
        return sum(v for (n, b), v in self.counters.items() if n == name and (bot is None or b == bot))

    def gauge(self, name: str, read: Callable[[], Awaitable[float]]) -> None:
        self.gauges[name] = read

    async def render(self) -> str:
        lines: list[str] = []
        for name, help_text in _HELP.items():
            kind = "gauge" if name in self.gauges or not name.endswith("_total") else "counter"
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            if name in self.gauges:
                lines.append(f"{name} {await self.gauges[name]()}")
                continue
            samples = {b: v for (n, b), v in self.counters.items() if n == name}
            for bot in ("consumer", "associate"):
                lines.append(f'{name}{{bot="{bot}"}} {samples.get(bot, 0)}')
        return "\n".join(lines) + "\n"
