"""Payment amounts drawn from weighted bands (the seeds' traffic mixes).

    >>> import random
    >>> 100 <= SMALL.draw(random.Random(1)) <= 500
    True
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class AmountBand:
    weight: float
    low: int
    high: int  # inclusive, in minor units of the currency's main unit as the seeds write them
    label: str = ""


@dataclass(frozen=True)
class AmountDistribution:
    """Weighted bands; ``draw`` picks a band by weight, then a uniform whole amount inside it."""

    bands: tuple[AmountBand, ...]

    def __post_init__(self) -> None:
        if not self.bands or any(b.weight <= 0 or b.low > b.high for b in self.bands):
            raise ValueError("an AmountDistribution needs bands with positive weights and low <= high")

    def band(self, rnd: random.Random) -> AmountBand:
        return rnd.choices(self.bands, weights=[b.weight for b in self.bands])[0]

    def draw(self, rnd: random.Random) -> int:
        b = self.band(rnd)
        return rnd.randint(b.low, b.high)


SMALL = AmountDistribution((AmountBand(1.0, 100, 500, "small"),))
LARGE = AmountDistribution((AmountBand(1.0, 5000, 50000, "large"),))
# Tribble 02: 90% small, 5% large, 5% (retries reuse an earlier small payment's key and body)
PAYMENT_MIX = AmountDistribution((
    AmountBand(0.90, 100, 500, "small"),
    AmountBand(0.05, 5000, 50000, "large"),
    AmountBand(0.05, 100, 500, "retry"),
))
