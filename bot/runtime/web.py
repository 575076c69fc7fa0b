"""The aiohttp server: Telegram webhooks, /healthz, /metrics and the orders API."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.runtime.ingress import Ingress, Receipt
from bot.runtime.metrics import Metrics
from bot.runtime.orders_api import OrdersApi
from commerce.bots import BotKind

log = logging.getLogger("storelink.web")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20  # Telegram updates are small; anything bigger is not from Telegram

INGRESS = web.AppKey("ingress", Ingress)
SECRET = web.AppKey("secret", bytes)
METRICS = web.AppKey("metrics", Metrics)
HEALTH = web.AppKey("health", object)


def webhook_path(bot: BotKind) -> str:
    return f"/telegram/{bot.value}"


def build_web_app(ingress: Ingress | None, metrics: Metrics, secret: str | None, health: object,
                  orders: OrdersApi | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    if orders is not None:  # the brand's systems: POST /api/orders/{id}/events (orders_api.py)
        orders.routes(app)
    app[METRICS] = metrics
    app[HEALTH] = health
    if ingress is not None and secret is not None:
        app[INGRESS] = ingress
        app[SECRET] = secret.encode()
        for bot in BotKind:
            app.router.add_post(webhook_path(bot), _webhook(bot))
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    return app


def _webhook(bot: BotKind):
    async def on_update(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, request.app[SECRET]):
            log.warning("webhook call for the %s bot with a missing or wrong secret from %s", bot, request.remote)
            return web.Response(status=401, text="unauthorized")
        ingress = request.app[INGRESS]
        try:
            payload = json.loads(await request.read())
        except (ValueError, RecursionError) as exc:  # not JSON (or nested past what a parser takes)
            log.warning("a webhook body for the %s bot that is not JSON was refused: %s", bot, type(exc).__name__)
            ingress.metrics_refused(bot)
            return web.Response(status=400, text="not a JSON update")
        ingress.intake.waiting(bot)
        # Raises only when the database is out of reach: a 500, and Telegram delivers again.
        receipt = await ingress.receive(bot, payload)
        ingress.intake.recorded(bot)
        if receipt is Receipt.REFUSED:
            return web.Response(status=400, text="not a Telegram update")
        # Recorded, a redelivery, or recorded as rejected: Telegram must not send it again.
        return web.Response(status=200)

    return on_update


async def _healthz(request: web.Request) -> web.Response:
    problems = await request.app[HEALTH]()
    body = {"status": "ok" if not problems else "degraded", "problems": problems}
    return web.json_response(body, status=200 if not problems else 503)


async def _metrics(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    await metrics.refresh()
    return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
