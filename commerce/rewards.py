"""One scan's record and reward: every scan of an enrollment code and how it ended, the
reward rule for new members and the coupons it issued."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ScanOutcome(StrEnum):
    ENROLLED = "enrolled"  # a new member was created and linked
    RESCANNED = "rescanned"  # the member scanned their own associate's code again
    OTHER_ASSOCIATE = "other_associate"  # a linked member scanned another associate's code
    SELF_SCAN = "self_scan"  # an associate scanned their own code
    DEACTIVATED = "deactivated"  # the code belongs to a deactivated associate
    INVALID = "invalid"  # tampered or unknown code (no associate known)



@dataclass(slots=True)
class RewardRule:
    """What a new member gets for enrolling, e.g. 10% off the first order for 30 days."""

    brand_id: int
    percent_off: int
    valid_days: int = 30
    code_prefix: str = "WELCOME"
    active: bool = True
    id: int | None = None


@dataclass(slots=True)
class Coupon:
    member_id: int
    rule_id: int
    code: str
    percent_off: int
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Scan:
    """Every scan of an enrollment code, for attribution, whatever its outcome."""

    telegram_user_id: int
    at: datetime
    outcome: ScanOutcome
    associate_id: int | None = None
    member_id: int | None = None
    id: int | None = None


def usable_reward(coupons: Sequence[Coupon], now: datetime) -> Coupon | None:
    """The enrollment reward a member can still redeem at `now`: unredeemed, unexpired, the
    one that expires first (the checkout offers it, the order redeems it)."""
    usable = [c for c in coupons if c.redeemed_at is None and c.expires_at > now]
    return min(usable, key=lambda c: c.expires_at) if usable else None
