"""Relayed member -> associate messages per second, and how long each takes, through the
sandbox: one storelink process on PostgreSQL + Redis, beside a bare python-telegram-bot
echo bot measured in the same run against the same sandbox.

    python -m bench.relay [--rate 100] [--seconds 20] [--associates 250] [--members 1000] [--sandbox-port 0]
        [--database-url postgresql+asyncpg://...] [--redis-url redis://...]

Latency is sandbox time to sandbox time: from the sandbox storing the member's message to
it storing the associate's copy (for the echo bot: the reply), so it covers getUpdates,
recording the update, the handler's transaction with its outbox row, the queue, the
sender under the shared rate limiter, and sendMessage. Each bot runs in a process of its
own (storelink exactly as `storelink run` builds it, with the limits below); this
process holds the sandbox and writes the people's messages straight into it, on
schedule whatever the bots answer (open loop).

Two measurements per bot:
- max: one message from each of 3/4 of the members at once, dealt so that every
  associate chat gets 3 (the per-chat burst): messages per second from the first
  message stored to the last copy stored;
- at the offered rate (100/s): members write in turn, round robin, so each associate
  chat gets rate/associates messages per second (0.4/s with 250 associates), under
  Telegram's 1 message/s per chat.

Each phase also reports the CPU time the bot's process used per delivered message (from
/proc, on Linux): on a shared machine throughput and latency move with whatever else runs,
the CPU cost of a message much less.

Limits: per chat, Telegram's (1 message/s, bursts of 3) on both sides. Per bot, Telegram's
free 30 messages/s could never carry 100 relayed messages/s into one associate bot, so
the bot-wide allowance is the paid-broadcast one (1000/s), also on both sides.
The schema and the Redis keys the run makes are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.places import Schema, delete_namespace, new_namespace
from bot.sandbox import Sandbox
from storage.backends import SendLimits

CONFIG_VARIABLE = "STORELINK_BENCH_RELAY"
LIMITS = SendLimits(global_rate=1000.0, global_burst=1000, per_chat_rate=1.0, per_chat_burst=3)
TARGET_RATIO, TARGET_P99 = 0.5, 0.100
SHOP, STAFF, ECHO = "relay_shop_bot", "relay_staff_bot", "relay_echo_bot"


@dataclass
class Result:
    messages: int
    delivered: int
    seconds: float  # first message stored -> last copy stored
    latencies: list[float]
    cpu: float | None = None  # CPU seconds the bot's process used in the phase (Linux), None elsewhere

    @property
    def per_second(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- the bots' processes ---------------------------------------------------------------------


def serve_storelink(config: dict[str, Any]) -> None:
    from bot.runtime import logs
    from bot.cli.main import run_until_signal
    from bot.runtime.process import Options, Runtime
    from bot.runtime.settings import load_settings

    logs.configure("WARNING")
    logging.getLogger("storelink.runtime").setLevel(logging.INFO)  # "storelink is running"
    options = Options(serve_http=False, run_scheduler=False, limits=SendLimits(**config["limits"]), namespace=config["namespace"])
    runtime = Runtime(load_settings(_env_file=None, **config["settings"]), options)
    run_until_signal(runtime.start, runtime.stop)


def serve_echo(config: dict[str, Any]) -> None:
    """The baseline: python-telegram-bot's own polling and a handler that answers."""
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    app = Application.builder().token(config["token"]).base_url(config["base_url"]).concurrent_updates(True).build()

    async def echo(update: Update, _ctx: object) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    print("echo bot is running", file=sys.stderr, flush=True)
    app.run_polling(poll_interval=0, timeout=5, close_loop=False)


