"""The Bot API transports (aiohttp, PTB's httpx) keep one contract, checked against the sandbox:
every test runs with each transport, so both provably answer a call, a refusal, a timeout,
a lost connection, a large upload and a download the same way."""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Self

import aiohttp
import pytest
import telegram
from aiohttp import web
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.runtime.attempts import may_have_arrived
from bot.runtime.transport import TRANSPORTS, make_request, never_sent
from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.limits import Limits
from tests.sandbox.conftest import BRAND

MB = 1024 * 1024
MakeBot = Callable[..., Awaitable[Bot]]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return request.param


async def open_bot(sandbox: Sandbox, username: str, transport: str, **options: Any) -> Bot:
    """A Bot on one transport; options as HTTPXRequest takes them."""
    token = sandbox.create_bot(username=username, first_name=username.split("_")[0].title())
    bot = Bot(token, base_url=sandbox.api_base_url, base_file_url=sandbox.file_base_url,
              request=make_request(transport, **options),
              get_updates_request=make_request(transport, 1, **{k: v for k, v in options.items() if k != "connection_pool_size"}))
    await bot.initialize()
    return bot


@pytest.fixture
async def connect(sandbox: Sandbox, transport: str) -> AsyncIterator[MakeBot]:
    """Bots on the transport under test."""
    bots: list[Bot] = []

    async def make(username: str = BRAND, **options: Any) -> Bot:
        bots.append(await open_bot(sandbox, username, transport, **options))
        return bots[-1]

    yield make
    for bot in bots:
        await bot.shutdown()


@pytest.fixture
async def reader(people: SandboxClient, connect: MakeBot) -> dict[str, Any]:
    """A person who started the brand bot, and that bot."""
    bot = await connect()
    user = await people.create_user("Ada", username="ada_l")
    await people.send_text(user["id"], BRAND, "/start")
    updates = await bot.get_updates()
    await bot.get_updates(offset=updates[-1].update_id + 1)
    return {"bot": bot, "id": user["id"]}


@pytest.fixture
async def request_object(transport: str) -> AsyncIterator[Callable[..., Awaitable[BaseRequest]]]:
    """A bare request object, for servers that are not a Bot API."""
    made: list[BaseRequest] = []

    async def make(**options: Any) -> BaseRequest:
        request = make_request(transport, **options)
        await request.initialize()
        made.append(request)
        return request

    yield make
    for request in made:
        await request.shutdown()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def written(exc: BaseException) -> str:
    """Everything a traceback of exc would show: each exception of its chain, str and repr."""
    texts, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current)]
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


# --- answers ------------------------------------------------------------------------------


async def test_ordinary_calls_carry_unicode_json_parameters_and_answers(people: SandboxClient, reader) -> None:
    bot: Bot = reader["bot"]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Größe M ✓", callback_data="size:M")]])

    me = await bot.get_me()
    sent = await bot.send_message(reader["id"], "Bonjour 👋 — 尺码 M?", reply_markup=keyboard)

    assert me.username == BRAND
    assert sent.text == "Bonjour 👋 — 尺码 M?"
    assert sent.reply_markup == keyboard
    transcript = await people.transcript(reader["id"], BRAND)
    assert transcript[-1]["text"] == "Bonjour 👋 — 尺码 M?"


async def test_a_429_raises_retry_after_with_the_servers_delay(people: SandboxClient, reader) -> None:
    await people.fail_next(1, status=429, method="sendMessage", retry_after=7)

    with pytest.raises(telegram.error.RetryAfter) as raised:
        await reader["bot"].send_message(reader["id"], "now?")

    assert raised.value._retry_after.total_seconds() == 7


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_5xx_raises_network_error_that_proves_nothing_arrived(people: SandboxClient, reader, status: int) -> None:
    await people.fail_next(1, status=status, method="sendMessage")

    with pytest.raises(telegram.error.NetworkError) as raised:
        await reader["bot"].send_message(reader["id"], "first")

    assert type(raised.value) is telegram.error.NetworkError
    assert not may_have_arrived(raised.value)  # an answer: Telegram did not take the call
    await reader["bot"].send_message(reader["id"], "second")
    texts = [m["text"] for m in await people.transcript(reader["id"], BRAND)]
    assert texts == ["/start", "second"]


async def test_refusals_map_to_ptbs_errors(people: SandboxClient, reader) -> None:
    bot: Bot = reader["bot"]
    with pytest.raises(telegram.error.BadRequest):
        await bot.send_message(reader["id"], "")
    await people.fail_next(1, status=403, method="sendMessage")
    with pytest.raises(telegram.error.Forbidden):
        await bot.send_message(reader["id"], "blocked")


