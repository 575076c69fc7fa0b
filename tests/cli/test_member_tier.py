"""`storelink member tier` on SQLite and PostgreSQL: HQ sets a member's tier by id or
@username, clears it, and is told plainly when the member or the tier is wrong."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from commerce.people import Brand, Member
from storage.uow import Database
from tests.fixtures_db import T0


@pytest.fixture
def storelink(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name in ("STORELINK_CONSUMER_BOT_TOKEN", "STORELINK_ASSOCIATE_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    env = {"STORELINK_DATABASE_URL": database_url, "STORELINK_SIGNING_KEY": secrets.token_urlsafe(32)}
    return lambda *args: CliRunner().invoke(main, ["--log-level", "WARNING", *args], env=env)


async def _a_member(database_url: str) -> int:
    database = await Database.open(database_url, migrate=False)
    try:
        async with database.uow() as uow:
            brand = await uow.brands.add(Brand(name="Maison Test"))
            member = await uow.members.add(Member(brand_id=brand.id, telegram_user_id=7_000_000_001, first_name="Alice",
                                                  last_name="Chen", username="AliceC", enrolled_at=T0))
            await uow.commit()
        return member.id
    finally:
        await database.dispose()


async def _state(database_url: str, member_id: int) -> tuple[str | None, list[tuple[str, str, dict]]]:
    database = await Database.open(database_url, migrate=False)
    try:
        async with database.uow() as uow:
            member = await uow.members.get(member_id)
            audit = [(e.actor, e.action, e.details) for e in reversed(await uow.audit.recent(10))]
        return member.tier, audit
    finally:
        await database.dispose()


def test_hq_sets_and_clears_a_tier_by_id_or_username_and_each_change_is_audited(storelink, database_url):
    member_id = asyncio.run(_a_member(database_url))

    by_id = storelink("member", "tier", str(member_id), "  Platinum   Elite ")
    by_name = storelink("member", "tier", "@alicec", "Gold")
    cleared = storelink("member", "tier", "@AliceC", "--clear")
    tier, audit = asyncio.run(_state(database_url, member_id))

    assert by_id.exit_code == 0, by_id.output
    assert by_id.output.strip() == f"member {member_id} (Alice Chen): tier (none) -> Platinum Elite"
    assert by_name.output.strip() == f"member {member_id} (Alice Chen): tier Platinum Elite -> Gold"
    assert cleared.exit_code == 0 and tier is None
    assert audit == [("cli", "member.tier.set", {"tier": "Platinum Elite", "previous": None}),
                     ("cli", "member.tier.set", {"tier": "Gold", "previous": "Platinum Elite"}),
                     ("cli", "member.tier.set", {"tier": None, "previous": "Gold"})]


def test_an_unknown_member_or_a_bad_tier_changes_nothing(storelink, database_url):
    member_id = asyncio.run(_a_member(database_url))

    unknown = storelink("member", "tier", "@nobody", "Gold")
    bad = storelink("member", "tier", str(member_id), "<b>Gold</b>")
    both = storelink("member", "tier", str(member_id), "Gold", "--clear")
    tier, audit = asyncio.run(_state(database_url, member_id))

    assert unknown.exit_code == 1 and "no member with id or @username '@nobody'" in unknown.output
    assert bad.exit_code == 1 and "is not a tier" in bad.output and "Traceback" not in bad.output
    assert both.exit_code == 2 and "give a TIER, or --clear" in both.output
    assert tier is None and audit == []
