"""Onboarding as the storage tests drive it: a brand file loaded, an associate invited, an
invite opened, each in its own committed unit of work at a fixed time."""

from __future__ import annotations

from datetime import timedelta

from bot.cli.brandfile import document_from_mapping
from commerce.brand_plan import associate_spec, plan_brand
from commerce.people import Brand
from commerce.onboarding import accept_invite, add_associate, apply_brand_plan, invite_token_hash, issue_invite
from storage.uow import Database
from tests.fixtures_db import T0

KEY = b"onboarding-test-signing-key-0123456789"
BOB, ANN, STRANGER = 5_000_000_001, 5_000_000_002, 5_000_000_003


async def load(database: Database, data: dict, *, existing: tuple[str, ...] = ()):
    async with database.uow() as uow:
        brand = await uow.brands.first() or await uow.brands.add(Brand(name="Settings name"))
        plan = plan_brand(document_from_mapping(data, "brand.yaml"), existing)
        summary = await apply_brand_plan(uow, brand, plan, key=KEY, now=T0)
        await uow.commit()
    return summary


async def an_invite(database: Database, *, token: str = "tok", name: str = "Claire", valid_for=timedelta(days=7)):
    """A new associate of store P1, with one invite issued at T0."""
    async with database.uow() as uow:
        store = await uow.stores.by_code("P1")
    if store is None:
        await load(database, {"stores": [{"code": "P1", "name": "Paris"}]})
    async with database.uow() as uow:
        associate, _ = await add_associate(uow, associate_spec("test", "P1", name, "en", False), key=KEY, now=T0)
        await issue_invite(uow, associate, token=token, now=T0, valid_for=valid_for)
        await uow.commit()
    return associate


async def accept(database: Database, token: str, telegram_user_id: int, at=T0 + timedelta(hours=1)):
    async with database.uow() as uow:
        result = await accept_invite(uow, invite_token_hash(token), telegram_user_id, at)
        await uow.commit()
    return result
