"""Locations with countries: a fixed table of cities (so labelled fraud patterns are exact).

    >>> CITIES["GB"].city, CITIES["JP"].city
    ('London', 'Tokyo')
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    country: str  # ISO 3166-1 alpha-2
    city: str
    lat: float
    lon: float
    currency: str

    def as_json(self) -> dict[str, object]:
        return {"country": self.country, "city": self.city, "lat": self.lat, "lon": self.lon}

    def km_to(self, other: Location) -> float:
        """Great-circle distance (haversine), for impossible-travel arithmetic."""
        p1, p2 = math.radians(self.lat), math.radians(other.lat)
        dp, dl = p2 - p1, math.radians(other.lon - self.lon)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * 6371.0 * math.asin(math.sqrt(a))


_TABLE = (
    ("US", "New York", 40.7128, -74.0060, "USD"),
    ("US", "San Francisco", 37.7749, -122.4194, "USD"),
    ("GB", "London", 51.5074, -0.1278, "GBP"),
    ("GB", "Manchester", 53.4808, -2.2426, "GBP"),
    ("DE", "Berlin", 52.5200, 13.4050, "EUR"),
    ("FR", "Paris", 48.8566, 2.3522, "EUR"),
    ("ES", "Madrid", 40.4168, -3.7038, "EUR"),
    ("NL", "Amsterdam", 52.3676, 4.9041, "EUR"),
    ("NG", "Lagos", 6.5244, 3.3792, "NGN"),
    ("NG", "Abuja", 9.0765, 7.3986, "NGN"),
    ("JP", "Tokyo", 35.6762, 139.6503, "JPY"),
    ("CA", "Toronto", 43.6532, -79.3832, "CAD"),
    ("AU", "Sydney", -33.8688, 151.2093, "AUD"),
    ("BR", "Sao Paulo", -23.5505, -46.6333, "BRL"),
    ("IN", "Mumbai", 19.0760, 72.8777, "INR"),
    ("SG", "Singapore", 1.3521, 103.8198, "SGD"),
    ("ZA", "Johannesburg", -26.2041, 28.0473, "ZAR"),
    ("KE", "Nairobi", -1.2921, 36.8219, "KES"),
)

LOCATIONS: tuple[Location, ...] = tuple(Location(*row) for row in _TABLE)
# first city per country: the canonical place for a country code
CITIES: dict[str, Location] = {}
for _loc in LOCATIONS:
    CITIES.setdefault(_loc.country, _loc)
COUNTRIES: tuple[str, ...] = tuple(CITIES)
