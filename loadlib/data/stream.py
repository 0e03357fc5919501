"""A per-user stream of test data: reproducible under ``--seed``, independent between users.

    >>> from loadlib.data.seed import set_seed
    >>> _ = set_seed(42)
    >>> a, b = DataStream("user", 0), DataStream("user", 0)
    >>> a.idempotency_key() == b.idempotency_key() and a.merchant() == b.merchant()
    True
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from loadlib.data.amounts import PAYMENT_MIX, AmountDistribution
from loadlib.data.geo import CITIES, LOCATIONS, Location
from loadlib.data.pools import Merchant, Person, merchant_pool, user_pool
from loadlib.data.seed import derive

T = TypeVar("T")

CURRENCIES = ("USD", "EUR", "GBP", "NGN")  # the seed's test-data currencies
PLATFORMS = ("ios", "android", "web")
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15",
)


@dataclass(frozen=True)
class Device:
    fingerprint: str  # 32 hex characters
    platform: str
    user_agent: str

    def as_json(self) -> dict[str, str]:
        return {"fingerprint": self.fingerprint, "platform": self.platform, "user_agent": self.user_agent}


@dataclass(frozen=True)
class Identity:
    """A fresh registration identity (unique email/phone), drawn from the user pool's names."""

    first_name: str
    last_name: str
    email: str
    phone: str
    password: str
    home: Location

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class DataStream:
    """Seeded generators for one user (or one setup step); ``labels`` name the stream."""

    def __init__(self, *labels: object) -> None:
        self.labels = labels
        self.random = random.Random(derive("stream", *labels))

    # pools -------------------------------------------------------------
    def merchant(self) -> Merchant:
        return self.random.choice(merchant_pool())

    def user(self) -> Person:
        return self.random.choice(user_pool())

    def identity(self) -> Identity:
        p = self.user()
        tag = self.hex(10)
        return Identity(first_name=p.first_name, last_name=p.last_name,
                        email=f"{p.first_name}.{p.last_name}+{tag}@example.com".lower(),
                        phone=f"+1555{self.random.randint(0, 9_999_999):07d}",
                        password="Pw-" + self.hex(16), home=p.home)

    # values ------------------------------------------------------------
    def amount(self, distribution: AmountDistribution = PAYMENT_MIX) -> int:
        return distribution.draw(self.random)

    def currency(self, choices: Sequence[str] = CURRENCIES) -> str:
        return self.random.choice(choices)

    def location(self, country: str | None = None) -> Location:
        if country is None:
            return self.random.choice(LOCATIONS)
        same = [loc for loc in LOCATIONS if loc.country == country]
        return self.random.choice(same) if same else CITIES[country]

    def foreign_location(self, home: Location) -> Location:
        return self.random.choice([loc for loc in LOCATIONS if loc.country != home.country])

    def fingerprint(self) -> str:
        return self.hex(32)

    def device(self) -> Device:
        return Device(fingerprint=self.fingerprint(), platform=self.random.choice(PLATFORMS),
                      user_agent=self.random.choice(USER_AGENTS))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    def idempotency_key(self) -> str:
        return self.uuid()

    def hex(self, n: int) -> str:
        return f"{self.random.getrandbits(4 * n):0{n}x}"

    # choices -------------------------------------------------------------
    def choice(self, items: Sequence[T]) -> T:
        return self.random.choice(items)

    def weighted(self, weights: Mapping[T, float]) -> T:
        """A key of ``weights`` picked with probability proportional to its value."""
        keys = list(weights)
        return self.random.choices(keys, weights=[weights[k] for k in keys])[0]

    def uniform(self, low: float, high: float) -> float:
        return self.random.uniform(low, high)

    def chance(self, p: float) -> bool:
        return self.random.random() < p
