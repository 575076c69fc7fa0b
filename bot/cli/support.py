"""What the HQ commands (bot/cli/admin.py, bot/cli/posters.py) share: settings, running
their async work, the bots' usernames and the database.

Every command reports bad input in plain lines and a non-zero exit, never a traceback:
the person at the terminal is often HQ staff, not the engineer who deployed storelink.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import click

from bot.runtime.settings import Settings, SettingsError, load_settings
from commerce.bots import BotKind
from commerce.brand_document import BrandFileError
from commerce.onboarding import OnboardingError
from commerce.people import Associate, Store
from commerce.ports.uow import UnitOfWork
from storage.unavailable import DatabaseUnavailable

if TYPE_CHECKING:  # storage pulls in SQLAlchemy and Alembic; commands import it when they run
    from storage.uow import Database

log = logging.getLogger("storelink.cli")
T = TypeVar("T")


class AdminError(Exception):
    """Said to the person at the terminal in one line, then exit 1."""


class Problems(Exception):
    """Several things wrong at once, each said on its line, then exit 1: a person who fixes
    one should not meet the next only on the following try."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# Said at the end of the help of every command that reads the database.
DATABASE_EPILOG = ("Database: STORELINK_DATABASE_URL (default: the SQLite file var/storelink.db under the "
                   "current directory). Settings come from STORELINK_* variables or a .env file in the "
                   "current directory.")
# Said by commands that print t.me links: they ask the Bot API for both bots' usernames.
TOKENS_EPILOG = ("Needs both bot tokens, STORELINK_CONSUMER_BOT_TOKEN and STORELINK_ASSOCIATE_BOT_TOKEN: "
                 "the links name the bots, whose usernames are asked of the Bot API. " + DATABASE_EPILOG)


def settings(*, require_tokens: bool) -> Settings:
    try:
        return load_settings(require_tokens=require_tokens)
    except SettingsError as exc:
        for line in str(exc).splitlines():
            click.echo(f"storelink: {line}", err=True)
        sys.exit(2)


def run(work: Callable[[], Awaitable[T]]) -> T:
    """Run one command's async work; every failure becomes a message and exit code 1."""
    try:
        return asyncio.run(work())
    except BrandFileError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"storelink: nothing was written ({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''})", err=True)
    except Problems as exc:
        for problem in exc.problems:
            click.echo(f"storelink: {problem}", err=True)
    except (AdminError, OnboardingError, DatabaseUnavailable) as exc:
        click.echo(f"storelink: {exc}", err=True)
    except Exception as exc:  # the database is down, a disk is full: say so, keep the trace for --log-level DEBUG
        log.debug("command failed", exc_info=True)
        click.echo(f"storelink: {type(exc).__name__}: {exc}", err=True)
    sys.exit(1)


async def bot_username(config: Settings, kind: BotKind) -> str:
    """The bot's @username from getMe, for t.me links. Commands ask before they write."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    from bot.runtime.transport import bot_requests

    api = config.bot_api_url
    try:
        async with Bot(config.token(kind.value), base_url=f"{api}/bot", base_file_url=f"{api}/file/bot",
                       **bot_requests(config.bot_transport)) as bot:
            return bot.username
    except InvalidToken:
        raise AdminError(f"the Bot API at {api} refused STORELINK_{kind.value.upper()}_BOT_TOKEN") from None
    except TelegramError as exc:
        raise AdminError(f"cannot reach the Bot API at {api} to look up the {kind.value} bot ({type(exc).__name__}: {exc})") from None


def now() -> datetime:
    from bot.runtime.clock import SystemClock

    return SystemClock().now()


def missing_tokens(config: Settings, command: str) -> list[str]:
    """One line per bot token that `storelink COMMAND` needs and is not set."""
    return [f"STORELINK_{kind.upper()}_BOT_TOKEN is missing: `storelink {command}` needs both bot tokens "
            "(set them in the environment or in .env)"
            for kind in ("consumer", "associate") if getattr(config, f"{kind}_bot_token") is None]


def missing_database(config: Settings) -> str | None:
    """Why the configured database cannot be used as it is, or None. A SQLite file that is
    not there is a mistyped path more often than a wish for a new, empty database: only
    `db upgrade`, `brand load` and `demo` create one."""
    from storage.engine import sqlite_file

    path = sqlite_file(config.database_url)
    if path is None or path.is_file():
        return None
    return (f"no database at {path} (STORELINK_DATABASE_URL); check the path, or create it with "
            "`storelink db upgrade` or `storelink brand load FILE`")


async def database_or_problem(config: Settings, problems: list[str]) -> Database | None:
    """The database, or None with the reason added to ``problems``."""
    if problem := missing_database(config):
        problems.append(problem)
        return None
    return await database(config)


async def database(config: Settings, *, create: bool = False) -> Database:
    """The migrated database; only commands that may create one pass create=True."""
    from storage.uow import Database

    if not create and (problem := missing_database(config)):
        raise AdminError(problem)
    if logging.getLogger().level > logging.DEBUG:  # one line per migration step would bury the answer
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return await Database.open(config.database_url, migrate=True)


async def all_stores(uow: UnitOfWork) -> list[Store]:
    brand = await uow.brands.first()
    return list(await uow.stores.list(brand.id)) if brand and brand.id is not None else []


async def associate_or_problem(uow: UnitOfWork, reference: str, problems: list[str]) -> Associate | None:
    """The associate, or None with the reason added to ``problems``."""
    try:
        return await associate_named(uow, reference)
    except AdminError as exc:
        problems.append(str(exc))
        return None


async def associate_named(uow: UnitOfWork, reference: str) -> Associate:
    """The associate with this id or short code, or AdminError."""
    from commerce.onboarding import find_associate

    associate = await find_associate(uow, reference)
    if associate is None:
        raise AdminError(f"no associate with id or short code '{reference}'")
    return associate
