"""Distances on the Earth, for same-day delivery: is a member's place within the store's
radius? The haversine formula on a sphere of the Earth's mean radius: within a few metres
per kilometre of the true distance, far closer than a delivery radius needs."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)


@dataclass(frozen=True, slots=True)
class Place:
    latitude: float  # degrees, -90..90
    longitude: float  # degrees, -180..180

    @property
    def valid(self) -> bool:
        return (math.isfinite(self.latitude) and math.isfinite(self.longitude)
                and -90 <= self.latitude <= 90 and -180 <= self.longitude <= 180)


def distance_km(a: Place, b: Place) -> float:
    """The great-circle distance between two places, in kilometres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat, dlon = lat2 - lat1, math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def within(store: Place | None, place: Place | None, radius_km: float) -> bool:
    """Same-day delivery reaches the place: the store has a location, the place is a real
    one, and it is at most `radius_km` away. Without either location the answer is no."""
    if store is None or place is None or not store.valid or not place.valid or radius_km <= 0:
        return False
    return distance_km(store, place) <= radius_km
