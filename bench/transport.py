"""CPU time and calls per second of one Bot API call through python-telegram-bot, on PTB's
default transport (httpx) and on storelink's (aiohttp), measured in one run against one
sandbox, side by side.

    python -m bench.transport [--calls 2000] [--rounds 3] [--concurrency 1]

The sandbox runs in a process of its own (its work is not this process's CPU time), with
its rate limits off. Each round runs every transport once, in turn, so the machine's load
falls on both alike; the report gives the median round of each. CPU ms per call is
time.process_time() of this process over the calls (PTB building the request and reading
the answer included: that is what a call costs a bot); calls/s is wall time, so it moves
with the sandbox and with whatever else runs on the machine, the CPU cost much less.
--concurrency applies to sendMessage; getUpdates is polled one call at a time, as a poller does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import time
from dataclasses import dataclass

from telegram import Bot

from bot.runtime.transport import TRANSPORTS, bot_requests
from bot.sandbox import SandboxClient

BOT = "bench_transport_bot"


@dataclass
class Sample:
    cpu_ms: float  # CPU time of this process per call
    per_second: float  # calls completed per second of wall time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_sandbox() -> tuple[asyncio.subprocess.Process, str, str]:
    """A sandbox process; its URL and the bench bot's token."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.sandbox", "--port", str(port), "--bot", BOT, stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    token = None
    while token is None:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        if not line:
            raise RuntimeError("the sandbox stopped before it started")
        if line.strip().startswith(f"@{BOT}:"):
            token = line.split(":", 1)[1].strip()
    return process, f"http://127.0.0.1:{port}", token


async def measure(bot: Bot, method: str, chat_id: int, calls: int, concurrency: int) -> Sample:
    async def one() -> None:
        if method == "sendMessage":
            await bot.send_message(chat_id, "Your order is ready for pickup at Shanghai Xintiandi.")
        else:
            await bot.get_updates(timeout=0)

    async def worker(share: int) -> None:
        for _ in range(share):
            await one()

    shares = [calls // concurrency + (1 if n < calls % concurrency else 0) for n in range(concurrency)]
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(share) for share in shares))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Sample(cpu * 1000 / calls, calls / wall)


async def main(args: argparse.Namespace) -> None:
    process, url, token = await start_sandbox()
    try:
        async with SandboxClient(url) as people:
            await people.set_limits(enabled=False)
            user = await people.create_user("Bench", username="bench")
            await people.send_text(user["id"], BOT, "/start")
            samples: dict[tuple[str, str], list[Sample]] = {}
            bots = {}
            for transport in TRANSPORTS:
                bots[transport] = Bot(token, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot", **bot_requests(transport))
                await bots[transport].initialize()
            await bots["httpx"].get_updates(offset=-1)
            for transport, bot in bots.items():  # warm up: connections, caches, first-call imports
                await measure(bot, "sendMessage", user["id"], 100, args.concurrency)
            for _ in range(args.rounds):
                for method in ("sendMessage", "getUpdates"):
                    for transport, bot in bots.items():
                        concurrency = args.concurrency if method == "sendMessage" else 1  # one poll at a time, as a poller
                        sample = await measure(bot, method, user["id"], args.calls, concurrency)
                        samples.setdefault((method, transport), []).append(sample)
            for bot in bots.values():
                await bot.shutdown()
    finally:
        process.terminate()
        await process.wait()
    report(samples, args)


def report(samples: dict[tuple[str, str], list[Sample]], args: argparse.Namespace) -> None:
    print(f"Bot API calls through PTB {args.calls} x {args.rounds} rounds, concurrency {args.concurrency}, "
          f"one sandbox (pid {os.getpid()} measured); median round:")
    print(f"  {'call':<12} {'transport':<9} {'CPU ms/call':>11} {'calls/s':>9}")
    for method in ("sendMessage", "getUpdates"):
        medians = {}
        for transport in TRANSPORTS:
            rounds = samples[(method, transport)]
            cpu = statistics.median(s.cpu_ms for s in rounds)
            rate = statistics.median(s.per_second for s in rounds)
            medians[transport] = cpu
            print(f"  {method:<12} {transport:<9} {cpu:>11.3f} {rate:>9.0f}")
        print(f"  {method:<12} aiohttp uses {medians['aiohttp'] / medians['httpx']:.2f} x httpx's CPU per call")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.transport", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per transport per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1, help="calls in flight at once")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.rounds < 1 or not 1 <= args.concurrency <= args.calls:
        parser.error("--calls and --rounds must be positive, --concurrency between 1 and --calls")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
