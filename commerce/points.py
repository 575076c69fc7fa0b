"""Members' points and tiers: points for what an order cost, once it was handed over (taken
back if it is refunded), and the tier that a member's spend over the last 12 months reaches.

Both are brand policies; these values carry the defaults until the brand file sets them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from commerce.money import decimal_digits
from commerce.order_values import Order, PointsEntry, PointsReason


@dataclass(frozen=True, slots=True)
class PointsPolicy:
    points_per_unit: int = 1  # points per whole currency unit paid (¥1, €1), fractions dropped

    def points_for(self, amount_minor: int, currency: str) -> int:
        return amount_minor // 10 ** decimal_digits(currency) * self.points_per_unit


def earned(order: Order, policy: PointsPolicy, at: datetime) -> tuple[PointsEntry, ...]:
    """What handing the order over earns its member (nothing for a free order)."""
    points = policy.points_for(order.total_minor, order.currency)
    return (PointsEntry(order.member_id, points, PointsReason.EARNED, at, order.id),) if points > 0 else ()


def reversal(entries: Sequence[PointsEntry], at: datetime) -> tuple[PointsEntry, ...]:
    """Taking back what an order earned, if it earned anything and was not taken back yet."""
    if any(entry.reason is PointsReason.REVERSED for entry in entries):
        return ()
    return tuple(PointsEntry(entry.member_id, -entry.delta, PointsReason.REVERSED, at, entry.order_id)
                 for entry in entries if entry.reason is PointsReason.EARNED)


@dataclass(frozen=True, slots=True)
class TierThresholds:
    """Tiers by the least 12-month spend (minor units of the brand's currency), lowest first."""

    steps: tuple[tuple[str, int], ...] = (("Silver", 500_000), ("Gold", 2_000_000), ("Platinum", 5_000_000))
    window: timedelta = timedelta(days=365)

    def __post_init__(self) -> None:
        spends = [spend for _, spend in self.steps]
        if spends != sorted(spends) or len(set(spends)) != len(spends):
            raise ValueError("tier thresholds must rise strictly")

    def tier_for(self, spend_minor: int) -> str | None:
        reached = [name for name, least in self.steps if spend_minor >= least]
        return reached[-1] if reached else None

    def next_tier(self, current: str | None, spend_minor: int) -> str | None:
        """The tier a member should have now. A tier outside the ladder (one HQ gave by
        hand, "VIP") is theirs to keep; a ladder tier follows the spend up and down."""
        if current is not None and current not in {name for name, _ in self.steps}:
            return current
        return self.tier_for(spend_minor)
