"""Every bot of a running process (the two Applications, whose getUpdates the poller
makes, and the sender's) talks to the Bot API through the configured transport."""

from __future__ import annotations

from telegram.request import HTTPXRequest

from bot.runtime.transport import AiohttpRequest
from tests.conftest import chosen_transport
from tests.e2e.conftest import CONSUMER_BOT, Stack


async def test_every_bot_uses_the_configured_transport_for_calls_and_for_get_updates(stack: Stack) -> None:
    expected = AiohttpRequest if chosen_transport() == "aiohttp" else HTTPXRequest
    runtime = stack.runtime
    assert runtime.sender is not None
    bots = [app.bot for app in runtime.applications.values()] + list(runtime.sender.bots.values())

    assert len(bots) == 4
    for bot in bots:
        calls, updates = bot._request[1], bot._request[0]  # PTB: [0] serves getUpdates, [1] the rest
        assert type(calls) is expected and type(updates) is expected
        assert calls is not updates

    user = await stack.person("Dee")
    answer = await stack.reply_to(user, CONSUMER_BOT, "/help")  # polled, handled and sent through them
    assert answer["text"]
