"""python-telegram-bot's BaseRequest on one aiohttp ClientSession: the Bot API transport.

It keeps the contract of PTB's HTTPXRequest, so that either can carry a bot:
- timeouts: connect, read (between two reads of the answer), write (see bodies.py) and
  pool (waiting for a free connection), each given per call or, left at DEFAULT_NONE,
  from the instance; None means no bound. Uploads use media_write_timeout. getUpdates
  long polls extend read_timeout by their own `timeout` (PTB's Bot does that);
- connection_pool_size bounds the connections open at once; idle ones are kept alive;
- failures: a timeout raises TimedOut, any other network failure NetworkError; an answer,
  whatever its status, goes back to BaseRequest as (status, body), which turns 429 into
  RetryAfter, 5xx into NetworkError, 400 into BadRequest and so on from the JSON body;
- a failure before a byte of the request left (no free connection in time, the connection
  could not be made) has a RequestNotSent as its __cause__: Telegram cannot have taken
  that call, so the sender knows resending it cannot make a duplicate.

URLs carry the bot token: no URL is put in an exception or a log line, and an aiohttp
error whose text shows the URL is reported by its class name only.
"""

from __future__ import annotations

import asyncio
import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.runtime.redaction import REDACT
from bot.runtime.transport.bodies import FORM, body, multipart

POOL_TIMED_OUT = ("Pool timeout: all connections in the connection pool are occupied. Request was *not* sent to "
                  "Telegram. Consider adjusting the connection pool size or the pool timeout.")


class RequestNotSent(Exception):
    """Why a request never left this process (the cause of a TimedOut or NetworkError)."""


class RequestFailed(Exception):
    """The cause of a failure whose aiohttp error would show the URL: its class name only."""


class AiohttpRequest(BaseRequest):
    __slots__ = ("_connect_timeout", "_defaults", "_env_proxies", "_media_write_timeout", "_pool_size", "_pool_timeout",
                 "_proxy", "_read_timeout", "_session", "_slots", "_write_timeout")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        http_version: str = "1.1",
        proxy: str | None = None,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if http_version not in ("1.1", "2", "2.0"):
            raise ValueError("`http_version` must be either '1.1', '2.0' or '2'.")
        if http_version != "1.1":
            raise ValueError("aiohttp speaks HTTP/1.1 only; use the httpx transport for HTTP/2")
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout, self._write_timeout = read_timeout, write_timeout
        self._connect_timeout, self._pool_timeout = connect_timeout, pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = proxy  # None: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY, as httpx reads them
        self._env_proxies: dict[str, str | None] = {}  # per scheme://host: the proxy the environment names
        self._defaults = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=read_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(connection_pool_size)

    @property
    def http_version(self) -> str:
        return "1.1"

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._slots = asyncio.Semaphore(self._pool_size)  # bound to this event loop from its first wait
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            # No trust_env: aiohttp would then read the proxy variables and ~/.netrc in a thread
            # on every request (two thread hops per call); _proxy_for reads them once per host.
            # No cookies: the Bot API sets none.
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}, timeout=self._defaults,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._env_proxies.clear()

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        write = _given(write_timeout, self._media_write_timeout if uploads else self._write_timeout)
        data = None
        if request_data is not None:
            if uploads:
                raw, content_type = multipart(request_data.json_parameters, request_data.multipart_data)
            else:
                raw, content_type = request_data.url_encoded_parameters().encode(), FORM
            if raw:
                data = body(raw, content_type, write)
        timeout = self._defaults
        if not (isinstance(read_timeout, DefaultValue) and isinstance(connect_timeout, DefaultValue)):
            timeout = aiohttp.ClientTimeout(total=None, connect=_given(connect_timeout, self._connect_timeout),
                                            sock_read=_given(read_timeout, self._read_timeout))
        await self._take_slot(_given(pool_timeout, self._pool_timeout))
        try:
            async with session.request(method, url, data=data, timeout=timeout, proxy=self._proxy_for(url)) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            raise TimedOut("Timed out: no connection to the Bot API in time; the request was not sent") \
                from _not_sent(exc, url)
        except (aiohttp.ClientConnectorError, aiohttp.ClientHttpProxyError) as exc:
            raise NetworkError(_describe(exc, url)) from _not_sent(exc, url)
        except TimeoutError as exc:  # no answer within read_timeout, or a write that stalled
            raise TimedOut() from _failed(exc, url)
        except (aiohttp.ClientError, OSError) as exc:
            raise NetworkError(_describe(exc, url)) from _failed(exc, url)
        finally:
            self._slots.release()

    def _proxy_for(self, url: str) -> str | None:
        if self._proxy is not None:
            return self._proxy
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._env_proxies:
            proxies = urllib.request.getproxies()
            bypass = parts.hostname is None or urllib.request.proxy_bypass(parts.hostname)
            self._env_proxies[origin] = None if bypass else proxies.get(parts.scheme) or proxies.get("all")
        return self._env_proxies[origin]

    async def _take_slot(self, pool_timeout: float | None) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # free: returns without waiting
            return
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise TimedOut(POOL_TIMED_OUT) from RequestNotSent(f"no free connection within {pool_timeout}s")


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value  # type: ignore[return-value]


def _safe_text(exc: BaseException, url: str) -> str | None:
    """The exception's text, or None when it shows the URL (the token) or anything secret."""
    text = str(exc)
    path = urlsplit(url).path
    if (path and path in text) or REDACT(text) != text:
        return None
    return text


def _describe(exc: BaseException, url: str) -> str:
    text = _safe_text(exc, url)
    return f"aiohttp.{type(exc).__name__}: {text}" if text else f"aiohttp.{type(exc).__name__}"


def _failed(exc: BaseException, url: str) -> BaseException:
    return exc if _safe_text(exc, url) is not None else RequestFailed(_describe(exc, url))


def _not_sent(exc: BaseException, url: str) -> RequestNotSent:
    reason = RequestNotSent(_describe(exc, url))
    if _safe_text(exc, url) is not None:
        reason.__cause__ = exc
    return reason
