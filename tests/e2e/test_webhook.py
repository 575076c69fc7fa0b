"""Webhook mode: the secret is checked in constant time, updates are recorded before the
200, and a redelivered update has one effect."""

import json

import aiohttp
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from commerce.bots import BotKind
from commerce.inbox import InboxStatus
from tests.e2e.scenario import enrol, open_shop, settle, wait_for_text

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def stack_mode():
    return "webhook"


def start_update(update_id: int, user_id: int, text: str = "/start") -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Alice", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Alice"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def post_update(stack, bot: BotKind, payload: dict, secret: str | None) -> int:
    url = f"{stack.settings_overrides['webhook_base_url']}/telegram/{bot.value}"
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session, session.post(url, json=payload, headers=headers) as response:
        return response.status


async def test_both_bots_answer_start_through_their_webhooks(stack):
    alice = await stack.person("Alice")
    assert "Welcome to Maison Test" in (await stack.reply_to(alice, stack.consumer_bot, "/start"))["text"]
    assert "invite link" in (await stack.reply_to(alice, stack.associate_bot, "/start"))["text"]
    assert stack.metrics.value("storelink_updates_received_total") == 2


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
async def test_a_call_without_the_right_secret_is_refused_and_changes_nothing(stack, secret):
    alice = await stack.person("Alice")
    status = await post_update(stack, BotKind.CONSUMER, start_update(990_001, alice), secret)

    assert status == 401
    async with stack.runtime.services.uow() as uow:
        assert await uow.inbox.get(BotKind.CONSUMER, 990_001) is None
    assert await stack.bot_messages(alice, stack.consumer_bot) == []
    assert stack.metrics.value("storelink_updates_received_total") == 0


async def test_the_same_update_delivered_twice_has_one_effect(stack):
    alice = await stack.person("Alice")
    await stack.people.send_text(alice, stack.consumer_bot, "hello")  # opens the chat, as a real person would
    secret = stack.settings_overrides["webhook_secret"]
    update = start_update(990_002, alice, "/help")

    assert await post_update(stack, BotKind.CONSUMER, update, secret) == 200
    assert await post_update(stack, BotKind.CONSUMER, update, secret) == 200
    await stack.people.wait_for(alice, stack.consumer_bot, lambda m: "shopping assistant" in (m["text"] or ""))
    await stack.runtime.ingress.drain()
    await stack.runtime.sender_idle()

    helps = [m for m in await stack.bot_messages(alice, stack.consumer_bot) if "shopping assistant" in (m["text"] or "")]
    assert len(helps) == 1
    assert stack.metrics.value("storelink_updates_duplicate_total") == 1
    async with stack.runtime.services.uow() as uow:
        assert (await uow.inbox.get(BotKind.CONSUMER, 990_002)).status is InboxStatus.DONE


