"""Seeded test data: large pools, weighted amounts, locations, devices, keys.

    >>> from loadlib.data import DataStream, set_seed
    >>> _ = set_seed(1)
    >>> d = DataStream("payments", 0)
    >>> d.merchant().id.startswith("mrc_")
    True

``--seed N`` (registered by the hub) fixes the run seed; without it a random
seed is chosen and printed so a run can be replayed. Request nonces are never
drawn from here: the signing spec requires 128 fresh random bits.
"""

from __future__ import annotations

from loadlib.data.amounts import LARGE, PAYMENT_MIX, SMALL, AmountBand, AmountDistribution
from loadlib.data.geo import CITIES, COUNTRIES, LOCATIONS, Location
from loadlib.data.pools import Merchant, Person, merchant_pool, user_pool
from loadlib.data.seed import derive, get_seed, rng, set_seed
from loadlib.data.stream import CURRENCIES, DataStream, Device, Identity

__all__ = [
    "CITIES",
    "COUNTRIES",
    "CURRENCIES",
    "LARGE",
    "LOCATIONS",
    "PAYMENT_MIX",
    "SMALL",
    "AmountBand",
    "AmountDistribution",
    "DataStream",
    "Device",
    "Identity",
    "Location",
    "Merchant",
    "Person",
    "derive",
    "get_seed",
    "merchant_pool",
    "rng",
    "set_seed",
    "user_pool",
]
