"""`storelink demo`: the sandbox, both bots and a seeded demo brand in one process."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from bot.cli.brandfile import document_from_mapping, load_document
from bot.runtime.clock import SystemClock
from bot.sandbox.demo_catalog import import_demo_catalog, read_demo_catalog
from bot.sandbox.demo_file import write_demo_file
from bot.interface.links import start_link
from bot.runtime.process import Options, Runtime
from bot.sandbox import Sandbox, SandboxClient
from bot.runtime.settings import VAR_DIR, Settings, load_settings
from commerce.codes import sign_enrollment_code
from storage.uow import Database

log = logging.getLogger("storelink.demo")
DEMO_BRAND = Path(__file__).resolve().parents[2] / "assets" / "demo" / "brand.yaml"
CONSUMER_BOT, ASSOCIATE_BOT = "MaisonLumiereBot", "MaisonStaffBot"
SANDBOX_PORT = 8081
# Invoices need a payment provider token; the sandbox takes any of @BotFather's shape. A token
# set in the environment (STORELINK_PAYMENT_PROVIDER_TOKEN) is used instead.
SANDBOX_PROVIDER_TOKEN = "284685063:TEST:c2FuZGJveC1kZW1vLXBheW1lbnRz"
# How each port is moved, in the words of `make demo` and of `storelink demo`.
_MOVE = {
    "sandbox": ("the Bot API sandbox", "make demo SANDBOX_PORT={port}", "storelink demo --sandbox-port {port}"),
    "http": ("/healthz and /metrics", "make demo STORELINK_HTTP_PORT={port}", "storelink demo --http-port {port}"),
}


class PortUnavailable(Exception):
    """A port the demo needs is taken; str() says which one and how to choose another."""

    def __init__(self, part: str, port: int, reason: str) -> None:
        what, make, command = _MOVE[part]
        other = 9081 if part == "sandbox" else 9080
        super().__init__(f"port {port} ({what}) {reason}. Choose another: "
                         f"{make.format(port=other)}, or {command.format(port=other)}")


class Demo:
    def __init__(self, *, sandbox_port: int = SANDBOX_PORT, http_port: int | None = None, data: Path = DEMO_BRAND) -> None:
        """`http_port` None: STORELINK_HTTP_PORT, else the default of the settings."""
        base = load_settings(_env_file=None, require_tokens=False, **({"http_port": http_port} if http_port else {}))
        self.sandbox = Sandbox(port=sandbox_port)
        self.http_host, self.http_port = base.http_host, base.http_port
        self.payments: dict[str, str] = {} if base.takes_invoices else {"payment_provider_token": SANDBOX_PROVIDER_TOKEN}
        self.data: dict[str, Any] = yaml.safe_load(data.read_text())
        self.source = data.name
        self.runtime: Runtime | None = None
        self.people: dict[str, dict[str, Any]] = {}

    def check_ports(self) -> None:
        """PortUnavailable unless both ports can be bound now: said before anything starts,
        rather than as a bind error half-way through the start."""
        ports = {"sandbox": (self.sandbox.host, self.sandbox.port), "http": (self.http_host, self.http_port)}
        if self.sandbox.port and self.sandbox.port == self.http_port:
            raise PortUnavailable("http", self.http_port, "is the sandbox's port too; the two need different ports")
        for part, (host, port) in ports.items():
            if port:
                with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
                    try:
                        probe.bind((host, port))
                    except OSError as exc:
                        raise PortUnavailable(part, port, _reason(exc)) from None

    async def start(self) -> None:
        if logging.getLogger().level > logging.DEBUG:  # a fresh database's migration steps would bury the banner
            logging.getLogger("alembic").setLevel(logging.WARNING)
        self.check_ports()
        try:
            await self.sandbox.start()
        except OSError as exc:  # taken since the check
            raise PortUnavailable("sandbox", self.sandbox.port, _reason(exc)) from None
        database = VAR_DIR / "demo.db"
        for leftover in VAR_DIR.glob("demo.db*"):  # every demo starts from the same story
            leftover.unlink()
        brand = self.data["brand"]
        settings = load_settings(
            _env_file=None,
            consumer_bot_token=self.sandbox.create_bot(CONSUMER_BOT, brand["name"]),
            associate_bot_token=self.sandbox.create_bot(ASSOCIATE_BOT, f"{brand['name']} Staff"),
            bot_api_url=self.sandbox.url,
            database_url=f"sqlite+aiosqlite:///{database}",
            http_host=self.http_host,
            http_port=self.http_port,
            brand_name=brand["name"],
            default_locale=brand.get("default_locale", "en"),
            timezone=brand.get("timezone", "UTC"),
            **self.payments,
        )
        await self._create_people()
        await self._load_brand(settings)
        opened = await self._open_staff_chats()  # before the start, which sets the HQ operators' menus in their chats
        self.runtime = Runtime(settings, Options())
        try:
            await self.runtime.start()
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
                raise
            raise PortUnavailable("http", self.http_port, _reason(exc)) from None
        await self._greeted(opened)
        self._write_demo_file()
        print(self.instructions(await self._associate_links(settings)))

    async def _create_people(self) -> None:
        async with SandboxClient(self.sandbox.url) as client:
            staff = [(a["telegram"], a["name"], a.get("locale", "en")) for a in self.data.get("associates", [])]
            staff += [(h["telegram"], h["name"], "en") for h in self.data.get("hq_operators", [])]
            shoppers = [(s["username"], s["first_name"], s.get("language_code", "en")) for s in self.data.get("shoppers", [])]
            for username, name, language in staff + shoppers:
                code = "zh-hans" if language.lower().startswith("zh") else language
                self.people[username] = await client.create_user(name, username=username, language_code=code)

    async def _load_brand(self, settings: Settings) -> None:
        """The demo brand goes in the way `storelink brand load` loads one, its catalog and
        stock as `storelink catalog import` and `inventory import` do. The YAML names staff
        by their sandbox username: their numeric ids replace those first."""
        data = {section: value for section, value in self.data.items() if section != "shoppers"}
        for section in ("associates", "hq_operators"):
            data[section] = [{**row, "telegram": self.people[row["telegram"]]["id"]} for row in data.get(section) or []]
        document = document_from_mapping(data, self.source)
        now = SystemClock().now()
        catalog, pictures = await read_demo_catalog(now)  # assets/demo/catalog/, as `storelink catalog import` reads it
        database = await Database.open(settings.database_url)
        try:
            async with database.uow() as uow:
                await load_document(uow, document, settings=settings, now=now, actor="demo")
                brand = await uow.brands.first()
                assert brand is not None and brand.id is not None
                await import_demo_catalog(uow, brand.id, catalog, pictures, now)
                await uow.commit()
        finally:
            await database.dispose()

    async def _open_staff_chats(self) -> dict[int, int]:
        """Staff bound through an invite have opened the associate bot; the demo's staff are
        bound by the brand file, so they open it here (user id -> their /start). Until a
        person has started a bot, Telegram refuses to let the bot write first: an escalation
        card for a teammate who never said /start would go nowhere, and an HQ operator's
        menu could not be set in their chat."""
        staff = [row["telegram"] for section in ("associates", "hq_operators") for row in self.data.get(section) or []]
        async with SandboxClient(self.sandbox.url) as client:
            opened = {}
            for username in staff:
                user_id = self.people[username]["id"]
                opened[user_id] = (await client.send_text(user_id, ASSOCIATE_BOT, "/start"))["message_id"]
            return opened

    async def _greeted(self, opened: dict[int, int]) -> None:
        """Every /start answered, so the printed story starts with the staff signed in."""
        async with SandboxClient(self.sandbox.url) as client:
            await asyncio.gather(*(client.wait_for(user_id, ASSOCIATE_BOT, lambda _: True, 30, after_message_id=sent)
                                   for user_id, sent in opened.items()))

    @property
    def http_url(self) -> str:
        return f"http://{self.http_host}:{self.http_port}"

    def _write_demo_file(self) -> None:
        """Where this demo runs, for `storelink chat`."""
        staff = {a["telegram"]: "associate" for a in self.data.get("associates", [])}
        staff |= {h["telegram"]: "hq" for h in self.data.get("hq_operators", [])}
        write_demo_file({
            "sandbox_url": self.sandbox.url,
            "http_url": self.http_url,
            "bots": {"consumer": CONSUMER_BOT, "associate": ASSOCIATE_BOT},
            "staff": staff,
        })

    async def _associate_links(self, settings: Settings) -> list[tuple[str, str, str]]:
        """(name, short code, deep link) of each associate: what their poster carries."""
        assert self.runtime and self.runtime.services
        key = settings.signing_keys()[0]
        async with self.runtime.services.uow() as uow:
            associates = await uow.associates.list_all()
        return [(a.display_name, a.short_code, start_link(CONSUMER_BOT, sign_enrollment_code(a.id, key))) for a in associates if a.id]

    def instructions(self, links: list[tuple[str, str, str]]) -> str:
        staff = {a["telegram"]: f"associate, {a['store']}" + (", manager" if a.get("manager") else "")
                 for a in self.data.get("associates", [])}
        staff |= {h["telegram"]: "HQ operator" for h in self.data.get("hq_operators", [])}
        lines = [
            "",
            f"storelink demo is running: {self.data['brand']['name']}",
            f"  Bot API sandbox  {self.sandbox.url}   consumer bot @{CONSUMER_BOT}, associate bot @{ASSOCIATE_BOT}",
            f"  health, metrics  {self.http_url}/healthz  /metrics",
            "",
            "Simulated people (open another terminal for each):",
        ]
        for username, person in self.people.items():
            role = staff.get(username, "shopper")
            lines.append(f"  .venv/bin/storelink chat --as {username:<9} # {person['first_name']}, {role}")
        lines += ["", "Associates' posters (the QR code opens the link; the short code is the fallback):"]
        lines += [f"  {_pad(name, 10)} {code}  {link}" for name, code, link in links]
        lines += ["", *self.walk_through(links[0] if links else ("", "", ""))]
        return "\n".join(lines)

    def walk_through(self, poster: tuple[str, str, str]) -> list[str]:
        """The story to try, step by step. Message numbers (#N) are what the chat shows."""
        _, code, link = poster
        minutes = self.data["brand"].get("escalation_minutes", 30)
        database = f"sqlite+aiosqlite:///{VAR_DIR / 'demo.db'}"
        return [
            "Try it (in each chat, /keys lists what the terminal client can do):",
            " The one scan",
            "  1. bob: /qr — his poster arrives (saved under var/chat/)",
            f"  2. alice: /scan {link}",
            f"     (what scanning the poster does) or send the short code {code}",
            "     alice gets the welcome in Bob's voice with her coupon; bob gets her member card",
            " The relay",
            "  3. alice: write anything, then /photo and /album 3 — bob gets each under",
            "     '💬 Alice · Shanghai Xintiandi' with [1] 👤 Profile [2] 🏷 Tags & notes",
            "  4. bob, with N the number (#N) of one of alice's messages on his screen: N.1 presses its",
            "     👤 Profile, N.2 its 🏷 Tags & notes; /reply N Yes, in size M! answers alice;",
            "     /reply N /tag vip   /reply N /note prefers navy   /reply N /history",
            "     /reply N /album 2 Just in — alice gets bob's pictures as one album",
            "  5. bob: /chats, press Alice, then ✍️ Write: what bob types next goes to alice; /done stops",
            "  6. bob: /members, /members tag:vip unread",
            " Tiers (HQ, in a third terminal)",
            f"  7. STORELINK_DATABASE_URL={database} .venv/bin/storelink member tier @alice Gold",
            "     alice's next message reaches bob as '💬 Alice · Gold · Shanghai Xintiandi · #vip'",
            " Away, hours, escalation",
            "  8. bob: /hours, then /away 2h At the fair — alice writes and gets the away auto-reply; /back",
            f"  9. leave a message of alice's unanswered for {minutes} minutes (checked every minute; Shanghai",
            "     Xintiandi is open around the clock here): bob is told, carol and lina get a ✋ Claim card;",
            "     bob, the store's manager, sees it in /escalations; carol: N.1 claims it, then /reply N",
            "     I can help! — alice reads Carol's answer and stays with Bob",
            " Picks from the catalog",
            "  10. bob: /catalog, a category, a product (prices, stock in both stores), 📤 Send to a member",
            "      → alice gets the card under bob's persona with 🛒 Buy ❓ Ask 📍 Reserve for pickup;",
            "      from alice's 👤 Profile, 🛍 Send a product → 🖼 Send the new arrivals (a lookbook album)",
            "  11. alice: /new, /catalog cashmere, a card's ❓ Ask — bob gets her question with the product",
            " Buying in the chat (K is the order's number, N a message's)",
            "  12. alice: on bob's card, N.1 (🛒 Buy), then a size, how many, 📦 Express delivery;",
            "      /key 📱 Share my phone; type an address; ✅ Place order — bob gets the order card",
            "  13. bob: N.1 on the card (✅ Confirm stock) — alice is told and gets an invoice;",
            "      alice: /pay N (the invoice's number) — her receipt; bob is told it is paid",
            "  14. bob: /order K packed, then /order K ship SF SF1234567890, then /order K delivered —",
            "      alice hears each step, the last with her points; alice: /orders, /points",
            " The member's side",
            "  15. alice: /me, /switch (choose carol or lina), /stopchat; /leaderboard as hannah",
            "",
            "Press Ctrl-C to stop.",
            "",
        ]

    async def stop(self) -> None:
        if self.runtime:
            await self.runtime.stop()
        await self.sandbox.stop()


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "is in use"
    if exc.errno == errno.EACCES:
        return "needs privileges"
    return f"cannot be used ({exc.strerror or exc})"


def _pad(text: str, width: int) -> str:
    """Left-aligned in `width` terminal columns: CJK characters take two."""
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - columns, 0)
