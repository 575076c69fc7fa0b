"""Updates per second, end to end: a person's message enters the sandbox, the bot handles
it and its reply is accepted back by the sandbox.

Runs storelink (/help: ingress record, handler transaction with inbox claim and outbox row,
sender under the shared limiter) and, in the same run against the same sandbox, a bare
python-telegram-bot echo bot (polling, reply_text), and prints both with their ratio.

    python -m bench.updates_per_second [--messages 1000] [--users 250] [--sandbox-port 0]
        [--database-url postgresql+asyncpg://...] [--redis-url redis://...] [--timeout 300]

On PostgreSQL the run works in a schema of its own and in Redis under a key namespace of
its own, both removed at the end; a run that has not seen every reply after --timeout
seconds stops and says how many it saw.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bench.places import Schema, delete_namespace, new_namespace
from bot.runtime.process import Options, Runtime
from bot.runtime.settings import load_settings
from bot.sandbox import Sandbox, SandboxClient
from storage.backends import SendLimits

# Telegram's limits are not what is measured here: lift them on both sides.
UNLIMITED = SendLimits(global_rate=1e6, global_burst=100_000, per_chat_rate=1e3, per_chat_burst=1_000)


class TooSlow(Exception):
    pass


async def drive(sandbox: Sandbox, bot: str, text: str, messages: int, users: int, timeout: float) -> float:
    """Send `messages` texts from `users` people at once; seconds until every reply is in.
    Raises TooSlow when they are not all in after `timeout` seconds."""
    async with SandboxClient(sandbox.url) as people:
        ids = [(await people.create_user(f"P{n}", username=f"p{n}_{secrets.token_hex(2)}"))["id"] for n in range(users)]
        before = len(await people.calls(bot=bot, method="sendMessage"))
        gate = asyncio.Semaphore(64)

        async def one(n: int) -> None:
            async with gate:
                await people.send_text(ids[n % users], bot, text)

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(messages)))
        while True:
            calls = await people.calls(bot=bot, method="sendMessage")
            replied = sum(1 for c in calls[before:] if c["status"] == 200)
            if replied >= messages:
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                raise TooSlow(f"{bot}: {replied} of {messages} replies after {timeout:.0f} s")
            await asyncio.sleep(0.02)


async def bench_storelink(sandbox: Sandbox, args: argparse.Namespace, workdir: Path) -> float:
    if args.database_url:
        async with Schema(args.database_url) as schema:
            return await run_storelink(sandbox, args, schema.url)
    return await run_storelink(sandbox, args, f"sqlite+aiosqlite:///{workdir / 'bench.db'}")


async def run_storelink(sandbox: Sandbox, args: argparse.Namespace, database_url: str) -> float:
    namespace = new_namespace()
    overrides = {
        "consumer_bot_token": sandbox.create_bot("bench_shop_bot"),
        "associate_bot_token": sandbox.create_bot("bench_staff_bot"),
        "bot_api_url": sandbox.url,
        "database_url": database_url,
        "redis_url": args.redis_url,
        "signing_key": secrets.token_urlsafe(32),
    }
    runtime = Runtime(load_settings(_env_file=None, **overrides), Options(limits=UNLIMITED, serve_http=False, namespace=namespace))
    await runtime.start()
    try:
        return await drive(sandbox, "bench_shop_bot", "/help", args.messages, args.users, args.timeout)
    finally:
        await runtime.stop()
        if args.redis_url:
            await delete_namespace(args.redis_url, namespace)


async def bench_echo(sandbox: Sandbox, args: argparse.Namespace) -> float:
    token = sandbox.create_bot("bench_echo_bot")
    app = Application.builder().token(token).base_url(sandbox.api_base_url).concurrent_updates(True).build()

    async def echo(update: Update, _ctx: object) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            return await drive(sandbox, "bench_echo_bot", "/help", args.messages, args.users, args.timeout)
        finally:
            await app.updater.stop()
            await app.stop()


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    sandbox = Sandbox(port=args.sandbox_port)
    sandbox.limits.enabled = False
    await sandbox.start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            echo = await bench_echo(sandbox, args)
            ours = await bench_storelink(sandbox, args, Path(workdir))
    except TooSlow as exc:
        print(f"stopped: {exc}")
        return 1
    finally:
        await sandbox.stop()
    backend = f"{'PostgreSQL' if args.database_url else 'SQLite'} + {'Redis' if args.redis_url else 'in-process'}"
    print(f"\nupdates per second, end to end ({args.messages} messages from {args.users} people)")
    print(f"{'bot':<34} {'seconds':>8} {'updates/s':>10}")
    print(f"{'bare python-telegram-bot echo':<34} {echo:>8.2f} {args.messages / echo:>10.1f}")
    print(f"{'storelink (' + backend + ')':<34} {ours:>8.2f} {args.messages / ours:>10.1f}")
    print(f"ratio storelink / echo: {echo / ours:.2f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--users", type=int, default=250)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--sandbox-port", type=int, default=0, help="the sandbox's port (default: any free one)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for every reply (default 300)")
    sys.exit(asyncio.run(main(parser.parse_args())))
