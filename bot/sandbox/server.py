"""The sandbox server: the bot side of the Bot API plus the people's side under /sandbox/.

Bots reach it exactly like api.telegram.org: `{url}/bot<token>/<method>` for methods and
`{url}/file/bot<token>/<file_path>` for downloads, so PTB's `base_url`/`base_file_url`
are all a bot needs to change. Method names are case-insensitive, as on Telegram.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox import api_chat, api_media, api_messages, api_payments, api_updates
from bot.sandbox.errors import BOT_BLOCKED, ApiError, too_many_requests
from bot.sandbox.faults import CallLog, Faults, Injected
from bot.sandbox.limits import Limits, RateLimiter
from bot.sandbox.methods import Call, Method
from bot.sandbox.params import read_params
from bot.sandbox.people import People
from bot.sandbox.state import PRE_CHECKOUT_TIMEOUT, World
from bot.sandbox.user_api import UserApi
from bot.sandbox.webhooks import WebhookSender

_log = logging.getLogger(__name__)

UPLOAD_LIMIT = 60 * 1024 * 1024  # Telegram takes up to 50 MB from bots; leave room for the form
_FETCH_LIMIT = 20 * 1024 * 1024

# Every Bot API method the sandbox speaks, keyed by its lower-cased name.
METHODS: dict[str, tuple[str, Method]] = {
    name.lower(): (name, method)
    for table in (
        api_updates.METHODS, api_messages.METHODS, api_media.METHODS, api_chat.METHODS, api_payments.METHODS
    )
    for name, method in table.items()
}


class Sandbox:
    """A local Telegram Bot API that several bots and simulated people share."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: Limits | None = None,
        pre_checkout_timeout: float = PRE_CHECKOUT_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.world = World()
        self.world.pre_checkout_timeout = pre_checkout_timeout
        self.people = People(self.world)
        self.faults = Faults()
        self.calls = CallLog()
        self.limiter = RateLimiter(limits or Limits())
        self.webhooks = WebhookSender(self.world, self._http)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def limits(self) -> Limits:
        return self.limiter.limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self.limiter.limits = limits

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    def create_bot(self, username: str, first_name: str | None = None) -> str:
        """Register a bot (once per username) and return its token."""
        return self.world.create_bot(username, first_name).token

    def reset(self) -> None:
        """Forget people, chats, files, faults, calls and flood state; bots stay."""
        self.world.reset()
        self.faults.clear()
        self.calls.clear()
        self.limiter.reset()

    async def start(self) -> None:
        self.world.closing = False
        app = web.Application(client_max_size=UPLOAD_LIMIT)
        app.add_routes(BotApi(self).routes() + UserApi(self).routes())
        # handler_cancellation ends a long poll as soon as its client goes away.
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, handler_cancellation=True, shutdown_timeout=1
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self) -> None:
        self.world.closing = True
        self.world.wake_waiters()
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _http(self) -> aiohttp.ClientSession:
        """The session for webhook posts and media URLs, opened on first use."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def fetch(self, url: str) -> bytes:
        async with self._http().get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
            response.raise_for_status()
            data = await response.content.read(_FETCH_LIMIT + 1)
        if not data or len(data) > _FETCH_LIMIT:
            raise ValueError("empty or too big")
        return data


class BotApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route("*", "/bot{token}/{method}", self.call),
            web.get("/file/bot{token}/{path:.+}", self.download),
        ]

    async def call(self, request: web.Request) -> web.StreamResponse:
        sb = self.sandbox
        started = time.time()
        bot = sb.world.bots.get(request.match_info["token"])
        asked = request.match_info["method"]
        if bot is None:
            sb.calls.record(None, asked, 401, started)
            return _reply(ApiError(401).payload(), 401)
        name, method = METHODS.get(asked.lower(), (asked, None))
        delay = sb.faults.latency(name)
        if delay:
            await asyncio.sleep(delay)
        injected = sb.faults.take_failure(bot.username, name)
        params = None
        try:
            params = await read_params(request)  # first, so that the log names the chat of a refused call too
            if injected:
                raise _injected_error(injected)
            if method is None:
                raise ApiError(404)
            result = await method(Call(sb.world, bot, params, sb.limiter, sb.webhooks, sb.fetch))
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as error:
            body, status = error.payload(), error.status
        except Exception as error:  # a sandbox bug: say so in the answer instead of a bare 500
            _log.exception("%s failed in the sandbox", name)
            body, status = ApiError(500, f"sandbox failed: {error!r}").payload(), 500
        chat = {"chat_id": str(params.raw("chat_id"))} if params is not None and params.raw("chat_id") is not None else {}
        if params is not None and params.uploads:  # files sent as bytes: a test counts uploads by these
            chat["uploads"] = sorted(params.uploads)
        if status == 200 and sb.faults.take_drop(bot.username, name):  # only a call that took effect
            sb.calls.record(bot.username, name, status, started, dropped=True, **chat)
            return _drop_connection(request)
        sb.calls.record(bot.username, name, status, started, **chat, **({} if status == 200 else body))
        return _reply(body, status)

    async def download(self, request: web.Request) -> web.StreamResponse:
        world = self.sandbox.world
        bot = world.bots.get(request.match_info["token"])
        file = world.files.by_path.get(request.match_info["path"])
        if bot is None or file is None or not world.files.visible_to(bot.id, file):
            return _reply(ApiError(404).payload(), 404)
        return web.Response(body=file.data, content_type=file.mime_type)


def _reply(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


def _injected_error(injected: Injected) -> ApiError:
    status = injected.status
    if status == 429:
        return too_many_requests(injected.retry_after)
    if status == 403:
        return ApiError(403, BOT_BLOCKED)
    if status < 500:
        return ApiError(status, injected.description or "injected by the sandbox")
    return ApiError(status)


def _drop_connection(request: web.Request) -> web.StreamResponse:
    """Close the socket without an answer: the call took effect, the bot never hears so."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=200)
