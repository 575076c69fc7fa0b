"""Delivering queued updates to a bot's webhook, one at a time and in order.

An update leaves the queue only when the webhook answered 2xx. Anything else is noted
in getWebhookInfo (last_error_date, last_error_message) and retried after a backoff
that starts small and is capped low, so tests that break a webhook on purpose stay fast.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import aiohttp

from bot.sandbox.state import BotAccount, Webhook, World

_IDLE_RECHECK_SECONDS = 30.0


class WebhookSender:
    def __init__(
        self,
        world: World,
        session: Callable[[], aiohttp.ClientSession],
        *,
        first_backoff: float = 0.1,
        max_backoff: float = 2.0,
        timeout: float = 10.0,
    ) -> None:
        self._world = world
        self._session = session
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def watch(self, bot: BotAccount) -> None:
        task = self._tasks.get(bot.id)
        if task is None or task.done():
            self._tasks[bot.id] = asyncio.create_task(self._deliver(bot), name=f"webhook:{bot.username}")

    def unwatch(self, bot: BotAccount) -> None:
        task = self._tasks.pop(bot.id, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(self, bot: BotAccount) -> None:
        backoff = self.first_backoff
        queue = bot.updates
        while bot.webhook is not None:
            if not queue.pending:
                await queue.arrived.wait(_IDLE_RECHECK_SECONDS)
                continue
            hook = bot.webhook
            update = queue.pending[0]
            error = await self._post(hook, update)
            if error is None:
                if queue.pending and queue.pending[0] is update:
                    queue.pending.popleft()
                backoff = self.first_backoff
            else:
                hook.last_error_date = self._world.now()
                hook.last_error_message = error
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    async def _post(self, hook: Webhook, update: dict) -> str | None:
        """None when delivered, else the error Telegram would report."""
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._session().post(
                hook.url, data=json.dumps(update), headers=headers, timeout=self._timeout
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Timeout expired"
        except aiohttp.ClientError as error:
            return f"Connection failed: {error}"
