"""Enrollment rewards and coupons, scans of codes, and recruitment counts for the leaderboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from commerce.rewards import Coupon, RewardRule, Scan


class RewardRepository(Protocol):
    async def active_rule(self, brand_id: int) -> RewardRule | None: ...
    async def add_rule(self, rule: RewardRule) -> RewardRule:
        """Adding an active rule deactivates the brand's previous ones."""
    async def add_coupon(self, coupon: Coupon) -> Coupon:
        """Raises DuplicateError if the code exists."""
    async def coupons_of(self, member_id: int) -> Sequence[Coupon]: ...


class ScanRepository(Protocol):
    async def add(self, scan: Scan) -> Scan: ...
    async def of_user(self, telegram_user_id: int) -> Sequence[Scan]: ...


class RecruitmentRepository(Protocol):
    async def enrolled_between(self, brand_id: int, start: datetime, end: datetime) -> Mapping[int, int]:
        """New members per source associate id, enrolled in [start, end). Members, not
        scans: each member counts once, for the associate whose code enrolled them."""
    async def claim_day(self, brand_id: int, day: date, at: datetime) -> bool:
        """Record in the caller's transaction that the brand's daily results for ``day``
        are being sent; False when a committed transaction recorded it already. The
        record commits or rolls back with the messages; a concurrent claim waits for
        the other transaction and wins if that one rolls back."""
