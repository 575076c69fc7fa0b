"""What the HQ commands (bot/cli_admin.py, bot/cli_posters.py) share: settings, running
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

from bot.settings import Settings, SettingsError, load_settings
from commerce.brand_plan import BrandFileError
from commerce.model import Associate, BotKind, Store
from commerce.onboarding import OnboardingError
from commerce.ports import UnitOfWork

if TYPE_CHECKING:  # storage pulls in SQLAlchemy and Alembic; commands import it when they run
    from storage.uow import Database

log = logging.getLogger("storelink.cli")
T = TypeVar("T")


class AdminError(Exception):
    """Said to the person at the terminal in one line, then exit 1."""


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
    except (AdminError, OnboardingError) as exc:
        click.echo(f"storelink: {exc}", err=True)
    except Exception as exc:  # the database is down, a disk is full: say so, keep the trace for --log-level DEBUG
        log.debug("command failed", exc_info=True)
        click.echo(f"storelink: {type(exc).__name__}: {exc}", err=True)
    sys.exit(1)


async def bot_username(config: Settings, kind: BotKind) -> str:
    """The bot's @username from getMe, for t.me links. Commands ask before they write."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    api = config.bot_api_url
    try:
        async with Bot(config.token(kind.value), base_url=f"{api}/bot", base_file_url=f"{api}/file/bot") as bot:
            return bot.username
    except InvalidToken:
        raise AdminError(f"the Bot API at {api} refused STORELINK_{kind.value.upper()}_BOT_TOKEN") from None
    except TelegramError as exc:
        raise AdminError(f"cannot reach the Bot API at {api} to look up the {kind.value} bot ({type(exc).__name__}: {exc})") from None


def now() -> datetime:
    from bot.clock import SystemClock

    return SystemClock().now()


async def database(config: Settings) -> Database:
    from storage.uow import Database

    if logging.getLogger().level > logging.DEBUG:  # one line per migration step would bury the answer
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return await Database.open(config.database_url, migrate=True)


async def all_stores(uow: UnitOfWork) -> list[Store]:
    brand = await uow.brands.first()
    return list(await uow.stores.list(brand.id)) if brand and brand.id is not None else []


async def associate_named(uow: UnitOfWork, reference: str) -> Associate:
    """The associate with this id or short code, or AdminError."""
    from commerce.onboarding import find_associate

    associate = await find_associate(uow, reference)
    if associate is None:
        raise AdminError(f"no associate with id or short code '{reference}'")
    return associate
