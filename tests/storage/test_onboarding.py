"""Onboarding on real SQLite and PostgreSQL: a plan applied twice changes nothing the
second time, and an invite binds one Telegram account once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commerce.brand_document import BrandFileError
from commerce.onboarding import (
    InviteOutcome,
    OnboardingError,
    accept_invite,
    deactivate_associate,
    find_associate,
    invite_token_hash,
    issue_invite,
)
from commerce.people import AssociateStatus
from storage.uow import Database
from tests.fixtures_db import T0
from tests.storage.onboarding_steps import ANN, BOB, STRANGER, accept, an_invite, load

BRAND_FILE = {
    "brand": {"name": "Maison", "timezone": "Asia/Shanghai", "default_locale": "zh-Hans"},
    "stores": [{"code": "SH", "name": "Shanghai"}, {"code": "BJ", "name": "Beijing", "timezone": "UTC"}],
    "associates": [{"name": "Bob", "store": "SH", "telegram": BOB}, {"name": "Wei", "store": "BJ", "locale": "en"}],
    "hq_operators": [{"name": "Hannah"}],
    "reward": {"percent_off": 10},
}


async def test_loading_a_brand_file_creates_everything_once(database: Database) -> None:
    first = await load(database, BRAND_FILE)
    again = await load(database, BRAND_FILE)

    assert (first.stores.created, first.associates.created, first.hq_operators.created, first.reward.created) == (2, 2, 1, 1)
    assert [a.display_name for a, _ in first.new_unbound] == ["Wei"]
    assert vars(again.stores) == {"created": 0, "updated": 0, "unchanged": 2}
    assert vars(again.associates) == {"created": 0, "updated": 0, "unchanged": 2}
    assert (again.brand.unchanged, again.hq_operators.unchanged, again.reward.unchanged) == (1, 1, 1)
    async with database.uow() as uow:
        brand = await uow.brands.first()
        stores = {s.code: s for s in await uow.stores.list(brand.id)}
        associates = await uow.associates.list_all()
    assert brand.name == "Maison"
    assert (stores["SH"].timezone, stores["BJ"].timezone) == ("Asia/Shanghai", "UTC")  # omitted: the brand's
    assert [(a.display_name, a.locale, a.telegram_user_id) for a in associates] == [("Bob", "zh-Hans", BOB), ("Wei", "en", None)]
    assert all(len(a.short_code) == 6 for a in associates)


async def test_a_changed_file_updates_by_stable_keys(database: Database) -> None:
    await load(database, BRAND_FILE)
    changed = {**BRAND_FILE,
               "stores": [{"code": "SH", "name": "Shanghai Xintiandi"}],
               "associates": [{"name": "Bob", "store": "SH", "manager": True}, {"name": "Wei", "store": "BJ", "locale": "en"}],
               "reward": {"percent_off": 15}}

    summary = await load(database, changed, existing=("BJ",))

    assert (summary.stores.updated, summary.associates.updated, summary.associates.unchanged, summary.reward.updated) == (1, 1, 1, 1)
    async with database.uow() as uow:
        bob = (await uow.associates.list_all())[0]
        rule = await uow.rewards.active_rule((await uow.brands.first()).id)
    assert (bob.is_manager, bob.telegram_user_id) == (True, BOB)  # no telegram in the file: the binding stays
    assert rule.percent_off == 15


async def test_an_account_bound_to_someone_else_stops_the_load_before_any_write(database: Database) -> None:
    await load(database, BRAND_FILE)
    stolen = {"stores": [{"code": "GZ", "name": "Guangzhou"}], "associates": [{"name": "Ann", "store": "GZ", "telegram": BOB}]}

    with pytest.raises(BrandFileError) as raised:
        await load(database, stolen)

    assert raised.value.problems == ["brand.yaml: associates[0]: Telegram user 5000000001 is already bound to associate 'Bob' of store 'SH'"]
    async with database.uow() as uow:
        assert await uow.stores.by_code("GZ") is None


# --- invites ---------------------------------------------------------------------------------


async def test_an_invite_binds_the_account_that_opens_it_first(database: Database) -> None:
    claire = await an_invite(database)

    bound = await accept(database, "tok", ANN)
    reopened = await accept(database, "tok", ANN)
    other = await accept(database, "tok", STRANGER)

    assert (bound.outcome, bound.associate.telegram_user_id, bound.store.code) == (InviteOutcome.BOUND, ANN, "P1")
    assert reopened.outcome is InviteOutcome.BOUND  # the same person opening their link again
    assert other.outcome is InviteOutcome.ALREADY_USED
    async with database.uow() as uow:
        assert (await uow.associates.get(claire.id)).telegram_user_id == ANN
        actions = [entry.action for entry in await uow.audit.recent(20)]
    assert "associate.bound" in actions and "associate.invite_refused" in actions


async def test_expired_unknown_and_deactivated_invites_bind_nothing(database: Database) -> None:
    await an_invite(database, token="old", valid_for=timedelta(minutes=30))
    lea = await an_invite(database, token="left", name="Léa")
    async with database.uow() as uow:
        await deactivate_associate(uow, lea, now=T0)
        await uow.commit()

    assert (await accept(database, "old", ANN)).outcome is InviteOutcome.EXPIRED
    assert (await accept(database, "nope", ANN)).outcome is InviteOutcome.UNKNOWN
    assert (await accept(database, "left", ANN)).outcome is InviteOutcome.DEACTIVATED
    async with database.uow() as uow:
        assert await uow.associates.by_telegram_user(ANN) is None


async def test_an_account_of_an_active_associate_cannot_take_a_second_one(database: Database) -> None:
    await an_invite(database, token="first")
    await an_invite(database, token="second", name="Léa")
    await accept(database, "first", ANN)

    taken = await accept(database, "second", ANN)

    assert taken.outcome is InviteOutcome.ACCOUNT_TAKEN
    async with database.uow() as uow:  # the refused invite stays usable by its rightful owner
        assert (await accept_invite(uow, invite_token_hash("second"), BOB, T0)).outcome is InviteOutcome.BOUND


async def test_someone_who_left_can_be_invited_again_as_a_new_associate(database: Database) -> None:
    old = await an_invite(database, token="first")
    await accept(database, "first", ANN)
    async with database.uow() as uow:
        await deactivate_associate(uow, await uow.associates.get(old.id), now=T0)
        await uow.commit()
    new = await an_invite(database, token="again", name="Claire (Lyon)")

    result = await accept(database, "again", ANN)

    assert (result.outcome, result.associate.id) == (InviteOutcome.BOUND, new.id)
    async with database.uow() as uow:
        previous = await uow.associates.get(old.id)
    assert (previous.status, previous.telegram_user_id) == (AssociateStatus.DEACTIVATED, None)


async def test_a_deactivated_associate_gets_no_new_invite(database: Database) -> None:
    claire = await an_invite(database)
    async with database.uow() as uow:
        claire = await uow.associates.get(claire.id)
        assert await deactivate_associate(uow, claire, now=T0) is True
        assert await deactivate_associate(uow, claire, now=T0) is False
        with pytest.raises(OnboardingError, match="deactivated"):
            await issue_invite(uow, claire, token="more", now=T0)


async def test_associates_are_found_by_id_or_by_short_code_as_typed(database: Database) -> None:
    claire = await an_invite(database)
    async with database.uow() as uow:
        by_id = await find_associate(uow, str(claire.id))
        typed = claire.short_code[:3].lower() + "-" + claire.short_code[3:].lower()
        by_code = await find_associate(uow, f" {typed} ")
        nobody = await find_associate(uow, "nobody")
    assert by_id.id == by_code.id == claire.id and nobody is None
