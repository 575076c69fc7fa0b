"""The `storelink` command."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import click

from bot.cli.admin import register_admin_commands
from bot.cli.catalog import register_catalog_commands
from bot.cli.members import register_member_commands
from bot.cli.sales import register_sales_commands
from bot.cli.support import DATABASE_EPILOG
from bot.cli.support import settings as cli_settings
from bot.runtime import logs
from bot.runtime.settings import SettingsError
from storage.unavailable import DatabaseUnavailable

if TYPE_CHECKING:  # the runtime pulls in PTB, aiohttp and storage; commands import it when they run
    from bot.runtime.process import Options



def run_until_signal(start: Callable[[], Awaitable[object]], stop: Callable[[], Awaitable[object]]) -> None:
    """Start, wait for SIGTERM or Ctrl-C, stop gracefully."""

    async def main() -> None:
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, done.set)
        try:
            await start()
        except DatabaseUnavailable as exc:  # said as it is: which database, and what to do
            click.echo(f"storelink: {exc}", err=True)
            await stop()
            sys.exit(1)
        except Exception as exc:
            logging.getLogger("storelink").debug("start-up failed", exc_info=True)
            click.echo(f"storelink: could not start: {type(exc).__name__}: {exc}", err=True)
            await stop()
            sys.exit(1)
        try:
            await done.wait()
        finally:
            click.echo("storelink: stopping (finishing work in flight)...", err=True)
            await stop()
            click.echo("storelink: stopped", err=True)

    asyncio.run(main())


@click.group()
@click.option("--log-level", default="INFO", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]), show_default=True)
def main(log_level: str) -> None:
    """storelink: one scan links a shopper to their store associate, in the chat app.

    Settings come from STORELINK_* environment variables, or from a .env file in the
    current directory (the environment wins). The database is STORELINK_DATABASE_URL,
    by default the SQLite file var/storelink.db under the current directory; only
    `db upgrade`, `brand load` and `demo` create a database, every other command stops
    when the one named is not there.

    No level of logging writes bot tokens, the webhook secret, signing keys or phone
    numbers."""
    logs.configure(log_level)


def sender_only(options: Options | None = None) -> Options:
    """A process that only delivers the outbox: no polling, no webhooks, no update
    recovery, no timed jobs. Senders scale out this way beside the processes that take
    updates; they share the queue, the chats' leases and the rate limits through Redis."""
    from bot.runtime.process import Options

    return replace(options or Options(), take_updates=False, run_scheduler=False)


@main.command(short_help="Run both bots (long polling or webhooks).",
              epilog="Needs both bot tokens. " + DATABASE_EPILOG)
@click.option(
    "--only",
    type=click.Choice(["sender"]),
    default=None,
    help="Run one part of storelink. 'sender': deliver the outbox only (needs STORELINK_REDIS_URL).",
)
def run(only: str | None) -> None:
    """Run both bots (long polling, or webhooks when STORELINK_WEBHOOK_BASE_URL is set)."""
    from bot.cli.support import missing_database
    from bot.runtime.process import Runtime

    settings = cli_settings(require_tokens=True)
    if only == "sender" and not settings.redis_url:
        # In-process queues and locks are this process's own: a second sender without Redis
        # would send the same chats as the first, twice and out of order.
        click.echo("storelink: --only sender needs STORELINK_REDIS_URL (senders share the queue and locks through Redis)", err=True)
        sys.exit(2)
    if problem := missing_database(settings):
        click.echo(f"storelink: {problem}", err=True)
        sys.exit(2)
    runtime = Runtime(settings, sender_only() if only == "sender" else None)
    run_until_signal(runtime.start, runtime.stop)


@main.command(short_help="Everything local: a sandbox Bot API, both bots, a demo brand.",
              epilog="Uses its own SQLite database, var/demo.db, made anew on every start, and its own bots.")
@click.option("--sandbox-port", default=8081, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the local Bot API sandbox (make demo SANDBOX_PORT=...).")
@click.option("--http-port", default=None, type=click.IntRange(1, 65535),
              help="Port of /healthz and /metrics. Default: STORELINK_HTTP_PORT, else 8080.")
def demo(sandbox_port: int, http_port: int | None) -> None:
    """Everything in one process: a local Bot API sandbox, both bots and a demo brand."""
    from bot.sandbox.demo import Demo, PortUnavailable

    try:
        demo = Demo(sandbox_port=sandbox_port, http_port=http_port)
        demo.check_ports()
    except (SettingsError, PortUnavailable) as exc:
        for line in str(exc).splitlines():
            click.echo(f"storelink demo: {line}", err=True)
        sys.exit(2)
    run_until_signal(demo.start, demo.stop)


@main.command(short_help="Chat in the terminal as a person of the running demo.")
@click.option("--as", "username", required=True, help="The simulated person, e.g. alice or bob.")
@click.option("--bot", "bot_name", type=click.Choice(["consumer", "associate"]), default=None, help="Default: associate for staff, consumer otherwise.")
@click.option("--sandbox", "sandbox_url", default=None,
              help="The sandbox's URL. Default: the running demo's (var/demo.json), else http://127.0.0.1:8081.")
def chat(username: str, bot_name: str | None, sandbox_url: str | None) -> None:
    """Chat in the terminal as a simulated person of the running demo."""
    from bot.sandbox.terminal.session import run_chat

    sys.exit(asyncio.run(run_chat(sandbox_url, username, bot_name)))


@main.group(short_help="The database's schema.")
def db() -> None:
    """The database's schema."""


@db.command("upgrade", short_help="Create the database, or bring its schema up to date.",
            epilog="Creates a SQLite file when it is not there yet. A PostgreSQL database must exist "
                   "(`createdb NAME`): this creates its tables. " + DATABASE_EPILOG)
def db_upgrade() -> None:
    """Apply all migrations to STORELINK_DATABASE_URL, creating the tables (and a SQLite file) if needed."""
    from bot.cli.support import run as run_command
    from storage.migrate import current_revision, upgrade

    settings = cli_settings(require_tokens=False)

    async def work() -> str | None:
        await upgrade(settings.database_url)
        return await current_revision(settings.database_url)

    click.echo(f"database at revision {run_command(work)}")


register_admin_commands(main)  # storelink brand ..., storelink sa ...
register_member_commands(main)  # storelink member tier ...
register_catalog_commands(main)  # storelink catalog import, storelink inventory import
register_sales_commands(main)  # storelink sales

if __name__ == "__main__":
    main()
