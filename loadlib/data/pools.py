"""Large seeded pools (100+ merchants, 1000+ users) built with Faker, so no row is a hotspot.

Pools depend on the run seed only, so every worker holds the same pool.

    >>> from loadlib.data.seed import set_seed
    >>> _ = set_seed(1); len(merchant_pool()) >= 100 and len(user_pool()) >= 1000
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from loadlib.data.geo import LOCATIONS, Location
from loadlib.data.seed import derive, get_seed

MERCHANT_POOL_SIZE = 120
USER_POOL_SIZE = 1200
CATEGORIES = ("groceries", "electronics", "travel", "restaurants", "fuel", "fashion", "software", "utilities")


@dataclass(frozen=True)
class Merchant:
    id: str  # "mrc_0042"
    name: str
    category: str
    home: Location


@dataclass(frozen=True)
class Person:
    id: str  # "usr_0042"
    first_name: str
    last_name: str
    email: str
    phone: str
    home: Location

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _faker(seed: int, label: str):  # noqa: ANN202 (faker is imported lazily: it is slow to import)
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(derive(label) ^ seed)
    return fake


@lru_cache(maxsize=4)
def _merchants(seed: int, size: int) -> tuple[Merchant, ...]:
    fake = _faker(seed, "merchants")
    r = fake.random
    return tuple(
        Merchant(id=f"mrc_{i:04d}", name=fake.company(), category=r.choice(CATEGORIES), home=r.choice(LOCATIONS))
        for i in range(size)
    )


@lru_cache(maxsize=4)
def _users(seed: int, size: int) -> tuple[Person, ...]:
    fake = _faker(seed, "users")
    r = fake.random
    out = []
    for i in range(size):
        first, last = fake.first_name(), fake.last_name()
        out.append(Person(id=f"usr_{i:04d}", first_name=first, last_name=last,
                          email=f"{first}.{last}.{i}@example.com".lower(), phone=f"+1555{r.randint(0, 9999999):07d}",
                          home=r.choice(LOCATIONS)))
    return tuple(out)


def merchant_pool(size: int = MERCHANT_POOL_SIZE) -> tuple[Merchant, ...]:
    """The run's merchants (same on every worker for a given seed)."""
    return _merchants(get_seed(), size)


def user_pool(size: int = USER_POOL_SIZE) -> tuple[Person, ...]:
    """The run's users (same on every worker for a given seed)."""
    return _users(get_seed(), size)
