"""Each repository stores and returns domain objects unchanged, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from commerce.people import (
    Associate,
    AssociateStatus,
    AuditEntry,
    Brand,
    HQOperator,
    Link,
    LinkReason,
    Store,
)
from commerce.ports.uow import DuplicateError
from storage.uow import Database
from tests.fixtures_db import T0, Shop, a_member

PARIS = timezone(timedelta(hours=1))


async def test_a_brand_comes_back_as_it_was_added(database: Database) -> None:
    async with database.uow() as uow:
        added = await uow.brands.add(Brand(name="Maison", colour="#000000", default_locale="zh-Hans",
                                           timezone="Asia/Shanghai"))
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.brands.get(added.id) == added
        assert await uow.brands.first() == added
        assert await uow.brands.get(added.id + 1) is None


async def test_a_brand_update_is_stored(shop: Shop, database: Database) -> None:
    assert (shop.brand.welcome_text, shop.brand.leaderboard_time) == (None, "21:00")
    changed = Brand(**{**_fields(shop.brand), "welcome_text": "Hello {member}, I am {associate} at {store}.",
                       "leaderboard_time": "20:30", "timezone": "Europe/Paris"})
    async with database.uow() as uow:
        await uow.brands.update(changed)
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.brands.get(shop.brand.id) == changed


async def test_stores_are_found_by_code_and_listed_per_brand(database: Database) -> None:
    async with database.uow() as uow:
        brand = await uow.brands.add(Brand(name="Maison"))
        opera = await uow.stores.add(Store(brand_id=brand.id, code="PAR01", name="Opera", address="1 rue X",
                                           latitude=48.87, longitude=2.33, timezone="Europe/Paris",
                                           hours="Mon-Sun 10:00-20:00"))
        marais = await uow.stores.add(Store(brand_id=brand.id, code="PAR02", name="Marais"))
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.stores.get(opera.id) == opera
        assert await uow.stores.by_code("PAR02") == marais
        assert await uow.stores.by_code("NOPE") is None
        assert await uow.stores.list(brand.id) == [opera, marais]


async def test_a_second_store_with_the_same_code_is_a_duplicate(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(DuplicateError):
            await uow.stores.add(Store(brand_id=shop.brand.id, code=shop.store.code, name="Copy"))


async def test_a_store_update_is_stored_and_its_code_stays_unique(shop: Shop, database: Database) -> None:
    changed = Store(**{**_fields(shop.store), "name": "Paris Opera (flagship)", "hours": "Mon-Sat 10:00-20:00",
                       "latitude": 48.8719, "longitude": 2.3316})
    async with database.uow() as uow:
        other = await uow.stores.add(Store(brand_id=shop.brand.id, code="PAR02", name="Marais"))
        await uow.stores.update(changed)
        other.code = shop.store.code
        with pytest.raises(DuplicateError):
            await uow.stores.update(other)
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.stores.get(shop.store.id) == changed
        assert (await uow.stores.get(other.id)).code == "PAR02"


async def test_associates_are_found_by_telegram_user_short_code_and_store(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        unbound = await uow.associates.add(Associate(store_id=shop.store.id, display_name="Marc",
                                                     short_code="MARC1", welcome_text="Bonjour !"))
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.associates.get(shop.associate.id) == shop.associate
        assert await uow.associates.by_telegram_user(5_000_000_001) == shop.associate
        assert await uow.associates.by_short_code("MARC1") == unbound
        assert await uow.associates.list_by_store(shop.store.id) == [shop.associate, unbound]


async def test_every_associate_is_listed_by_id_and_managers_are_marked(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        marais = await uow.stores.add(Store(brand_id=shop.brand.id, code="PAR02", name="Marais"))
        manager = await uow.associates.add(Associate(store_id=marais.id, display_name="Marc", short_code="MARC1",
                                                     is_manager=True))
        await uow.commit()

    async with database.uow() as uow:
        everyone = await uow.associates.list_all()
    assert everyone == [shop.associate, manager]
    assert [associate.is_manager for associate in everyone] == [False, True]


async def test_an_associate_update_is_stored(shop: Shop, database: Database) -> None:
    changed = Associate(**{**_fields(shop.associate), "status": AssociateStatus.DEACTIVATED,
                           "telegram_user_id": None, "locale": "zh-Hans", "is_manager": True})
    async with database.uow() as uow:
        await uow.associates.update(changed)
        await uow.commit()

    async with database.uow() as uow:
        stored = await uow.associates.get(shop.associate.id)
    assert stored == changed
    assert stored.status is AssociateStatus.DEACTIVATED


async def test_associates_without_telegram_account_do_not_collide_but_accounts_are_unique(
    shop: Shop, database: Database,
) -> None:
    async with database.uow() as uow:
        await uow.associates.add(Associate(store_id=shop.store.id, display_name="A", short_code="A1"))
        await uow.associates.add(Associate(store_id=shop.store.id, display_name="B", short_code="B1"))
        with pytest.raises(DuplicateError):
            await uow.associates.add(Associate(store_id=shop.store.id, display_name="C", short_code="C1",
                                               telegram_user_id=shop.associate.telegram_user_id))
        with pytest.raises(DuplicateError):
            await uow.associates.add(Associate(store_id=shop.store.id, display_name="D", short_code="CLAIRE1"))


async def test_updating_an_associate_to_a_taken_account_is_a_duplicate(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        other = await uow.associates.add(Associate(store_id=shop.store.id, display_name="B", short_code="B1"))
        other.telegram_user_id = shop.associate.telegram_user_id
        with pytest.raises(DuplicateError):
            await uow.associates.update(other)


async def test_hq_operators_are_found_by_telegram_user_and_unique(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        boss = await uow.hq.add(HQOperator(brand_id=shop.brand.id, name="Boss", telegram_user_id=9001,
                                           created_at=T0))
        await uow.hq.add(HQOperator(brand_id=shop.brand.id, name="No account yet"))
        await uow.hq.add(HQOperator(brand_id=shop.brand.id, name="Nor this one"))
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.hq.by_telegram_user(9001) == boss
        assert [op.name for op in await uow.hq.list(shop.brand.id)] == ["Boss", "No account yet", "Nor this one"]
        with pytest.raises(DuplicateError):
            await uow.hq.add(HQOperator(brand_id=shop.brand.id, name="Impostor", telegram_user_id=9001))


async def test_a_member_round_trips_with_every_field(shop: Shop, database: Database) -> None:
    member = a_member(shop, last_name="Lopez", username="ana_l", language_code="es", consent_chat=False,
                      consent_marketing=True, unsubscribed_at=T0 + timedelta(days=3), reachable=False,
                      phone="+33600000000")
    async with database.uow() as uow:
        added = await uow.members.add(member)
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.members.get(added.id) == added
        assert await uow.members.by_telegram_user(shop.brand.id, member.telegram_user_id) == added
        assert await uow.members.by_telegram_user(shop.brand.id, 1) is None


async def test_the_same_telegram_user_cannot_join_a_brand_twice(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        await uow.members.add(a_member(shop))
        with pytest.raises(DuplicateError):
            await uow.members.add(a_member(shop, first_name="Ana again"))


async def test_a_member_update_is_stored(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop))
        await uow.commit()
    member.consent_marketing = True
    member.reachable = False
    member.unsubscribed_at = T0 + timedelta(hours=5)

    async with database.uow() as uow:
        await uow.members.update(member)
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.members.get(member.id) == member


async def test_updating_a_member_that_does_not_exist_fails(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(LookupError):
            await uow.members.update(a_member(shop, id=424242))


async def test_a_link_history_keeps_ended_links_oldest_first(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop))
        marc = await uow.associates.add(Associate(store_id=shop.store.id, display_name="Marc", short_code="M1"))
        first = await uow.links.add(Link(member_id=member.id, associate_id=shop.associate.id, started_at=T0))
        await uow.links.end(first.id, T0 + timedelta(days=1), LinkReason.REASSIGNED_BY_HQ)
        second = await uow.links.add(Link(member_id=member.id, associate_id=marc.id,
                                          started_at=T0 + timedelta(days=1), reason=LinkReason.REASSIGNED_BY_HQ))
        await uow.commit()

    async with database.uow() as uow:
        current = await uow.links.current(member.id)
        history = await uow.links.history(member.id)
    assert current == second
    assert [link.id for link in history] == [first.id, second.id]
    assert history[0].ended_at == T0 + timedelta(days=1)
    assert history[0].end_reason is LinkReason.REASSIGNED_BY_HQ
    assert history[1].reason is LinkReason.REASSIGNED_BY_HQ


async def test_a_member_has_at_most_one_open_link(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop))
        marc = await uow.associates.add(Associate(store_id=shop.store.id, display_name="Marc", short_code="M1"))
        await uow.links.add(Link(member_id=member.id, associate_id=shop.associate.id, started_at=T0))
        with pytest.raises(DuplicateError):
            await uow.links.add(Link(member_id=member.id, associate_id=marc.id, started_at=T0))


async def test_ending_a_link_twice_keeps_the_first_ending(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop))
        link = await uow.links.add(Link(member_id=member.id, associate_id=shop.associate.id, started_at=T0))
        await uow.links.end(link.id, T0 + timedelta(days=1), LinkReason.ENDED_BY_MEMBER)
        await uow.links.end(link.id, T0 + timedelta(days=2), LinkReason.REASSIGNED_BY_HQ)
        [ended] = await uow.links.history(member.id)
        assert await uow.links.current(member.id) is None
    assert (ended.ended_at, ended.end_reason) == (T0 + timedelta(days=1), LinkReason.ENDED_BY_MEMBER)


async def test_the_audit_log_returns_the_newest_entries_first(database: Database) -> None:
    async with database.uow() as uow:
        for n in range(3):
            await uow.audit.record(AuditEntry(at=T0 + timedelta(minutes=n), actor="cli", action=f"step.{n}",
                                              subject="member:1", details={"n": n, "tags": ["a", "é"]}))
        await uow.commit()

    async with database.uow() as uow:
        recent = await uow.audit.recent(2)
    assert [entry.action for entry in recent] == ["step.2", "step.1"]
    assert recent[0].details == {"n": 2, "tags": ["a", "é"]}


async def test_datetimes_come_back_aware_and_in_utc(shop: Shop, database: Database) -> None:
    enrolled_in_paris = datetime(2025, 3, 1, 18, 30, 15, 123456, tzinfo=PARIS)
    async with database.uow() as uow:
        member = await uow.members.add(a_member(shop, enrolled_at=enrolled_in_paris))
        await uow.commit()

    async with database.uow() as uow:
        stored = await uow.members.get(member.id)
        associate = await uow.associates.get(shop.associate.id)
    assert stored.enrolled_at == enrolled_in_paris
    assert stored.enrolled_at.utcoffset() == timedelta(0)
    assert stored.enrolled_at.tzinfo is UTC
    assert associate.created_at == T0 and associate.created_at.tzinfo is UTC


async def test_naive_datetimes_are_refused(shop: Shop, database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.members.add(a_member(shop, enrolled_at=datetime(2025, 1, 1, 12, 0)))


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]
