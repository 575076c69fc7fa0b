"""How the bots reach the Bot API: PTB's request objects, aiohttp (the default) or httpx.

Both bots, the sender's and the poller's, take their requests from bot_requests(), sized as
PTB's ApplicationBuilder sizes its own: up to 256 connections for calls, one for getUpdates
(a long poll holds its connection; a separate instance keeps calls from waiting behind it).
"""

from __future__ import annotations

import httpx
from telegram.error import NetworkError
from telegram.request import BaseRequest, HTTPXRequest

from bot.runtime.settings import TRANSPORTS
from bot.runtime.transport.aiohttp_request import AiohttpRequest, RequestNotSent

CALLS_POOL = 256
UPDATES_POOL = 1

__all__ = ["TRANSPORTS", "AiohttpRequest", "RequestNotSent", "bot_requests", "make_request", "never_sent"]


def make_request(transport: str, connection_pool_size: int = CALLS_POOL, **options: object) -> BaseRequest:
    """One request object of the named transport; options as PTB's HTTPXRequest takes them."""
    if transport == "httpx":
        return HTTPXRequest(connection_pool_size, **options)  # type: ignore[arg-type]
    if transport == "aiohttp":
        return AiohttpRequest(connection_pool_size, **options)  # type: ignore[arg-type]
    raise ValueError(f"unknown transport {transport!r}: one of {', '.join(TRANSPORTS)}")


def bot_requests(transport: str) -> dict[str, BaseRequest]:
    """The keyword arguments of telegram.Bot (and of ApplicationBuilder's methods of the
    same names): `request` for calls and `get_updates_request` for getUpdates."""
    return {"request": make_request(transport), "get_updates_request": make_request(transport, UPDATES_POOL)}


def never_sent(exc: NetworkError) -> bool:
    """True when the request never left this process (no connection in time, none could be
    made): Telegram cannot have taken the call, whatever the transport."""
    return isinstance(exc.__cause__, RequestNotSent | httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
