"""Getting updates: long polling, webhooks, and PTB Applications on both."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import telegram
from aiohttp import web
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.sandbox import Sandbox, SandboxClient
from tests.sandbox.conftest import BRAND

SECRET = "s3cret_token-1"


class WebhookReceiver:
    """A small webhook endpoint that can be told to fail its next answers."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict]] = []
        self.failures_left = 0
        self.arrived = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.on_update)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def on_update(self, request: web.Request) -> web.Response:
        if self.failures_left:
            self.failures_left -= 1
            return web.Response(status=500)
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        self.arrived.set()
        return web.Response()

    async def wait_for(self, count: int, timeout: float = 3.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    await hook.start()
    yield hook
    await hook.stop()


async def test_a_long_poll_wakes_as_soon_as_an_update_arrives(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    async def write_soon() -> None:
        await asyncio.sleep(0.1)
        await people.send_text(ada["id"], BRAND, "hello?")

    writing = asyncio.create_task(write_soon())
    started = time.monotonic()
    updates = await brand.get_updates(timeout=10)
    await writing

    assert updates[0].message.text == "hello?"
    assert time.monotonic() - started < 1.0


async def test_an_offset_confirms_earlier_updates(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    for text in ("one", "two", "three"):
        await people.send_text(ada["id"], BRAND, text)

    first_two = await brand.get_updates(limit=2)
    rest = await brand.get_updates(offset=first_two[-1].update_id + 1)

    assert [u.message.text for u in first_two] == ["one", "two"]
    assert [u.message.text for u in rest] == ["three"]
    assert first_two[0].update_id < first_two[1].update_id < rest[0].update_id


async def test_a_second_poller_ends_the_first_with_a_conflict(sandbox: Sandbox, brand: telegram.Bot) -> None:
    first = asyncio.create_task(brand.get_updates(timeout=5))
    await asyncio.sleep(0.05)

    async with telegram.Bot(brand.token, base_url=sandbox.api_base_url) as second_instance:
        second = await second_instance.get_updates(timeout=0.1)

    assert second == ()
    with pytest.raises(telegram.error.Conflict, match="terminated by other getUpdates request"):
        await first


async def test_a_webhook_gets_updates_with_the_secret_and_retries_after_errors(
    people: SandboxClient, brand: telegram.Bot, receiver: WebhookReceiver, ada
) -> None:
    receiver.failures_left = 2
    await brand.set_webhook(receiver.url, secret_token=SECRET)

    await people.send_text(ada["id"], BRAND, "first")
    await people.send_text(ada["id"], BRAND, "second")
    await receiver.wait_for(2)

    assert [(secret, update["message"]["text"]) for secret, update in receiver.received] == [
        (SECRET, "first"),
        (SECRET, "second"),
    ]
    info = await brand.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert "500" in info.last_error_message


async def test_undelivered_updates_wait_in_the_queue(
    sandbox: Sandbox, people: SandboxClient, brand: telegram.Bot, receiver: WebhookReceiver, ada
) -> None:
    receiver.failures_left = 1000
    await brand.set_webhook(receiver.url)

    await people.send_text(ada["id"], BRAND, "are you there?")
    await asyncio.sleep(0.15)
    info = await brand.get_webhook_info()
    receiver.failures_left = 0
    await receiver.wait_for(1)

    assert info.pending_update_count == 1 and info.last_error_date is not None
    assert receiver.received[0][1]["message"]["text"] == "are you there?"


async def test_setting_a_webhook_can_drop_pending_updates(
    people: SandboxClient, brand: telegram.Bot, receiver: WebhookReceiver, ada
) -> None:
    await people.send_text(ada["id"], BRAND, "stale")

    await brand.set_webhook(receiver.url, drop_pending_updates=True)
    await people.send_text(ada["id"], BRAND, "fresh")
    await receiver.wait_for(1)

    assert [update["message"]["text"] for _, update in receiver.received] == ["fresh"]


async def test_get_updates_is_refused_while_a_webhook_is_set(brand: telegram.Bot, receiver: WebhookReceiver) -> None:
    await brand.set_webhook(receiver.url)

    with pytest.raises(telegram.error.Conflict, match="webhook is active"):
        await brand.get_updates()
    await brand.delete_webhook()
    assert await brand.get_updates() == ()


async def test_a_ptb_application_polling_answers_start(people: SandboxClient, sandbox: Sandbox, ada) -> None:
    async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"Hello {update.effective_user.first_name}, code {context.args[0]}")

    token = sandbox.create_bot(username=BRAND)
    application = (
        Application.builder().token(token).base_url(sandbox.api_base_url).base_file_url(sandbox.file_base_url).build()
    )
    application.add_handler(CommandHandler("start", on_start))

    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await people.send_text(ada["id"], BRAND, "/start sa_42")
        reply = await people.wait_for(ada["id"], BRAND, lambda m: m["text"].startswith("Hello"), timeout=5)
        await application.updater.stop()
        await application.stop()

    assert reply["text"] == "Hello Ada, code sa_42"


async def test_a_ptb_application_fed_by_a_webhook_answers_start(people: SandboxClient, sandbox: Sandbox, ada) -> None:
    async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Welcome via webhook")

    token = sandbox.create_bot(username=BRAND)
    application = (
        Application.builder()
        .token(token)
        .base_url(sandbox.api_base_url)
        .base_file_url(sandbox.file_base_url)
        .updater(None)
        .build()
    )
    application.add_handler(CommandHandler("start", on_start))

    async def on_webhook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
            return web.Response(status=403)
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return web.Response()

    web_app = web.Application()
    web_app.router.add_post("/telegram", on_webhook)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with application:
            await application.start()
            await application.bot.set_webhook(
                f"http://127.0.0.1:{runner.addresses[0][1]}/telegram", secret_token=SECRET
            )
            await people.send_text(ada["id"], BRAND, "/start")
            reply = await people.wait_for(ada["id"], BRAND, lambda m: m["text"] == "Welcome via webhook", timeout=5)
            await application.stop()
    finally:
        await runner.cleanup()

    assert reply["sender"] == "bot"