# --- timeouts -------------------------------------------------------------------------------


async def test_no_answer_within_the_read_timeout_raises_timed_out(people: SandboxClient, reader) -> None:
    await people.set_latency(1.5, method="sendMessage")

    started = time.monotonic()
    with pytest.raises(telegram.error.TimedOut) as raised:
        await reader["bot"].send_message(reader["id"], "slow", read_timeout=0.3)

    assert time.monotonic() - started < 1.4
    assert may_have_arrived(raised.value)  # the request left: Telegram may have taken it
    assert not never_sent(raised.value)


async def test_the_instances_read_timeout_applies_unless_a_call_gives_its_own(people: SandboxClient, connect: MakeBot) -> None:
    bot = await connect(read_timeout=0.3)
    await people.set_latency(0.8, method="getMe")

    with pytest.raises(telegram.error.TimedOut):
        await bot.get_me()
    assert (await bot.get_me(read_timeout=5)).username == BRAND  # a per-call value wins over DEFAULT_NONE
    assert (await bot.get_me(read_timeout=None)).username == BRAND  # None: no bound at all


async def test_a_long_poll_waits_past_the_read_timeout_by_its_own_timeout(connect: MakeBot) -> None:
    bot = await connect(read_timeout=0.3)

    started = time.monotonic()
    updates = await bot.get_updates(timeout=1)

    assert updates == ()
    assert time.monotonic() - started >= 0.9


async def test_no_free_connection_within_the_pool_timeout_raises_timed_out_and_sends_nothing(
    people: SandboxClient, connect: MakeBot, sandbox: Sandbox
) -> None:
    bot = await connect(connection_pool_size=1, pool_timeout=0.2)
    await people.set_latency(1.0, method="getMyCommands")

    holder = asyncio.create_task(bot.get_my_commands())
    await asyncio.sleep(0.3)
    with pytest.raises(telegram.error.TimedOut) as raised:
        await bot.get_me()

    assert never_sent(raised.value)
    assert not may_have_arrived(raised.value)
    assert await holder == ()  # the call that held the one connection
    assert len(await people.calls(bot=BRAND, method="getMe")) == 1  # initialize()'s: the refused one never left


async def test_an_upload_the_server_stops_reading_ends_in_timed_out(request_object) -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def never_read(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # keep the connection open, never read a byte

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = await request_object(media_write_timeout=0.5)
    document = InputFile(os.urandom(64 * MB), filename="big.bin")
    data = RequestData([RequestParameter.from_input("document", document)])
    try:
        started = time.monotonic()
        with pytest.raises(telegram.error.TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot1:x/sendDocument", data)
        assert time.monotonic() - started < 10
    finally:
        for writer in accepted:
            writer.close()
        server.close()


# --- lost connections -------------------------------------------------------------------------


async def test_connection_refused_raises_network_error_without_the_token(request_object) -> None:
    token = "1234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX"
    request = await request_object()

    with pytest.raises(telegram.error.NetworkError) as raised:
        await request.post(f"http://127.0.0.1:{free_port()}/bot{token}/getMe")

    assert never_sent(raised.value)
    assert not may_have_arrived(raised.value)
    assert token not in written(raised.value)
    assert "AAHdqTcvCH1vGWJx" not in written(raised.value)


async def test_a_timeout_says_nothing_of_the_token(people: SandboxClient, reader) -> None:
    token = reader["bot"].token
    await people.set_latency(1.0, method="getMe")

    with pytest.raises(telegram.error.TimedOut) as raised:
        await reader["bot"].get_me(read_timeout=0.2)

    assert token.partition(":")[2] not in written(raised.value)


async def test_a_dropped_answer_raises_network_error_that_may_have_arrived(people: SandboxClient, reader) -> None:
    await people.drop_responses(1, method="sendMessage")

    with pytest.raises(telegram.error.NetworkError) as raised:
        await reader["bot"].send_message(reader["id"], "Your order shipped")

    assert may_have_arrived(raised.value)
    assert reader["bot"].token.partition(":")[2] not in written(raised.value)
    texts = [m["text"] for m in await people.transcript(reader["id"], BRAND)]
    assert texts == ["/start", "Your order shipped"]
    await reader["bot"].send_message(reader["id"], "still connected")  # the pool recovers


# --- files ------------------------------------------------------------------------------------


def noise_png(side: int) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


async def test_a_large_document_goes_up_and_comes_back_byte_for_byte(people: SandboxClient, reader) -> None:
    bot: Bot = reader["bot"]
    content = os.urandom(12 * MB)

    sent = await bot.send_document(reader["id"], content, filename="catalogue 2025.pdf", caption="Lookbook")
    file = await bot.get_file(sent.document.file_id)
    buffer = io.BytesIO()
    await file.download_to_memory(buffer)

    assert sent.document.file_name == "catalogue 2025.pdf"
    assert sent.document.file_size == len(content)
    assert sent.caption == "Lookbook"
    assert buffer.getvalue() == content
    assert await people.download_file(sent.document.file_unique_id) == content


async def test_a_large_photo_goes_up_and_comes_back(people: SandboxClient, reader) -> None:
    bot: Bot = reader["bot"]
    picture = noise_png(1100)
    assert len(picture) > 3 * MB

    sent = await bot.send_photo(reader["id"], picture, caption="Navy scarf")
    largest = sent.photo[-1]
    downloaded = await (await bot.get_file(largest.file_id)).download_as_bytearray()

    assert (largest.width, largest.height) == (1100, 1100)
    assert bytes(downloaded) == picture
    assert sent.caption == "Navy scarf"


async def test_a_file_the_bot_cannot_see_is_refused(reader) -> None:
    with pytest.raises(telegram.error.BadRequest):
        await reader["bot"].get_file("no-such-file-id")


def drawn_file_names(count: int) -> list[str]:
    drawn: list[str] = []

    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40))
    def collect(name: str) -> None:
        drawn.append(name)

    collect()
    return drawn


