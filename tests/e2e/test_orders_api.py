"""The brand's systems drive an order's delivery through POST /api/orders/{id}/events on the
running process, with aiohttp's client: a bearer token (401 without it, whatever the order),
strict bodies (400 naming the field, 413 when oversize), idempotent by event_id (a replay
answers the same and changes nothing), illegal steps refused politely (409), unknown orders
404, and every applied event pushed to the member at once.

Given the shop (Bob, Lina), Alice enrolled with Bob and her order confirmed, paid on
delivery. Both stacks run every test.
"""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp
import pytest

from commerce.orders import OrderStatus, Payment
from tests.e2e.scenario import enrol, open_shop, settle, wait_for_text
from tests.e2e.shop_orders import a_product, events_of, order_now, placed_order, step

TOKEN = secrets.token_urlsafe(32)


@pytest.fixture
def stack_settings() -> dict[str, Any]:
    return {"orders_api_token": TOKEN}


async def confirmed_order(stack) -> tuple[int, int]:
    """Alice's order, confirmed by Bob; (order id, Alice's user id)."""
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    scarf = await a_product(stack, shop)
    order = await placed_order(stack, alice, scarf, payment=Payment.ON_DELIVERY)
    await step(stack, shop.bob_user, f"{order.id} confirm")
    return order.id, alice


async def post(stack, path: str, body: Any = None, *, token: str | None = TOKEN, raw: bytes | None = None
               ) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{stack.settings_overrides['http_port']}{path}"
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession() as session:
        data = raw if raw is not None else None
        async with session.post(url, json=body if raw is None else None, data=data, headers=headers) as response:
            return response.status, await response.json(content_type=None)


async def test_an_event_moves_the_order_tells_the_member_and_a_replay_changes_nothing(stack):
    order_id, alice = await confirmed_order(stack)
    event = {"event_id": "wms-1", "action": "packed", "courier": "SF Express", "tracking_number": "SF1234567890",
             "eta": "2026-11-24T18:00:00+08:00"}

    status, first = await post(stack, f"/api/orders/{order_id}/events", event)
    packed = await wait_for_text(stack, alice, stack.consumer_bot, "is packed")
    status_again, again = await post(stack, f"/api/orders/{order_id}/events", event)
    await settle(stack)

    assert status == 200 and first["status"] == "packed" and first["replayed"] is False
    assert "SF1234567890" in packed["text"]
    assert status_again == 200 and {**again, "replayed": False} == first and again["replayed"] is True
    assert len([e for e in await events_of(stack, order_id) if e.event_key == "api:wms-1"]) == 1
    texts = [m["text"] or "" for m in await stack.bot_messages(alice, stack.consumer_bot)]
    assert sum("is packed" in t for t in texts) == 1

    shipped = await post(stack, f"/api/orders/{order_id}/events", {"event_id": "wms-2", "action": "shipped"})
    delivered = await post(stack, f"/api/orders/{order_id}/events", {"event_id": "scan-3", "action": "delivered",
                                                                      "actor": "courier"})
    assert shipped[0] == delivered[0] == 200
    await wait_for_text(stack, alice, stack.consumer_bot, "was delivered")
    assert (await order_now(stack, order_id)).status is OrderStatus.DELIVERED


async def test_a_missing_or_wrong_token_is_refused_without_saying_whether_the_order_exists(stack):
    order_id, _ = await confirmed_order(stack)
    event = {"event_id": "x-1", "action": "packed"}

    answers = [await post(stack, f"/api/orders/{order_id}/events", event, token=None),
               await post(stack, f"/api/orders/{order_id}/events", event, token=TOKEN[:-1]),
               await post(stack, "/api/orders/987654/events", event, token="wrong-" + TOKEN)]

    assert [status for status, _ in answers] == [401, 401, 401]
    assert answers[0][1] == answers[1][1] == answers[2][1]
    assert (await order_now(stack, order_id)).status is OrderStatus.CONFIRMED


async def test_an_illegal_step_is_refused_politely_and_an_unknown_order_is_404(stack):
    order_id, _ = await confirmed_order(stack)

    illegal = await post(stack, f"/api/orders/{order_id}/events", {"event_id": "x-2", "action": "delivered"})
    unknown = await post(stack, "/api/orders/987654/events", {"event_id": "x-3", "action": "packed"})

    assert illegal[0] == 409 and illegal[1]["error"] == "not_allowed"
    assert illegal[1]["message"].startswith("Sorry,") and illegal[1]["status_now"] == "confirmed"
    assert unknown[0] == 404 and unknown[1]["error"] == "unknown_order"
    assert (await order_now(stack, order_id)).status is OrderStatus.CONFIRMED


MALFORMED = [
    ({"action": "packed"}, "event_id"),
    ({"event_id": "x", "action": "teleported"}, "action"),
    ({"event_id": "x", "action": "packed", "colour": "red"}, "colour"),
    ({"event_id": "x", "action": "shipped", "eta": "tomorrow"}, "eta"),
    ({"event_id": "x", "action": "shipped", "eta": "2026-11-24T18:00"}, "eta"),
    ({"event_id": 12, "action": "packed"}, "event_id"),
    ({"event_id": "x" * 101, "action": "packed"}, "event_id"),
    ({"event_id": "x", "action": "packed", "actor": "robot"}, "actor"),
    ({"event_id": "x", "action": "packed", "courier": "\u0000"}, "courier"),
    (["not", "an", "object"], "body"),
]


async def test_a_malformed_event_is_refused_naming_the_field(stack):
    order_id, _ = await confirmed_order(stack)

    answers = [await post(stack, f"/api/orders/{order_id}/events", body) for body, _ in MALFORMED]

    assert [(status, answer.get("field")) for status, answer in answers] == [(400, field) for _, field in MALFORMED]
    assert len(await events_of(stack, order_id)) == 2  # placed, confirmed: nothing else


async def test_a_body_that_is_not_json_or_too_large_is_refused(stack):
    order_id, _ = await confirmed_order(stack)

    not_json = await post(stack, f"/api/orders/{order_id}/events", raw=b"packed, please")
    oversize = await post(stack, f"/api/orders/{order_id}/events", raw=b'{"event_id": "' + b"x" * 20_000 + b'"}')

    assert not_json[0] == 400 and not_json[1]["field"] == "body"
    assert oversize[0] == 413


@pytest.mark.parametrize("stack_settings", [{}])
async def test_without_a_token_configured_the_endpoint_is_off(stack):
    status, answer = await post(stack, "/api/orders/1/events", {"event_id": "x", "action": "packed"})

    assert status == 503 and "STORELINK_ORDERS_API_TOKEN" in answer["message"]
