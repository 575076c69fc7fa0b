"""getMe, getUpdates and the webhook methods.

getUpdates and a webhook are exclusive, as on Telegram: while a webhook is set,
getUpdates answers 409, and a newer getUpdates ends an older one still waiting with 409
("terminated by other getUpdates request"), which is how two pollers of one bot show up.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.methods import Call, Method
from bot.sandbox.state import Webhook

_MAX_POLL_SECONDS = 50.0
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
_SUPERSEDED = "terminated by other getUpdates request; make sure that only one bot instance is running"


async def get_me(call: Call) -> dict[str, Any]:
    return {
        **call.bot.as_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(call: Call) -> list[dict[str, Any]]:
    bot, p = call.bot, call.params
    if bot.webhook:
        raise ApiError(409, _WEBHOOK_ACTIVE)
    queue = bot.updates
    queue.set_allowed(p.decoded("allowed_updates"))
    offset = p.integer("offset")
    if offset:
        queue.confirm(offset)
    limit = min(max(p.integer("limit") or 100, 1), 100)
    timeout = min(max(p.number("timeout") or 0.0, 0.0), _MAX_POLL_SECONDS)

    bot.poll_generation += 1
    generation = bot.poll_generation
    queue.arrived.fire()  # wakes an older poll so it can step aside
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not queue.pending and not call.world.closing and await queue.arrived.wait(deadline - loop.time()):
        if bot.poll_generation != generation:
            raise ApiError(409, _SUPERSEDED)
        if bot.webhook:
            raise ApiError(409, _WEBHOOK_ACTIVE)
    return queue.first(limit)


async def set_webhook(call: Call) -> bool:
    bot, p = call.bot, call.params
    url = p.string("url") or ""
    if not url:
        return await delete_webhook(call)
    if not re.match(r"https?://[^/\s]+", url):
        raise bad_request("bad webhook: invalid webhook URL specified")
    secret = p.string("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if p.flag("drop_pending_updates"):
        bot.updates.clear()
    bot.updates.set_allowed(p.decoded("allowed_updates"))
    bot.webhook = Webhook(url, secret, p.integer("max_connections") or 40)
    bot.updates.arrived.fire()  # a waiting getUpdates now answers 409
    call.webhooks.watch(bot)
    return True


async def delete_webhook(call: Call) -> bool:
    bot = call.bot
    if call.params.flag("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = None
    call.webhooks.unwatch(bot)
    return True


async def get_webhook_info(call: Call) -> dict[str, Any]:
    bot = call.bot
    info: dict[str, Any] = {
        "url": bot.webhook.url if bot.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if bot.webhook:
        info["max_connections"] = bot.webhook.max_connections
        if bot.webhook.last_error_date:
            info["last_error_date"] = bot.webhook.last_error_date
            info["last_error_message"] = bot.webhook.last_error_message
        if bot.updates.allowed is not None:
            info["allowed_updates"] = sorted(bot.updates.allowed)
    return info


async def log_out(call: Call) -> bool:
    return True


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "logOut": log_out,
    "close": log_out,
}
