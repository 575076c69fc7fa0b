"""A fresh sandbox per test, real PTB bots talking to it over HTTP, and the people's client."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from PIL import Image
from telegram import Bot

from bot.runtime.transport import bot_requests
from bot.sandbox import Sandbox, SandboxClient
from tests.conftest import chosen_transport

BRAND = "brand_bot"
STAFF = "staff_bot"


def png(width: int = 8, height: int = 6) -> bytes:
    """A small navy PNG, for uploads."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sb:
        yield sb


@pytest.fixture
async def people(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as client:
        yield client


@pytest.fixture
async def make_bot(sandbox: Sandbox) -> AsyncIterator[Callable[[str], Awaitable[Bot]]]:
    """A PTB Bot for a sandbox bot account, created on first use."""
    bots: list[Bot] = []

    async def make(username: str) -> Bot:
        token = sandbox.create_bot(username=username, first_name=username.split("_")[0].title())
        bot = Bot(token, base_url=sandbox.api_base_url, base_file_url=sandbox.file_base_url,
                  **bot_requests(chosen_transport()))
        await bot.initialize()
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        await bot.shutdown()


@pytest.fixture
async def brand(make_bot: Callable[[str], Awaitable[Bot]]) -> Bot:
    return await make_bot(BRAND)


@pytest.fixture
async def ada(people: SandboxClient, brand: Bot) -> dict:
    """A person who has started the brand bot; her /start is already confirmed."""
    user = await people.create_user("Ada", username="ada_l", last_name="Lovelace")
    await people.send_text(user["id"], BRAND, "/start")
    updates = await brand.get_updates()
    await brand.get_updates(offset=updates[-1].update_id + 1)
    return user