class BotProcess:
    def __init__(self, role: str, config: dict[str, Any], log_path: Path) -> None:
        self.role, self.config, self.log_path = role, config, log_path
        self.ready = "storelink is running" if role == "storelink" else "echo bot is running"
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> BotProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORELINK_")}
        env[CONFIG_VARIABLE] = json.dumps(self.config)
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.relay", "--serve", self.role, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while self.ready not in self.log():
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.role} process did not start:\n{self.log()}")
            await asyncio.sleep(0.1)
        return self

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the bot's process so far: unlike throughput, it does
        not move with whatever else the machine runs at the same time."""
        assert self.process is not None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def __aexit__(self, *exc: object) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


# --- the people -------------------------------------------------------------------------------


class Driver:
    """Writes the members' messages into the sandbox and reads the copies back, in process."""

    def __init__(self, sandbox: Sandbox, writers: list[int], bot: str, readers: Callable[[], list[int]], read_bot: str) -> None:
        self.sandbox, self.writers, self.bot = sandbox, writers, bot
        self.readers, self.read_bot = readers, read_bot

    def write(self, person: int, body: str) -> float:
        return self.sandbox.people.send_text(person, self.bot, body)["created_at"]

    def arrivals(self, prefix: str) -> dict[str, float]:
        """The first copy of each message whose body starts with prefix, by body."""
        seen: dict[str, float] = {}
        for reader in self.readers():
            chat = self.sandbox.world.chats.get((self.sandbox.world.bot_named(self.read_bot).id, reader))
            for message in (chat.messages.values() if chat else ()):
                body = (message.text or "").rsplit("\n", 1)[-1]
                if message.from_bot and body.startswith(prefix):
                    seen.setdefault(body, message.created_at)
        return seen

    async def collect(self, prefix: str, sent: dict[str, float], timeout: float) -> Result:
        deadline = time.monotonic() + timeout
        while len(arrived := self.arrivals(prefix)) < len(sent) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        latencies = [arrived[body] - at for body, at in sent.items() if body in arrived]
        first, last = min(sent.values()), max(arrived.values(), default=min(sent.values()))
        return Result(len(sent), len(latencies), last - first, latencies)

    async def burst(self, prefix: str, people: list[int]) -> Result:
        sent = {}
        for n, person in enumerate(people):
            body = f"{prefix}{n}"
            sent[body] = self.write(person, body)
        return await self.collect(prefix, sent, 120)

    async def steady(self, prefix: str, rate: float, seconds: float) -> Result:
        """Open loop: message n is written at start + n/rate, answered or not."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        sent = {}
        for n in range(int(rate * seconds)):
            delay = start + n / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            body = f"{prefix}{n}"
            sent[body] = self.write(self.writers[n % len(self.writers)], body)
        return await self.collect(prefix, sent, 60)


# --- set-up -------------------------------------------------------------------------------------


async def seed(database_url: str, sandbox: Sandbox, associates: int, members: int) -> tuple[list[int], list[int]]:
    """A store with its associates, each with members/associates members linked to them:
    straight into the database (enrolling a thousand members is not what is measured).
    Associates have started the associate bot, as they do on their first day."""
    from commerce.people import Associate, Link, Member, Store
    from storage.uow import Database

    world = sandbox.world
    staff = world.bot_named(STAFF)
    associate_people = [world.create_person(f"Sa{n}") for n in range(associates)]
    member_people = [world.create_person(f"M{n}") for n in range(members)]
    for person in associate_people:
        world.open_chat(staff, person).started = True
    database = await Database.open(database_url, migrate=True)
    try:
        async with database.uow() as uow:
            brand = await uow.brands.first()
            now = _now()
            store = await uow.stores.add(Store(brand_id=brand.id, code="BENCH", name="Bench Street"))
            team = [await uow.associates.add(Associate(store_id=store.id, display_name=f"Sa{n}", short_code=f"BENCH{n}",
                                                       telegram_user_id=p.id)) for n, p in enumerate(associate_people)]
            for n, person in enumerate(member_people):
                associate = team[n % associates]
                member = await uow.members.add(Member(brand_id=brand.id, telegram_user_id=person.id, first_name=f"M{n}",
                                                      enrolled_at=now, store_id=store.id, source_associate_id=associate.id))
                await uow.links.add(Link(member_id=member.id, associate_id=associate.id, started_at=now))
            await uow.commit()
    finally:
        await database.dispose()
    return [p.id for p in associate_people], [p.id for p in member_people]


def _now():
    from bot.runtime.clock import SystemClock

    return SystemClock().now()


# --- the run ------------------------------------------------------------------------------------


async def measure(driver: Driver, args: argparse.Namespace, label: str, bot: BotProcess) -> dict[str, Result]:
    print(f"  {label}: warming up", file=sys.stderr, flush=True)
    await driver.burst(f"w{label[0]}", driver.writers[: len(driver.writers) // 10])
    await asyncio.sleep(3.5)  # every chat's burst allowance back
    print(f"  {label}: max", file=sys.stderr, flush=True)
    max_result = await _with_cpu(bot, driver.burst(f"x{label[0]}", driver.writers[: len(driver.writers) * 3 // 4]))
    await asyncio.sleep(3.5)
    print(f"  {label}: {args.rate:g}/s for {args.seconds:g} s", file=sys.stderr, flush=True)
    steady = await _with_cpu(bot, driver.steady(f"s{label[0]}", args.rate, args.seconds))
    return {"max": max_result, "steady": steady}


async def _with_cpu(bot: BotProcess, phase: Awaitable[Result]) -> Result:
    before = bot.cpu_seconds()
    result = await phase
    after = bot.cpu_seconds()
    if before is not None and after is not None:
        result.cpu = after - before
    return result


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    sandbox = Sandbox(port=args.sandbox_port)
    sandbox.limits.per_chat_rate, sandbox.limits.per_chat_burst = LIMITS.per_chat_rate, LIMITS.per_chat_burst
    sandbox.limits.global_rate = sandbox.limits.paid_rate = LIMITS.global_rate
    await sandbox.start()
    schema, namespace = Schema(args.database_url), new_namespace()
    await schema.run(f'CREATE SCHEMA "{schema.name}"')
    try:
        with tempfile.TemporaryDirectory() as workdir:
            settings = {
                "consumer_bot_token": sandbox.create_bot(SHOP), "associate_bot_token": sandbox.create_bot(STAFF),
                "bot_api_url": sandbox.url, "database_url": schema.url, "redis_url": args.redis_url,
                "signing_key": secrets.token_urlsafe(32), "brand_name": "Bench",
            }
            config = {"settings": settings, "limits": asdict(LIMITS), "namespace": namespace}
            async with BotProcess("storelink", config, Path(workdir) / "storelink.log") as process:
                associates, members = await seed(schema.url, sandbox, args.associates, args.members)
                relay = Driver(sandbox, members, SHOP, lambda: associates, STAFF)
                ours = await measure(relay, args, "storelink", process)
            echo_config = {"token": sandbox.create_bot(ECHO), "base_url": sandbox.api_base_url}
            async with BotProcess("echo", echo_config, Path(workdir) / "echo.log") as process:
                people = [sandbox.world.create_person(f"E{n}").id for n in range(args.members)]
                echo = Driver(sandbox, people, ECHO, lambda: people, ECHO)
                baseline = await measure(echo, args, "echo", process)
    finally:
        await sandbox.stop()
        await schema.run(f'DROP SCHEMA IF EXISTS "{schema.name}" CASCADE')
        await delete_namespace(args.redis_url, namespace)
    return report(args, ours, baseline)


def report(args: argparse.Namespace, ours: dict[str, Result], echo: dict[str, Result]) -> int:
    """The table, the targets and whether each is met."""
    ms = 1000.0
    print(f"\nrelay member -> associate through the sandbox: {args.associates} associates, {args.members} members, "
          "storelink on PostgreSQL + Redis, one process")
    why = f"; Telegram's free 30/s cannot carry {args.rate:g}/s" if args.rate > 30 else ""
    print(f"limits (both sides): per chat {LIMITS.per_chat_rate:g}/s, bursts of {LIMITS.per_chat_burst} (Telegram's); "
          f"per bot {LIMITS.global_rate:g}/s (the paid-broadcast allowance{why}); "
          f"each associate chat is offered {args.rate / args.associates:.2g}/s")
    print(f"{'':<34} {'messages':>8} {'delivered':>9} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/msg':>10}")
    for name, results in (("bare python-telegram-bot echo", echo), ("storelink relay", ours)):
        for phase, label in (("max", "max (burst)"), ("steady", f"{args.rate:g}/s offered for {args.seconds:g} s")):
            r = results[phase]
            cpu = f"{r.cpu / r.delivered * ms:>10.2f}" if r.cpu is not None and r.delivered else f"{'-':>10}"
            print(f"{name + ', ' + label:<34.34} {r.messages:>8} {r.delivered:>9} {r.per_second:>8.1f} "
                  f"{r.percentile(50) * ms:>8.1f} {r.percentile(99) * ms:>8.1f} {cpu}")
    ratio = ours["max"].per_second / echo["max"].per_second if echo["max"].per_second else 0.0
    p99 = ours["steady"].percentile(99)
    complete = all(r.delivered == r.messages for results in (ours, echo) for r in results.values())
    checks = [
        (f"throughput >= {TARGET_RATIO:g} x echo", f"{ratio:.2f} x", ratio >= TARGET_RATIO),
        (f"p99 < {TARGET_P99 * ms:.0f} ms at {args.rate:g}/s", f"{p99 * ms:.1f} ms", p99 < TARGET_P99),
        ("every message delivered", "yes" if complete else "no", complete),
    ]
    print()
    for target, value, ok in checks:
        print(f"{target:<34} {value:>12}  {'PASS' if ok else 'FAIL'}")
    if echo["steady"].latencies and ours["steady"].latencies:
        print(f"(statistics: storelink mean {statistics.fmean(ours['steady'].latencies) * ms:.1f} ms, "
              f"echo mean {statistics.fmean(echo['steady'].latencies) * ms:.1f} ms at {args.rate:g}/s)")
    return 0  # a benchmark reports; it is not a test that fails a build


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.relay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second offered (default 100)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the rate is offered (default 20)")
    parser.add_argument("--associates", type=int, default=250)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--database-url", default=os.environ.get("STORELINK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("STORELINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--sandbox-port", type=int, default=0, help="the sandbox's port (default: any free one)")
    parser.add_argument("--serve", choices=["storelink", "echo"], help=argparse.SUPPRESS)  # a bot's own process
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve == "storelink":
        serve_storelink(json.loads(os.environ.pop(CONFIG_VARIABLE)))
    elif arguments.serve == "echo":
        serve_echo(json.loads(os.environ.pop(CONFIG_VARIABLE)))
    else:
        sys.exit(asyncio.run(main(arguments)))
