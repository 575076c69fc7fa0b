"""POST /api/orders/{id}/events: the brand's own systems (their warehouse, their courier's
scans) drive an order's delivery steps.

    Authorization: Bearer <STORELINK_ORDERS_API_TOKEN>
    {"event_id": "wms-8812", "action": "shipped", "courier": "SF Express",
     "tracking_number": "SF1234567890", "eta": "2026-11-24T18:00:00+08:00"}

- no token configured: 503, the endpoint is off; a missing or wrong token: 401, whatever
  the order (the answer never tells whether an order exists);
- a body that is not JSON, or fields that are unknown, missing or of the wrong kind: 400
  naming the field; a body over MAX_BODY bytes: 413;
- unknown order: 404; a step the order's state does not allow: 409, politely, nothing changed;
- applied: 200 with the order's status; the same event_id again: 200 with the same answer
  and nothing changed. Each applied event tells the member at once (commerce.order_notices).
"""

from __future__ import annotations

import hmac
import json
import logging
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.interface.context import Services
from commerce.access import NotYours
from commerce.order_events import MAX_EVENT_ID, ExternalEvent, NotAnEvent
from commerce.order_moves import Moved
from commerce.order_notices import Applied, take_external_event
from commerce.order_values import OutOfStock, Replayed, Stale
from commerce.orders import Action, Actor, OrderEvent, Refused, Why

log = logging.getLogger("storelink.api")
MAX_BODY = 16 * 1024  # bytes: an event is a few hundred
MAX_DETAIL, MAX_REASON = 100, 500  # characters of a courier, tracking number; of a reason
ORDER_ID_MAX = 2**63 - 1
# The words the brand's systems use for each step.
ACTIONS = {
    "paid": Action.PAY, "packed": Action.PACK, "eta": Action.SET_ETA, "shipped": Action.SHIP,
    "out_for_delivery": Action.SHIP, "ready": Action.READY, "ready_for_pickup": Action.READY,
    "delivered": Action.DELIVER, "picked_up": Action.PICK_UP, "cancelled": Action.CANCEL, "refunded": Action.REFUND,
}
ACTORS = {"api": Actor.API, "courier": Actor.COURIER}
FIELDS = frozenset({"event_id", "action", "actor", "courier", "tracking_number", "eta", "reason"})


class Invalid(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


class OrdersApi:
    def __init__(self, services: Services, token: str | None) -> None:
        self.services = services
        self.token = token.encode() if token else None

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/orders/{order_id}/events", self.on_event)

    async def on_event(self, request: web.Request) -> web.Response:
        if self.token is None:
            return _error(503, "disabled", "the orders API is off: set STORELINK_ORDERS_API_TOKEN to turn it on")
        if not self._authorised(request):
            log.warning("an orders API call with a missing or wrong token from %s", request.remote)
            return _error(401, "unauthorized", "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        order_id = _order_id(request.match_info["order_id"])
        if order_id is None:
            return _error(404, "unknown_order", "there is no such order")
        if (request.content_length or 0) > MAX_BODY:
            return _error(413, "too_large", f"the body is over {MAX_BODY} bytes")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return _error(413, "too_large", f"the body is over {MAX_BODY} bytes")
        try:
            event = read_event(body)
        except Invalid as bad:
            return _error(400, "invalid", bad.problem, field=bad.field)
        return await self._apply(order_id, event)

    def _authorised(self, request: web.Request) -> bool:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        assert self.token is not None
        # compare_digest on bytes of any length: the time does not depend on how much matched.
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token)

    async def _apply(self, order_id: int, event: ExternalEvent) -> web.Response:
        services = self.services
        async with services.uow() as uow:
            postbox = services.postbox(uow, await services.current_brand(uow))
            result = await take_external_event(uow, postbox, order_id, event, services.clock.now(), services.invoicing)
            if isinstance(result, Moved):
                await uow.commit()
        if isinstance(result, Moved):
            log.info("order %s: %s from the brand's systems (event applied)", order_id, event.action)
            return _applied(order_id, event.event_id, result.event, replayed=False)
        if isinstance(result, Applied):
            return _applied(order_id, event.event_id, result.event, replayed=True)
        if isinstance(result, NotYours):
            return _error(404, "unknown_order", "there is no such order")
        if isinstance(result, Refused):
            return _refused(order_id, result)
        if isinstance(result, NotAnEvent):
            return _error(400, "invalid", result.message, field="actor")
        if isinstance(result, Stale | Replayed):
            return _error(409, "conflict", "the order changed at the same time: send the event again")
        if isinstance(result, OutOfStock):
            return _error(409, "out_of_stock", result.message)
        return _error(409, "refused", getattr(result, "message", "the step was not taken"))


def read_event(body: bytes) -> ExternalEvent:
    """The event in the body, checked field by field; Invalid names the first bad one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise Invalid("body", "the body is not JSON") from None
    if not isinstance(data, dict):
        raise Invalid("body", "the body is a JSON object")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise Invalid(unknown[0], f"unknown field {unknown[0]!r}; the fields are {', '.join(sorted(FIELDS))}")
    event_id = _text(data, "event_id", MAX_EVENT_ID, required=True)
    action_word = _text(data, "action", 32, required=True)
    action = ACTIONS.get(action_word or "")
    if action is None:
        raise Invalid("action", f"action is one of {', '.join(ACTIONS)}")
    actor = ACTORS.get(_text(data, "actor", 16) or "api")
    if actor is None:
        raise Invalid("actor", f"actor is one of {', '.join(ACTORS)}")
    eta_text = _text(data, "eta", 64)
    eta = None
    if eta_text is not None:
        try:
            eta = datetime.fromisoformat(eta_text)
        except ValueError:
            raise Invalid("eta", "eta is an ISO 8601 time with its offset, e.g. 2026-11-24T18:00:00+08:00") from None
        if eta.tzinfo is None:
            raise Invalid("eta", "eta needs its offset (e.g. +08:00 or Z)")
    assert event_id is not None
    return ExternalEvent(event_id, action, actor, reason=_text(data, "reason", MAX_REASON),
                         courier=_text(data, "courier", MAX_DETAIL), tracking_number=_text(data, "tracking_number", MAX_DETAIL),
                         eta=eta)


def _text(data: dict[str, Any], field: str, limit: int, *, required: bool = False) -> str | None:
    value = data.get(field)
    if value is None:
        if required:
            raise Invalid(field, f"{field} is required")
        return None
    if not isinstance(value, str):
        raise Invalid(field, f"{field} is a string")
    value = value.strip()
    if not value or len(value) > limit or any(ord(c) < 32 for c in value):
        raise Invalid(field, f"{field} has 1 to {limit} characters, without control characters")
    return value


def _order_id(raw: str) -> int | None:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 0 < value <= ORDER_ID_MAX else None


def _applied(order_id: int, event_id: str, event: OrderEvent, *, replayed: bool) -> web.Response:
    return web.json_response({"ok": True, "order_id": order_id, "event_id": event_id, "action": event.action.value,
                              "status": event.to_status.value, "replayed": replayed})


def _refused(order_id: int, refused: Refused) -> web.Response:
    if refused.why is Why.REASON_REQUIRED:
        return _error(400, "invalid", "this step needs a reason", field="reason")
    return _error(409, "not_allowed", f"Sorry, {refused.message} (order {order_id} is {refused.status.value}).",
                  status_now=refused.status.value)


def _error(status: int, error: str, message: str, *, headers: dict[str, str] | None = None, **more: Any) -> web.Response:
    return web.json_response({"ok": False, "error": error, "message": message, **more}, status=status, headers=headers)
