"""Process metrics, kept and exposed by prometheus_client.

Each Runtime has its own CollectorRegistry rather than the library's global one: tests run
several runtimes in one process, and each must count only its own updates and messages.
Call sites name a metric by its exposed name (`metrics.inc("storelink_messages_sent_total",
bot)`), so what the code counts can be found by grepping for what a dashboard shows.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from commerce.bots import BotKind

log = logging.getLogger("storelink.metrics")

COUNTERS = {
    "storelink_updates_received_total": "Updates received from Telegram (after de-duplication).",
    "storelink_updates_duplicate_total": "Updates received again and ignored.",
    "storelink_updates_rejected_total": "Bodies refused or updates recorded as rejected; never handled.",
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
}
GAUGES = {
    "storelink_queue_depth": "Outbound jobs not yet acknowledged.",
}
# outcome: done / failed (the inbox row's end), or rejected (screened out and recorded as
# such at intake: the time is the screening and the recording).
UPDATE_HANDLING = "storelink_update_handling_seconds"
# One Telegram call per observation; outcome: sent / failed / unreachable / retried.
SEND_LATENCY = "storelink_send_latency_seconds"
HISTOGRAMS = {
    UPDATE_HANDLING: ("Seconds from the start of an update's handling to its inbox row's final state.", ("bot", "outcome")),
    SEND_LATENCY: ("Seconds one Bot API call of the sender took, by its answer.", ("bot", "method", "outcome")),
}


def started() -> float:
    """A start time for observe(): monotonic, unlike the clock the domain reads."""
    return time.perf_counter()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._counters = {name: Counter(name, text, ["bot"], registry=self.registry) for name, text in COUNTERS.items()}
        for counter in self._counters.values():  # every series exists from the start, at 0
            for bot in BotKind:
                counter.labels(bot=bot.value)
        self._histograms = {name: Histogram(name, text, labels, registry=self.registry)
                            for name, (text, labels) in HISTOGRAMS.items()}
        self._gauges: dict[str, tuple[Gauge, Callable[[], Awaitable[float]]]] = {}

    def inc(self, name: str, bot: str, amount: int = 1) -> None:
        self._counters[name].labels(bot=str(bot)).inc(amount)

    def observe(self, name: str, since: float, **labels: str) -> None:
        """Record the seconds since `since` (from started()) in histogram `name`."""
        self._histograms[name].labels(**{k: str(v) for k, v in labels.items()}).observe(max(0.0, started() - since))

    def value(self, name: str, bot: str | None = None) -> float:
        """The sum of the samples called `name` (of one bot's, if given): a counter's
        `..._total`, a histogram's `..._count`, a gauge as last refreshed."""
        return sum(
            sample.value
            for family in self.registry.collect()
            for sample in family.samples
            if sample.name == name and (bot is None or sample.labels.get("bot") == str(bot))
        )

    def gauge(self, name: str, read: Callable[[], Awaitable[float]]) -> None:
        self._gauges[name] = (Gauge(name, GAUGES[name], registry=self.registry), read)

    async def refresh(self) -> None:
        """Read the gauges, before an exposition.

        The queue depth lives in Redis and is read with an await, while prometheus_client
        collects synchronously inside generate_latest(). Reading it here, in the async
        /metrics handler just before the exposition, gives the value as of the scrape, as a
        scraper expects; a background refresher would report a value up to its period old
        and read Redis even when nobody scrapes. A read that fails shows NaN (unknown), not
        the last value, and the rest of the metrics are served all the same."""
        for name, (gauge, read) in self._gauges.items():
            try:
                gauge.set(await read())
            except Exception as exc:
                log.warning("%s could not be read: %s", name, type(exc).__name__)
                gauge.set(math.nan)
