"""The brand's shop policies: the brand file's `shop:` section as the order use cases take it.

Tier thresholds (a member's 12-month spend, in the brand's currency), points per currency
unit, how long held stock waits, and how far from a store same-day delivery goes. A brand
without a `shop:` section gets the defaults below; the order steps read the brand's own
through ``shop_policy`` unless a caller hands them another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from commerce.order_values import Delivery
from commerce.people import Store
from commerce.points import PointsPolicy, TierThresholds
from commerce.ports.uow import UnitOfWork

DEFAULT_HOLD = timedelta(hours=2)  # how long held stock waits for the member to answer or pay
DEFAULT_RADIUS_KM = 10.0  # same-day delivery reaches this far from the store
EARTH_RADIUS_KM = 6371.0088  # the mean radius


@dataclass(frozen=True, slots=True)
class ShopPolicy:
    """The brand's order policies (these defaults until the brand file sets them)."""

    hold_for: timedelta = DEFAULT_HOLD
    points: PointsPolicy = field(default_factory=PointsPolicy)
    tiers: TierThresholds = field(default_factory=TierThresholds)
    same_day_radius_km: float = DEFAULT_RADIUS_KM
    currency: str | None = None  # the thresholds' currency; None: the defaults' (any)


DEFAULT_SHOP_POLICY = ShopPolicy()


async def shop_policy(uow: UnitOfWork, brand_id: int) -> ShopPolicy:
    """The brand's policies as its brand file set them, else the defaults."""
    return await uow.brands.shop_policy(brand_id) or DEFAULT_SHOP_POLICY


def within_same_day_radius(store: Store, delivery: Delivery, radius_km: float) -> bool:
    """Whether a shared location is close enough to the store for same-day delivery. A
    delivery by address only, or a store without coordinates, is the associate's to judge."""
    if None in (store.latitude, store.longitude, delivery.latitude, delivery.longitude):
        return True
    return distance_km(store.latitude, store.longitude, delivery.latitude, delivery.longitude) <= radius_km  # type: ignore[arg-type]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): plenty for a city's radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
