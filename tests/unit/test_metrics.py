"""The metrics facade: each Metrics counts on its own registry, names are checked, and a
gauge that cannot be read shows as unknown rather than failing the scrape."""

import math

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.runtime.metrics import COUNTERS, SEND_LATENCY, UPDATE_HANDLING, Metrics, started
from commerce.bots import BotKind


def exposed(metrics: Metrics) -> dict[str, str]:
    return {family.name: family.type for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())}


def test_two_instances_count_apart_and_by_bot():
    first, second = Metrics(), Metrics()
    first.inc("storelink_messages_sent_total", BotKind.ASSOCIATE, 3)
    first.inc("storelink_messages_sent_total", BotKind.CONSUMER)

    assert first.value("storelink_messages_sent_total") == 4
    assert first.value("storelink_messages_sent_total", "associate") == 3
    assert second.value("storelink_messages_sent_total") == 0


def test_every_counter_is_exposed_from_the_start_for_both_bots_and_the_histograms_once_observed():
    metrics = Metrics()
    metrics.observe(UPDATE_HANDLING, started(), bot=BotKind.CONSUMER, outcome="done")
    metrics.observe(SEND_LATENCY, started(), bot=BotKind.ASSOCIATE, method="sendMessage", outcome="sent")
    families = exposed(metrics)

    for name in COUNTERS:
        assert families[name.removesuffix("_total")] == "counter"
        for bot in BotKind:
            assert metrics.registry.get_sample_value(name, {"bot": bot.value}) == 0
    assert families[UPDATE_HANDLING] == families[SEND_LATENCY] == "histogram"
    assert metrics.registry.get_sample_value(f"{SEND_LATENCY}_count",
                                             {"bot": "associate", "method": "sendMessage", "outcome": "sent"}) == 1


def test_a_name_nobody_declared_is_an_error_not_a_new_series():
    with pytest.raises(KeyError):
        Metrics().inc("storelink_mesages_sent_total", BotKind.CONSUMER)


async def test_a_gauge_is_read_at_refresh_and_unknown_when_its_read_fails():
    metrics, depth = Metrics(), [7.0]

    async def read() -> float:
        if not depth:
            raise ConnectionError("redis is gone")
        return depth[0]

    metrics.gauge("storelink_queue_depth", read)
    await metrics.refresh()
    assert metrics.value("storelink_queue_depth") == 7
    depth.clear()
    await metrics.refresh()
    assert math.isnan(metrics.value("storelink_queue_depth"))
    assert exposed(metrics)["storelink_messages_sent"] == "counter"  # the rest is served all the same
