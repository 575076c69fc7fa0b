"""`storelink brand load` and `storelink sa add|invite|deactivate|list`: onboarding a brand
and its associates (`storelink sa qr` is in bot/cli/posters.py).

Commands that print links ask Telegram for the bots' usernames before they write anything.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import click

from bot.cli import support as cli
from bot.cli.posters import sa_qr
from bot.runtime.settings import LOCALES, Settings
from commerce.bots import BotKind
from commerce.onboarding import INVITE_VALIDITY, LoadSummary

INVITE_DAYS = click.IntRange(1, 90)


def register_admin_commands(main: click.Group) -> None:
    main.add_command(brand)
    main.add_command(sa)


def _new_invite_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits; "i" + 43 characters fits a start payload


def _invite_link(associate_bot: str, token: str) -> str:
    from bot.interface.links import start_link
    from commerce.codes import invite_payload

    return start_link(associate_bot, invite_payload(token))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# --- storelink brand load ------------------------------------------------------------------


@click.group(short_help="The brand, its stores, associates and HQ operators.")
def brand() -> None:
    """The brand, its stores, associates and HQ operators."""


@brand.command("load", short_help="Create or update the brand from a YAML or CSV file.",
               epilog="Creates the database when it is not there yet. " + cli.DATABASE_EPILOG)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--invite-days", default=INVITE_VALIDITY.days, show_default=True, type=INVITE_DAYS,
              help="Days the new associates' invite links stay valid.")
def brand_load(file: Path, invite_days: int) -> None:
    """Create or update stores, associates, HQ operators, the reward and the shop policies from FILE (YAML or CSV).

    Every problem of the file is listed and nothing is written unless the whole file is
    valid. Loading the same file again changes nothing. New associates without a
    Telegram id get an invite link to the staff bot (when its token is configured)."""
    settings = cli.settings(require_tokens=False)
    cli.run(lambda: _brand_load(settings, file, timedelta(days=invite_days)))


async def _brand_load(settings: Settings, file: Path, valid_for: timedelta) -> None:
    from bot.cli.brandfile import load_document, read_brand_file
    from commerce.brand_plan import plan_brand
    from commerce.onboarding import issue_invite

    document = read_brand_file(file)
    database = await cli.database(settings, create=True)
    try:
        async with database.uow() as uow:  # check the whole file before asking Telegram anything
            plan_brand(document, [store.code for store in await cli.all_stores(uow)])
        associate_bot = await cli.bot_username(settings, BotKind.ASSOCIATE) if settings.associate_bot_token else None
        invites = []
        async with database.uow() as uow:
            now = cli.now()
            summary = await load_document(uow, document, settings=settings, now=now, actor="cli")
            for associate, store in summary.new_unbound if associate_bot else []:
                token = _new_invite_token()
                invite = await issue_invite(uow, associate, token=token, now=now, valid_for=valid_for)
                invites.append((associate, store, _invite_link(associate_bot, token), invite.expires_at))
            await uow.commit()
    finally:
        await database.dispose()
    click.echo(f"{file.name} loaded")
    for line in _summary_lines(summary):
        click.echo(f"  {line}")
    if invites:
        whom = "the new associate" if len(invites) == 1 else "the new associates"
        click.echo(f"invite {'link' if len(invites) == 1 else 'links'} for {whom} (single use, valid until {_when(invites[0][3])}):")
        for associate, store, link, _ in invites:
            click.echo(f"  {associate.display_name} ({store.code}, {associate.short_code})  {link}")
    elif summary.new_unbound:
        unbound = len(summary.new_unbound)
        who = "1 new associate has" if unbound == 1 else f"{unbound} new associates have"
        click.echo(f"{who} no Telegram account yet; set STORELINK_ASSOCIATE_BOT_TOKEN and run "
                   f"`storelink sa invite <id>` for {'their invite link' if unbound == 1 else 'their invite links'}")


def _summary_lines(summary: LoadSummary) -> list[str]:
    lines = []
    for kind, label in [("brand", "brand"), ("stores", "stores"), ("associates", "associates"),
                        ("hq_operators", "HQ operators"), ("reward", "reward"), ("shop", "shop")]:
        tally = getattr(summary, kind)
        if kind in ("brand", "reward", "shop") and not (tally.created or tally.updated or tally.unchanged):
            continue
        lines.append(f"{label + ':':<14}{tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged")
    return lines


# --- storelink sa ... ----------------------------------------------------------------------


@click.group(short_help="Store associates: add, invite, list, deactivate, posters.")
def sa() -> None:
    """Store associates: add, invite to the staff bot, list, deactivate, QR posters.

    SA is an associate's id or short code."""


