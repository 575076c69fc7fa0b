"""Updates per second, end to end: a person's message enters the sandbox, the bot handles
it and its reply is accepted back by the sandbox.

Runs storelink (/help: ingress record, handler transaction with inbox claim and outbox row,
sender under the shared limiter) and, in the same run against the same sandbox, a bare
python-telegram-bot echo bot (polling, reply_text), and prints both with their ratio.

    python -m bench.updates_per_second [--messages 1000] [--users 250]
        [--database-url postgresql+asyncpg://...] [--redis-url redis://...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.runtime.process import Options, Runtime
from bot.sandbox import Sandbox, SandboxClient
from bot.runtime.settings import load_settings
from storage.backends import SendLimits

# Telegram's limits are not what is measured here: lift them on both sides.
UNLIMITED = SendLimits(global_rate=1e6, global_burst=100_000, per_chat_rate=1e3, per_chat_burst=1_000)


async def drive(sandbox: Sandbox, bot: str, text: str, messages: int, users: int) -> float:
    """Send `messages` texts from `users` people at once; seconds until every reply is in."""
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
            if sum(1 for c in calls[before:] if c["status"] == 200) >= messages:
                return time.perf_counter() - started
            await asyncio.sleep(0.02)


async def bench_storelink(sandbox: Sandbox, args: argparse.Namespace, workdir: Path) -> float:
    overrides = {
        "consumer_bot_token": sandbox.create_bot("bench_shop_bot"),
        "associate_bot_token": sandbox.create_bot("bench_staff_bot"),
        "bot_api_url": sandbox.url,
        "database_url": args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "redis_url": args.redis_url,
        "signing_key": secrets.token_urlsafe(32),
    }
    runtime = Runtime(load_settings(_env_file=None, **overrides), Options(limits=UNLIMITED, serve_http=False, namespace=f"bench{secrets.token_hex(3)}"))
    await runtime.start()
    try:
        return await drive(sandbox, "bench_shop_bot", "/help", args.messages, args.users)
    finally:
        await runtime.stop()


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
            return await drive(sandbox, "bench_echo_bot", "/help", args.messages, args.users)
        finally:
            await app.updater.stop()
            await app.stop()


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    sandbox = Sandbox(port=0)
    sandbox.limits.enabled = False
    await sandbox.start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            echo = await bench_echo(sandbox, args)
            ours = await bench_storelink(sandbox, args, Path(workdir))
    finally:
        await sandbox.stop()
    backend = f"{'PostgreSQL' if args.database_url else 'SQLite'} + {'Redis' if args.redis_url else 'in-process'}"
    print(f"\nupdates per second, end to end ({args.messages} messages from {args.users} people)")
    print(f"{'bot':<34} {'seconds':>8} {'updates/s':>10}")
    print(f"{'bare python-telegram-bot echo':<34} {echo:>8.2f} {args.messages / echo:>10.1f}")
    print(f"{'storelink (' + backend + ')':<34} {ours:>8.2f} {args.messages / ours:>10.1f}")
    print(f"ratio storelink / echo: {echo / ours:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--users", type=int, default=250)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    asyncio.run(main(parser.parse_args()))