async def scrape(stack) -> dict[str, list]:
    """/metrics over HTTP, parsed as Prometheus parses it: {sample name: [samples]}."""
    async with aiohttp.ClientSession() as session, session.get(f"{stack.settings_overrides['webhook_base_url']}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
        body = await response.text()
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def one(samples: dict[str, list], name: str, **labels: str) -> float:
    found = [s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (name, labels, samples.get(name))
    return found[0]


async def test_healthz_and_metrics_are_served(stack):
    base = stack.settings_overrides["webhook_base_url"]
    async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as response:
        assert response.status == 200 and (await response.json())["status"] == "ok"
    samples = await scrape(stack)
    assert one(samples, "storelink_updates_received_total", bot="consumer") == 0
    assert one(samples, "storelink_updates_rejected_total", bot="associate") == 0
    assert one(samples, "storelink_queue_depth") == 0


async def test_metrics_time_a_relayed_message_from_its_update_to_its_send(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    before = await scrape(stack)
    handled_before = one(before, "storelink_update_handling_seconds_count", bot="consumer", outcome="done")
    sent_before = one(before, "storelink_send_latency_seconds_count", bot="associate", method="sendMessage", outcome="sent")

    await stack.people.send_text(alice, stack.consumer_bot, "Do you have the navy scarf?")
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "navy scarf")
    await settle(stack)
    samples = await scrape(stack)

    # The member's update was handled once more, and the relayed copy sent once more to Bob.
    assert one(samples, "storelink_updates_received_total", bot="consumer") == stack.metrics.value(
        "storelink_updates_received_total", "consumer") > 0
    handled = one(samples, "storelink_update_handling_seconds_count", bot="consumer", outcome="done")
    assert handled == handled_before + 1
    sent = one(samples, "storelink_send_latency_seconds_count", bot="associate", method="sendMessage", outcome="sent")
    assert sent == sent_before + 1
    for name, labels, count in [
        ("storelink_update_handling_seconds", {"bot": "consumer", "outcome": "done"}, handled),
        ("storelink_send_latency_seconds", {"bot": "associate", "method": "sendMessage", "outcome": "sent"}, sent),
    ]:
        buckets = sorted((float(s.labels["le"]), s.value) for s in samples[f"{name}_bucket"]
                         if all(s.labels.get(k) == v for k, v in labels.items()))
        assert buckets[-1] == (float("inf"), count)  # every observation is in the last bucket
        assert [n for _, n in buckets] == sorted(n for _, n in buckets)  # cumulative
        assert buckets[0][0] < 1.0 and one(samples, f"{name}_sum", **labels) > 0
    assert {s.labels["outcome"] for s in samples["storelink_update_handling_seconds_count"]} == {"done"}
    assert one(samples, "storelink_queue_depth") == 0  # everything acknowledged


async def post_body(stack, bot: BotKind, body: bytes) -> int:
    url = f"{stack.settings_overrides['webhook_base_url']}/telegram/{bot.value}"
    headers = {SECRET_HEADER: stack.settings_overrides["webhook_secret"], "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status


@pytest.mark.parametrize("body", [
    b"not json", b"\xff\xfe", b"[1]", b"{}", b'{"update_id": "7"}', b'{"update_id": true}',
    b'{"update_id": 18446744073709551616}', b"[" * 100_000 + b"]" * 100_000,
])
async def test_a_body_that_is_not_an_update_is_refused_with_400_and_records_nothing(stack, body):
    assert await post_body(stack, BotKind.CONSUMER, body) == 400
    assert stack.metrics.value("storelink_updates_rejected_total") == 1
    async with stack.runtime.services.uow() as uow:
        assert await uow.inbox.unprocessed(stack.runtime.services.clock.now(), 10) == []


async def test_odd_updates_are_recorded_as_rejected_with_200_and_nul_is_handled(stack):
    alice = await stack.person("Alice")
    await stack.people.send_text(alice, stack.consumer_bot, "hello")  # opens the chat
    chat_x = b'{"update_id": 990100, "message": {"message_id": 1, "date": 0, "chat": "x", "text": "hi"}}'
    nan = b'{"update_id": 990101, "message": {"message_id": 1, "date": NaN, "chat": {"id": 1, "type": "private"}}}'
    nul = json.dumps(start_update(990102, alice, "/help me\u0000")).encode()

    assert [await post_body(stack, BotKind.CONSUMER, body) for body in (chat_x, nan, nul)] == [200, 200, 200]
    await stack.people.wait_for(alice, stack.consumer_bot, lambda m: "shopping assistant" in (m["text"] or ""))
    await stack.runtime.ingress.drain()
    async with stack.runtime.services.uow() as uow:
        rows = [await uow.inbox.get(BotKind.CONSUMER, n) for n in (990100, 990101, 990102)]
    assert [row.status for row in rows] == [InboxStatus.REJECTED, InboxStatus.REJECTED, InboxStatus.DONE]
    timed = stack.metrics.registry.get_sample_value  # the two rejected ones: screened, recorded, never handled
    assert timed("storelink_update_handling_seconds_count", {"bot": "consumer", "outcome": "rejected"}) == 2
    assert rows[0].error.startswith("not a Telegram update") and rows[1].error == "a number that is not finite"
    assert rows[2].payload["message"]["text"] == "/help me\ufffd"
