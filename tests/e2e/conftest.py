"""The end-to-end harness: the real storelink runtime (PTB, aiohttp, storage, backends)
talking over HTTP to the sandbox Bot API, with simulated people on the other side.

Stacks run on SQLite with in-process backends and on PostgreSQL with Redis, so every
end-to-end test covers both databases and both kinds of backends.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.runtime.process import Options, Runtime
from bot.sandbox import Sandbox, SandboxClient
from bot.runtime.settings import load_settings
from storage.backends import SendLimits
from tests.conftest import chosen_transport, require
from tests.fixtures_backends import delete_namespace
from tests.fixtures_db import postgres_schema

CONSUMER_BOT = "shop_bot"
ASSOCIATE_BOT = "staff_bot"
STACKS = ["sqlite+memory", pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis])]


async def eventually(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 30.0) -> None:
    """Wait until the condition holds, polling; fail saying what never happened. The deadline
    is generous: on a busy machine things take longer, and a passing test does not wait it out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, f"{what}: not within {timeout:.0f}s"
        await asyncio.sleep(0.02)


class Clock:
    """The time handlers see: the real time until a test pins it (`set`), as a test of
    store hours or escalations does; the sender keeps the real clock (Options.handler_clock)."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)

    def set(self, at: datetime) -> None:
        self.at = at


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    sandbox: Sandbox
    people: SandboxClient
    runtime: Runtime
    settings_overrides: dict[str, Any]
    options: Options
    consumer_bot: str = CONSUMER_BOT
    associate_bot: str = ASSOCIATE_BOT
    extra_runtimes: list[Runtime] = field(default_factory=list)

    @property
    def metrics(self):
        return self.runtime.metrics

    @property
    def clock(self) -> Clock:
        """The handlers' clock, for a test to pin."""
        assert isinstance(self.options.handler_clock, Clock)
        return self.options.handler_clock

    async def person(self, first_name: str = "Alice", *, language_code: str = "en") -> int:
        user = await self.people.create_user(first_name, username=f"{first_name.lower()}{secrets.token_hex(2)}", language_code=language_code)
        return user["id"]

    async def reply_to(self, user_id: int, bot: str, text: str, *, timeout: float = 10.0) -> dict[str, Any]:
        """Send text as the person and wait for the bot's next message."""
        sent = await self.people.send_text(user_id, bot, text)
        return await self.people.wait_for(user_id, bot, lambda m: True, timeout, after_message_id=sent["message_id"])

    async def bot_messages(self, user_id: int, bot: str) -> list[dict[str, Any]]:
        return [m for m in await self.people.transcript(user_id, bot) if m["sender"] == "bot"]

    async def start_another_process(self, **option_changes: Any) -> Runtime:
        """A second storelink process on the same database and backends."""
        options = Options(**{**self.options.__dict__, "serve_http": False, "sender_name": f"second-{len(self.extra_runtimes)}", **option_changes})
        runtime = Runtime(load_settings(_env_file=None, **self.settings_overrides), options)
        await runtime.start()
        self.extra_runtimes.append(runtime)
        return runtime


@pytest.fixture(params=STACKS)
def stack_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def stack_mode() -> str:
    """polling or webhook; a test module overrides this fixture to change it."""
    return "polling"


@pytest.fixture
def stack_limits() -> SendLimits:
    return SendLimits()


@pytest.fixture
def stack_options() -> dict[str, Any]:
    """Changes to the runtime's Options (a test module overrides this fixture)."""
    return {}


@pytest.fixture
def stack_settings() -> dict[str, Any]:
    """Settings besides the harness's own (a test module overrides this fixture)."""
    return {}


@pytest.fixture
async def stack(stack_kind: str, stack_mode: str, stack_limits: SendLimits, stack_options: dict[str, Any],
                stack_settings: dict[str, Any], tmp_path: Path) -> AsyncIterator[Stack]:
    async with _stack(stack_kind, stack_mode, stack_limits, tmp_path, stack_options, stack_settings) as value:
        yield value


class _stack:  # noqa: N801
    def __init__(self, kind: str, mode: str, limits: SendLimits, tmp_path: Path, options: dict[str, Any] | None = None,
                 settings: dict[str, Any] | None = None) -> None:
        self.kind, self.mode, self.limits, self.tmp_path = kind, mode, limits, tmp_path
        self.option_changes = options or {}
        self.settings = settings or {}
        self.cleanups: list[Callable[[], Any]] = []

    async def __aenter__(self) -> Stack:
        sandbox = Sandbox(port=0)
        await sandbox.start()
        self.cleanups.append(sandbox.stop)
        overrides: dict[str, Any] = {
            "consumer_bot_token": sandbox.create_bot(CONSUMER_BOT, "Maison"),
            "associate_bot_token": sandbox.create_bot(ASSOCIATE_BOT, "Maison Staff"),
            "bot_api_url": sandbox.url,
            "http_port": free_port(),
            "brand_name": "Maison Test",
            "signing_key": secrets.token_urlsafe(32),
            "bot_transport": chosen_transport(),
            **self.settings,
        }
        namespace = f"e2e{secrets.token_hex(4)}"
        if self.kind == "sqlite+memory":
            overrides["database_url"] = f"sqlite+aiosqlite:///{self.tmp_path / 'storelink.db'}"
        else:
            schema = postgres_schema()
            overrides["database_url"] = await schema.__aenter__()
            self.cleanups.append(lambda: schema.__aexit__(None, None, None))
            overrides["redis_url"] = require("redis")
            self.cleanups.append(lambda: delete_namespace(overrides["redis_url"], namespace))
        if self.mode == "webhook":
            overrides["webhook_base_url"] = f"http://127.0.0.1:{overrides['http_port']}"
            overrides["webhook_secret"] = secrets.token_urlsafe(24)
        # The daily jobs run on the real clock; tests call them with an injected time instead.
        options = Options(limits=self.limits, namespace=namespace, sender_backoff=0.02, recover_every=1.0, run_scheduler=False,
                          handler_clock=Clock(), **self.option_changes)
        runtime = Runtime(load_settings(_env_file=None, **overrides), options)
        await runtime.start()
        people = SandboxClient(sandbox.url)
        self.stack = Stack(sandbox, people, runtime, overrides, options)
        return self.stack

    async def __aexit__(self, *exc: object) -> None:
        stack = self.stack
        for runtime in [*stack.extra_runtimes, stack.runtime]:
            await runtime.stop()
        await stack.people.close()
        for cleanup in reversed(self.cleanups):
            await cleanup()