async def arrival(bot: Bot, chat_id: int, name: str) -> str:
    """The file name the server took, or its refusal (some characters are not for a header)."""
    try:
        return (await bot.send_document(chat_id, b"%PDF-1.4", filename=name)).document.file_name
    except telegram.error.TelegramError as exc:
        return f"{type(exc).__name__}: {exc.message}"


async def test_any_file_name_arrives_the_same_through_either_transport(people: SandboxClient, sandbox: Sandbox) -> None:
    sandbox.limits = Limits(enabled=False)  # dozens of documents to one chat at once
    bots = {kind: await open_bot(sandbox, f"{kind}_bot", kind) for kind in TRANSPORTS}
    user = await people.create_user("Cy", username="cy")
    names = ['a "quoted" name.pdf', "back\\slash.txt", "line\nbreak.txt", "照片 2025.jpg", "tab\there.bin",
             *drawn_file_names(30)]
    try:
        for bot in bots.values():
            await people.send_text(user["id"], bot.username, "/start")
        for name in names:
            arrived = {kind: await arrival(bot, user["id"], name) for kind, bot in bots.items()}
            assert arrived["aiohttp"] == arrived["httpx"], name
    finally:
        for bot in bots.values():
            await bot.shutdown()


# --- proxies ----------------------------------------------------------------------------------


class ForwardProxy:
    """A plain HTTP forward proxy: takes absolute-form requests, passes them on, notes the
    Bot API method of each (never the URL, which holds the token)."""

    def __init__(self) -> None:
        self.methods: list[str] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def forward(self, request: web.Request) -> web.Response:
        assert request.url.is_absolute() and self._session is not None
        self.methods.append(request.url.path.rsplit("/", 1)[-1])
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "user-agent")}
        async with self._session.request(request.method, request.url, data=await request.read(), headers=headers) as answer:
            return web.Response(body=await answer.read(), status=answer.status, content_type=answer.content_type)

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=64 * MB)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None and self._session is not None
        await self._session.close()
        await self._runner.cleanup()


async def test_calls_and_uploads_go_through_the_proxy_given(people: SandboxClient, connect: MakeBot) -> None:
    async with ForwardProxy() as proxy:
        bot = await connect(proxy=proxy.url)
        user = await people.create_user("Di", username="di")
        await people.send_text(user["id"], BRAND, "/start")

        sent = await bot.send_document(user["id"], os.urandom(MB), filename="list.bin")
        downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()

    assert proxy.methods[:2] == ["getMe", "sendDocument"]
    assert len(downloaded) == MB
    assert proxy.methods[-1].endswith(".bin")  # the download went through it too


async def test_the_environments_proxy_is_used_unless_no_proxy_names_the_host(
    connect: MakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        through = await connect("proxied_bot")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = await connect("direct_bot")
        await through.get_me()
        await direct.get_me()

    assert proxy.methods == ["getMe", "getMe"]  # proxied_bot's initialize() and call, none of direct_bot's
