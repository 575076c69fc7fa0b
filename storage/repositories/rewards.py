"""Enrollment rewards and coupons, scans of associates' codes, and recruitment counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import sqlalchemy as sa

from commerce.rewards import Coupon, RewardRule, Scan
from storage import mapping
from storage.repositories.base import _Repository
from storage.tables.leaderboard import LeaderboardDayRow
from storage.tables.members import MemberRow
from storage.tables.rewards import CouponRow, RewardRuleRow, ScanRow


class SqlRewardRepository(_Repository):
    async def active_rule(self, brand_id: int) -> RewardRule | None:
        stmt = (sa.select(RewardRuleRow)
                .where(RewardRuleRow.brand_id == brand_id, RewardRuleRow.active == sa.true())
                .order_by(RewardRuleRow.id.desc()))
        row = await self._first(stmt)
        return mapping.reward_rule(row) if row else None

    async def add_rule(self, rule: RewardRule) -> RewardRule:
        """Adding an active rule deactivates the brand's previous ones. Raises
        DuplicateError if another transaction added an active rule for the brand at the
        same time (uq_reward_rule_active_brand_id keeps one active rule per brand)."""
        if rule.active:
            stmt = (sa.update(RewardRuleRow)
                    .where(RewardRuleRow.brand_id == rule.brand_id, RewardRuleRow.active == sa.true())
                    .values(active=False))
            await self.session.execute(stmt, execution_options={"synchronize_session": False})
        row = await self._insert_unique(mapping.reward_rule_row(rule))
        rule.id = row.id
        return mapping.reward_rule(row)

    async def add_coupon(self, coupon: Coupon) -> Coupon:
        """Raises DuplicateError if the code exists."""
        row = await self._insert_unique(mapping.coupon_row(coupon))
        coupon.id = row.id
        return mapping.coupon(row)

    async def coupons_of(self, member_id: int) -> Sequence[Coupon]:
        """Oldest first."""
        stmt = sa.select(CouponRow).where(CouponRow.member_id == member_id).order_by(CouponRow.issued_at, CouponRow.id)
        return [mapping.coupon(row) for row in await self._all(stmt)]


class SqlScanRepository(_Repository):
    async def add(self, scan: Scan) -> Scan:
        row = await self._insert(mapping.scan_row(scan))
        scan.id = row.id
        return mapping.scan(row)

    async def of_user(self, telegram_user_id: int) -> Sequence[Scan]:
        """Oldest first."""
        stmt = sa.select(ScanRow).where(ScanRow.telegram_user_id == telegram_user_id).order_by(ScanRow.at, ScanRow.id)
        return [mapping.scan(row) for row in await self._all(stmt)]


class SqlRecruitmentRepository(_Repository):
    async def enrolled_between(self, brand_id: int, start: datetime, end: datetime) -> Mapping[int, int]:
        # Equality on brand_id and a range on enrolled_at: one range of
        # ix_member_brand_id_enrolled_at. Members enrolled without an associate's code
        # (source_associate_id NULL) are nobody's recruits.
        stmt = (sa.select(MemberRow.source_associate_id, sa.func.count())
                .where(MemberRow.brand_id == brand_id,
                       MemberRow.enrolled_at >= start,
                       MemberRow.enrolled_at < end,
                       MemberRow.source_associate_id.is_not(None))
                .group_by(MemberRow.source_associate_id))
        return {associate_id: count for associate_id, count in (await self.session.execute(stmt)).all()}

    async def claim_day(self, brand_id: int, day: date, at: datetime) -> bool:
        # ON CONFLICT DO NOTHING on the primary key: PostgreSQL makes a second claimer wait
        # for the first transaction, then skips the insert (it committed) or makes it (it
        # rolled back); SQLite's BEGIN IMMEDIATE runs the two transactions one after the other.
        stmt = (self._dialect_insert(LeaderboardDayRow)
                .values(brand_id=brand_id, day=day, queued_at=at)
                .on_conflict_do_nothing(index_elements=["brand_id", "day"])
                .returning(LeaderboardDayRow.brand_id))
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None
