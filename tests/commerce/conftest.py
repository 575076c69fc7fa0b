"""Fixtures of the commerce use-case tests: the shop's people (tests/commerce/builders.py)
in a real database, SQLite and PostgreSQL (tests/fixtures_db.py)."""

from __future__ import annotations

import pytest

from commerce.people import Associate, Link, Store
from storage.uow import Database
from tests.commerce.builders import ANA_CHAT, BEN_CHAT, MARC_CHAT, ZOE_CHAT, People
from tests.fixtures_db import T0, Shop, a_member


@pytest.fixture
async def people(shop: Shop, database: Database) -> People:
    async with database.uow() as uow:
        other_store = await uow.stores.add(Store(brand_id=shop.brand.id, code="LYO01", name="Lyon Part-Dieu"))
        marc = await uow.associates.add(Associate(store_id=shop.store.id, display_name="Marc", short_code="MARC1",
                                                  telegram_user_id=MARC_CHAT, created_at=T0))
        zoe = await uow.associates.add(Associate(store_id=other_store.id, display_name="Zoé", short_code="ZOE1",
                                                 telegram_user_id=ZOE_CHAT, created_at=T0))
        for associate in (shop.associate, marc, zoe):
            await uow.associates.opened_staff_bot(associate.id, T0)
        ana = await uow.members.add(a_member(shop, ANA_CHAT, first_name="Ana"))
        ben = await uow.members.add(a_member(shop, BEN_CHAT, first_name="Ben", store_id=other_store.id))
        await uow.links.add(Link(member_id=ana.id, associate_id=shop.associate.id, started_at=T0))
        await uow.links.add(Link(member_id=ben.id, associate_id=zoe.id, started_at=T0))
        claire, marc, zoe = [await uow.associates.get(a.id) for a in (shop.associate, marc, zoe)]
        await uow.commit()
    return People(shop.brand, shop.store, other_store, claire, marc, zoe, ana, ben)