@sa.command("add", short_help="Add an associate; print their invite link.", epilog=cli.TOKENS_EPILOG)
@click.option("--store", "store_code", required=True, help="The store's code.")
@click.option("--name", required=True, help="The associate's name, as shoppers will see it.")
@click.option("--locale", type=click.Choice(LOCALES), default=None, help="Default: the brand's locale.")
@click.option("--manager", is_flag=True, help="A store manager (sees the store's ranking and escalations).")
@click.option("--invite-days", default=INVITE_VALIDITY.days, show_default=True, type=INVITE_DAYS)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def sa_add(store_code: str, name: str, locale: str | None, manager: bool, invite_days: int, as_json: bool) -> None:
    """Add an associate and print their single-use invite link to the staff bot."""
    settings = cli.settings(require_tokens=False)  # missing tokens are said with every other problem
    cli.run(lambda: _sa_add(settings, store_code, name, locale, manager, timedelta(days=invite_days), as_json))


async def _sa_add(settings: Settings, store_code: str, name: str, locale: str | None, manager: bool,
                  valid_for: timedelta, as_json: bool) -> None:
    from commerce.brand_document import BrandFileError
    from commerce.brand_plan import associate_spec
    from commerce.onboarding import add_associate, issue_invite

    problems = cli.missing_tokens(settings, "sa add")
    try:
        spec = associate_spec("storelink sa add", store_code, name, locale, manager)
    except BrandFileError as exc:
        problems, spec = problems + exc.problems, None
    database = await cli.database_or_problem(settings, problems)
    if database is None:
        raise cli.Problems(problems)
    try:
        async with database.uow() as uow:
            if spec is not None and await uow.stores.by_code(spec.store_code) is None:
                problems.append(f"store '{spec.store_code}' does not exist")
        if problems or spec is None:
            raise cli.Problems(problems)
        associate_bot = await cli.bot_username(settings, BotKind.ASSOCIATE)  # asked before anything is written
        async with database.uow() as uow:
            now, token = cli.now(), _new_invite_token()
            associate, store = await add_associate(uow, spec, key=settings.signing_keys()[0], now=now)
            invite = await issue_invite(uow, associate, token=token, now=now, valid_for=valid_for)
            await uow.commit()
    finally:
        await database.dispose()
    link = _invite_link(associate_bot, token)
    if as_json:
        click.echo(json.dumps({"id": associate.id, "name": associate.display_name, "store": store.code,
                               "short_code": associate.short_code, "invite_link": link,
                               "invite_expires_at": invite.expires_at.isoformat()}, ensure_ascii=False))
        return
    click.echo(f"associate {associate.id} added: {associate.display_name}, {store.name} ({store.code}), "
               f"short code {associate.short_code}")
    click.echo(f"invite link (single use, valid until {_when(invite.expires_at)}):")
    click.echo(link)


@sa.command("invite", short_help="A fresh invite link for SA.", epilog=cli.TOKENS_EPILOG)
@click.argument("sa_ref", metavar="SA")
@click.option("--invite-days", default=INVITE_VALIDITY.days, show_default=True, type=INVITE_DAYS)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def sa_invite(sa_ref: str, invite_days: int, as_json: bool) -> None:
    """Issue a fresh invite link for SA (a new phone, a lost link). Earlier unused links
    stay valid until they expire."""
    settings = cli.settings(require_tokens=False)  # missing tokens are said with every other problem
    cli.run(lambda: _sa_invite(settings, sa_ref, timedelta(days=invite_days), as_json))


