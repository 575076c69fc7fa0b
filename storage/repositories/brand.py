"""The brand and its people: stores, associates, HQ operators, associate invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from commerce.people import Associate, AssociateInvite, Brand, HQOperator, Store
from commerce.points import PointsPolicy, TierThresholds
from commerce.shop_policy import ShopPolicy
from storage import mapping
from storage.repositories.base import _Repository
from storage.tables.brand import (
    AssociateInviteRow,
    AssociateRow,
    BrandRow,
    BrandShopRow,
    HQOperatorRow,
    StoreRow,
)


class BrandChanges:
    """How many brand changes this process has committed: a reader that keeps the brand
    between reads (bot/interface/context.py) reads it again as soon as this moves, rather
    than when its copy expires. Changes made by other processes (`storelink brand load`)
    are seen when the copy expires."""

    generation = 0

    @classmethod
    def committed(cls, _session: object) -> None:
        cls.generation += 1


class SqlBrandRepository(_Repository):
    async def get(self, brand_id: int) -> Brand | None:
        row = await self._get(BrandRow, brand_id)
        return mapping.brand(row) if row else None

    async def first(self) -> Brand | None:
        row = await self._first(sa.select(BrandRow).order_by(BrandRow.id))
        return mapping.brand(row) if row else None

    async def add(self, brand: Brand) -> Brand:
        row = await self._insert(mapping.brand_row(brand))
        brand.id = row.id
        return mapping.brand(row)

    async def update(self, brand: Brand) -> None:
        await self._update_unique(BrandRow, brand.id, mapping.values(brand))
        # Counted once the change is committed: a reader in between keeps the old brand.
        sa.event.listen(self.session.sync_session, "after_commit", BrandChanges.committed, once=True)

    async def shop_policy(self, brand_id: int) -> ShopPolicy | None:
        row = (await self.session.execute(sa.select(BrandShopRow.__table__).where(  # type: ignore[attr-defined]
            BrandShopRow.brand_id == brand_id))).one_or_none()
        if row is None:
            return None
        steps = tuple((step["name"], int(step["spend_minor"])) for step in row.tiers)
        return ShopPolicy(hold_for=timedelta(minutes=row.hold_minutes), points=PointsPolicy(row.points_per_unit),
                          tiers=TierThresholds(steps), same_day_radius_km=row.same_day_radius_km, currency=row.currency)

    async def set_shop_policy(self, brand_id: int, policy: ShopPolicy) -> None:
        values = {"currency": policy.currency or "", "points_per_unit": policy.points.points_per_unit,
                  "hold_minutes": int(policy.hold_for.total_seconds() // 60),
                  "same_day_radius_km": policy.same_day_radius_km,
                  "tiers": [{"name": name, "spend_minor": least} for name, least in policy.tiers.steps]}
        insert = self._dialect_insert(BrandShopRow)
        await self.session.execute(insert.values(brand_id=brand_id, **values)
                                   .on_conflict_do_update(index_elements=["brand_id"], set_=values))


class SqlStoreRepository(_Repository):
    async def get(self, store_id: int) -> Store | None:
        row = await self._get(StoreRow, store_id)
        return mapping.store(row) if row else None

    async def by_code(self, code: str) -> Store | None:
        row = await self._first(sa.select(StoreRow).where(StoreRow.code == code))
        return mapping.store(row) if row else None

    async def list(self, brand_id: int) -> Sequence[Store]:
        rows = await self._all(sa.select(StoreRow).where(StoreRow.brand_id == brand_id).order_by(StoreRow.id))
        return [mapping.store(row) for row in rows]

    async def add(self, store: Store) -> Store:
        row = await self._insert_unique(mapping.store_row(store))
        store.id = row.id
        return mapping.store(row)

    async def update(self, store: Store) -> None:
        """Raises DuplicateError if the new code is another store's."""
        await self._update_unique(StoreRow, store.id, mapping.values(store))


