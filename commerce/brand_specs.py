"""A brand file's entries, checked: the plan commerce.onboarding applies in one transaction,
as plain values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BrandSpec:
    name: str
    colour: str
    default_locale: str
    timezone: str
    welcome_text: str | None
    leaderboard_time: str
    auto_reply_hours: int = 12  # commerce.availability: at most one auto-reply per member per this many hours
    escalation_minutes: int = 30  # commerce.escalation: unanswered this long (store open) goes to the store team


@dataclass(frozen=True, slots=True)
class StoreSpec:
    code: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    timezone: str | None  # None: the brand's time zone
    hours: str


@dataclass(frozen=True, slots=True)
class AssociateSpec:
    label: str
    store_code: str
    name: str
    locale: str | None  # None: the brand's default locale
    is_manager: bool
    telegram_user_id: int | None  # None: bound later through an invite; an existing binding stays


@dataclass(frozen=True, slots=True)
class HQSpec:
    label: str
    name: str
    telegram_user_id: int | None


@dataclass(frozen=True, slots=True)
class RewardSpec:
    percent_off: int
    valid_days: int
    code_prefix: str


@dataclass(frozen=True, slots=True)
class ShopSpec:
    currency: str  # ISO 4217: the tier thresholds are amounts in it
    tiers: tuple[tuple[str, int], ...] | None  # (name, least 12-month spend in minor units), lowest first; None: the defaults
    points_per_unit: int
    hold_minutes: int
    same_day_radius_km: float


@dataclass(frozen=True, slots=True)
class BrandPlan:
    source: str
    brand: BrandSpec | None = None
    stores: Sequence[StoreSpec] = ()
    associates: Sequence[AssociateSpec] = ()
    hq_operators: Sequence[HQSpec] = ()
    reward: RewardSpec | None = None
    shop: ShopSpec | None = None