async def _sa_invite(settings: Settings, sa_ref: str, valid_for: timedelta, as_json: bool) -> None:
    from commerce.onboarding import issue_invite

    problems = cli.missing_tokens(settings, "sa invite")
    database = await cli.database_or_problem(settings, problems)
    if database is None:
        raise cli.Problems(problems)
    try:
        async with database.uow() as uow:
            associate = await cli.associate_or_problem(uow, sa_ref, problems)
        if problems or associate is None:
            raise cli.Problems(problems)
        associate_bot = await cli.bot_username(settings, BotKind.ASSOCIATE)  # asked before anything is written
        async with database.uow() as uow:
            now, token = cli.now(), _new_invite_token()
            invite = await issue_invite(uow, associate, token=token, now=now, valid_for=valid_for)
            await uow.commit()
    finally:
        await database.dispose()
    link = _invite_link(associate_bot, token)
    if as_json:
        click.echo(json.dumps({"id": associate.id, "name": associate.display_name, "invite_link": link,
                               "invite_expires_at": invite.expires_at.isoformat()}, ensure_ascii=False))
        return
    click.echo(f"invite link for {associate.display_name} ({associate.short_code}), single use, valid until "
               f"{_when(invite.expires_at)}:")
    click.echo(link)


@sa.command("deactivate", short_help="SA's codes stop enrolling; members keep their history.",
            epilog=cli.DATABASE_EPILOG)
@click.argument("sa_ref", metavar="SA")
def sa_deactivate(sa_ref: str) -> None:
    """SA's codes stop enrolling and the staff bot stops knowing them; their members keep
    their links and history."""
    settings = cli.settings(require_tokens=False)
    cli.run(lambda: _sa_deactivate(settings, sa_ref))


async def _sa_deactivate(settings: Settings, sa_ref: str) -> None:
    from commerce.onboarding import deactivate_associate

    database = await cli.database(settings)
    try:
        async with database.uow() as uow:
            associate = await cli.associate_named(uow, sa_ref)
            changed = await deactivate_associate(uow, associate, now=cli.now())
            await uow.commit()
    finally:
        await database.dispose()
    state = "deactivated" if changed else "was already deactivated"
    click.echo(f"associate {associate.id} ({associate.display_name}, {associate.short_code}) {state}")


@sa.command("list", short_help="Associates: short codes, stores, Telegram accounts.", epilog=cli.DATABASE_EPILOG)
@click.option("--store", "store_code", default=None, help="Only this store's associates.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def sa_list(store_code: str | None, as_json: bool) -> None:
    """Associates with their short codes, stores and whether their Telegram account is bound."""
    settings = cli.settings(require_tokens=False)
    cli.run(lambda: _sa_list(settings, store_code, as_json))


async def _sa_list(settings: Settings, store_code: str | None, as_json: bool) -> None:
    database = await cli.database(settings)
    try:
        async with database.uow() as uow:
            stores = {store.id: store for store in await cli.all_stores(uow)}
            if store_code is not None and store_code not in {store.code for store in stores.values()}:
                raise cli.AdminError(f"store '{store_code}' does not exist")
            associates = [a for a in await uow.associates.list_all()
                          if store_code is None or stores[a.store_id].code == store_code]
    finally:
        await database.dispose()
    rows = [{"id": a.id, "short_code": a.short_code, "name": a.display_name, "store": stores[a.store_id].code,
             "locale": a.locale, "manager": a.is_manager, "status": a.status.value,
             "telegram_bound": a.telegram_user_id is not None} for a in associates]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    click.echo(f"{'id':>5}  {'code':<7} {'store':<12} {'status':<12} {'telegram':<9} {'locale':<8} name")
    for row in rows:
        flags = " (manager)" if row["manager"] else ""
        click.echo(f"{row['id']:>5}  {row['short_code']:<7} {row['store']:<12} {row['status']:<12} "
                   f"{'bound' if row['telegram_bound'] else '-':<9} {row['locale']:<8} {row['name']}{flags}")


sa.add_command(sa_qr)  # storelink sa qr, in bot/cli/posters.py
