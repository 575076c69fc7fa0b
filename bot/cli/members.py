"""`storelink member tier`: HQ sets a member's loyalty tier (shown to associates in the
header of the member's messages, on the profile card and in /members). Audited as
`member.tier.set` with the previous value, actor `cli`.
"""

from __future__ import annotations

import click

from bot.cli import support as cli
from bot.runtime.settings import Settings
from commerce.ids import parse_row_id
from commerce.people import Member
from commerce.ports.uow import UnitOfWork


def register_member_commands(main: click.Group) -> None:
    main.add_command(member)


@click.group(short_help="Members: loyalty tiers.")
def member() -> None:
    """Members: loyalty tiers.

    MEMBER is a member's id or their Telegram @username."""


@member.command("tier", short_help="Set or clear MEMBER's tier.", epilog=cli.DATABASE_EPILOG)
@click.argument("reference", metavar="MEMBER")
@click.argument("tier", required=False)
@click.option("--clear", is_flag=True, help="Remove the member's tier.")
def member_tier(reference: str, tier: str | None, clear: bool) -> None:
    """Set MEMBER's tier to TIER (e.g. Gold), or remove it with --clear."""
    if clear == (tier is not None):
        raise click.UsageError("give a TIER, or --clear")
    settings = cli.settings(require_tokens=False)
    cli.run(lambda: _member_tier(settings, reference, None if clear else tier))


async def _member_tier(settings: Settings, reference: str, tier: str | None) -> None:
    from commerce.workspace_values import TIER_LIMIT
    from commerce.workspace import BadTier, set_tier

    database = await cli.database(settings)
    try:
        async with database.uow() as uow:
            target = await _member_named(uow, reference)
            previous = target.tier
            result = await set_tier(uow, target, tier, "cli", cli.now())
            if isinstance(result, BadTier):
                raise cli.AdminError(f"'{tier}' is not a tier: letters, digits, spaces, - or _, at most {TIER_LIMIT} characters")
            await uow.commit()
    finally:
        await database.dispose()
    name = " ".join(filter(None, [result.first_name, result.last_name]))
    click.echo(f"member {result.id} ({name}): tier {_shown(previous)} -> {_shown(result.tier)}")


def _shown(tier: str | None) -> str:
    return tier if tier else "(none)"


async def _member_named(uow: UnitOfWork, reference: str) -> Member:
    brand = await uow.brands.first()
    if brand is None or brand.id is None:
        raise cli.AdminError("no brand is loaded yet (storelink brand load FILE)")
    found = None
    if reference.isascii() and reference.isdigit():
        row_id = parse_row_id(reference)  # a number beyond the id column names nobody
        found = await uow.members.get(row_id) if row_id is not None else None
    elif reference.startswith("@") and len(reference) > 1:
        found = await uow.workspace.member_by_username(brand.id, reference)
    if found is None or found.brand_id != brand.id:
        raise cli.AdminError(f"no member with id or @username '{reference}'")
    return found
