"""The brand's shop policies: the brand file's `shop:` section as the order use cases take it.

Tier thresholds (a member's 12-month spend, in the brand's currency), points per currency
unit, how long held stock waits, and how far from a store same-day delivery goes. A brand
without a `shop:` section gets the defaults below; the order steps read the brand's own
through ``shop_policy`` unless a caller hands them another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from commerce.geo import Place, distance_km
from commerce.order_values import Delivery
from commerce.people import Store
from commerce.points import PointsPolicy, TierThresholds
from commerce.ports.uow import UnitOfWork

DEFAULT_HOLD = timedelta(hours=2)  # how long held stock waits for the member to answer or pay
DEFAULT_RADIUS_KM = 10.0  # same-day delivery reaches this far from the store


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
    """Whether a same-day delivery to a shared location is within the radius of the store
    (commerce.geo, the distance the checkout measures). What cannot be measured (a typed
    address, a store without coordinates) is not refused here: the checkout offers same-day
    delivery only to a shared location near a located store, and an order placed otherwise
    is the associate's to judge when confirming it."""
    if None in (store.latitude, store.longitude, delivery.latitude, delivery.longitude):
        return True
    store_place = Place(store.latitude, store.longitude)  # type: ignore[arg-type]
    return distance_km(store_place, Place(delivery.latitude, delivery.longitude)) <= radius_km  # type: ignore[arg-type]
