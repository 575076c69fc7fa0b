"""`python -m bot.sandbox --port 8081 --bot brand_bot --bot staff_bot`: run a sandbox alone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.sandbox.server import Sandbox


async def serve(host: str, port: int, bots: list[str]) -> None:
    sandbox = Sandbox(host=host, port=port)
    await sandbox.start()
    print(f"Bot API sandbox at {sandbox.url}")
    print(f"  base_url={sandbox.api_base_url}  base_file_url={sandbox.file_base_url}")
    for username in bots:
        print(f"  @{username}: {sandbox.create_bot(username)}")
    print("People's side under /sandbox/ (see bot/sandbox/user_api.py). Ctrl-C stops.", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description="Run a local Telegram Bot API sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot", action="append", default=[], metavar="USERNAME", help="create a bot (repeatable)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.bot))


if __name__ == "__main__":
    main()