class SqlAssociateRepository(_Repository):
    async def get(self, associate_id: int) -> Associate | None:
        row = await self._get(AssociateRow, associate_id)
        return mapping.associate(row) if row else None

    async def by_telegram_user(self, telegram_user_id: int) -> Associate | None:
        row = await self._first(sa.select(AssociateRow).where(AssociateRow.telegram_user_id == telegram_user_id))
        return mapping.associate(row) if row else None

    async def by_short_code(self, short_code: str) -> Associate | None:
        row = await self._first(sa.select(AssociateRow).where(AssociateRow.short_code == short_code))
        return mapping.associate(row) if row else None

    async def list_by_store(self, store_id: int) -> Sequence[Associate]:
        stmt = sa.select(AssociateRow).where(AssociateRow.store_id == store_id).order_by(AssociateRow.id)
        return [mapping.associate(row) for row in await self._all(stmt)]

    async def list_all(self) -> Sequence[Associate]:
        stmt = sa.select(AssociateRow).order_by(AssociateRow.id)
        return [mapping.associate(row) for row in await self._all(stmt)]

    async def add(self, associate: Associate) -> Associate:
        row = await self._insert_unique(mapping.associate_row(associate))
        associate.id = row.id
        return mapping.associate(row)

    async def update(self, associate: Associate) -> None:
        values = mapping.values(associate)
        values["staff_bot_since"] = _staff_bot_since(values["staff_bot_since"], values["telegram_user_id"])
        await self._update_unique(AssociateRow, associate.id, values)

    async def opened_staff_bot(self, associate_id: int, at: datetime) -> bool:
        # Only the first time counts: a guarded UPDATE, so two /start at once keep the earlier.
        stmt = (sa.update(AssociateRow)
                .where(AssociateRow.id == associate_id, AssociateRow.staff_bot_since.is_(None))  # type: ignore[union-attr]
                .values(staff_bot_since=at))
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return result.rowcount == 1  # type: ignore[attr-defined]


def _staff_bot_since(since: datetime | None, telegram_user_id: int | None) -> Any:
    """The stored time stays while the account stays: an associate read before their first
    /start and written back afterwards (a manager flag, a status) must not erase it. With
    another account, the caller's value is taken (cleared, or the moment it opened the bot)."""
    column = AssociateRow.__table__.c  # type: ignore[attr-defined]
    given = sa.literal(since, column.staff_bot_since.type) if since is not None else sa.null()
    return sa.case((column.telegram_user_id.is_distinct_from(telegram_user_id), given),
                   else_=sa.func.coalesce(given, column.staff_bot_since))


class SqlHQOperatorRepository(_Repository):
    async def by_telegram_user(self, telegram_user_id: int) -> HQOperator | None:
        row = await self._first(sa.select(HQOperatorRow).where(HQOperatorRow.telegram_user_id == telegram_user_id))
        return mapping.hq_operator(row) if row else None

    async def list(self, brand_id: int) -> Sequence[HQOperator]:
        stmt = sa.select(HQOperatorRow).where(HQOperatorRow.brand_id == brand_id).order_by(HQOperatorRow.id)
        return [mapping.hq_operator(row) for row in await self._all(stmt)]

    async def add(self, operator: HQOperator) -> HQOperator:
        row = await self._insert_unique(mapping.hq_operator_row(operator))
        operator.id = row.id
        return mapping.hq_operator(row)

    async def update(self, operator: HQOperator) -> None:
        await self._update_unique(HQOperatorRow, operator.id, mapping.values(operator))


class SqlInviteRepository(_Repository):
    async def add(self, invite: AssociateInvite) -> AssociateInvite:
        """Raises DuplicateError if the token hash exists."""
        row = await self._insert_unique(mapping.invite_row(invite))
        invite.id = row.id
        return mapping.invite(row)

    async def by_token_hash(self, token_hash: str) -> AssociateInvite | None:
        row = await self._first(sa.select(AssociateInviteRow).where(AssociateInviteRow.token_hash == token_hash))
        return mapping.invite(row) if row else None

    async def use(self, invite_id: int, telegram_user_id: int, at: datetime) -> bool:
        """Raises LookupError if the invite does not exist."""
        # One atomic UPDATE, as in SqlInboxRepository.claim_done: of two people opening
        # the same link at once, exactly one binds their account.
        stmt = (sa.update(AssociateInviteRow)
                .where(AssociateInviteRow.id == invite_id, AssociateInviteRow.used_at.is_(None))
                .values(used_at=at, used_by_telegram_user_id=telegram_user_id))
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        if result.rowcount == 1:
            return True
        if await self._get(AssociateInviteRow, invite_id) is None:
            raise LookupError(f"associate_invite {invite_id} does not exist")
        return False
