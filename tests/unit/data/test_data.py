"""Seeded data: same seed, same data (also in another process); pools are large; mixes hold."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from loadlib.data import (
    CITIES,
    PAYMENT_MIX,
    AmountBand,
    AmountDistribution,
    DataStream,
    get_seed,
    merchant_pool,
    set_seed,
    user_pool,
)


def _draw(seed: int, labels=("user", 3)) -> list:
    set_seed(seed)
    d = DataStream(*labels)
    return [d.merchant().id, d.user().id, d.amount(), d.currency(), d.device(), d.location(), d.identity(),
            d.idempotency_key(), d.uuid(), [d.amount() for _ in range(20)]]


def test_same_seed_same_data_different_seed_different_data():
    assert _draw(11) == _draw(11)
    assert _draw(11) != _draw(12)
    assert _draw(11, ("user", 3)) != _draw(11, ("user", 4))


def test_reproducible_across_processes():
    code = ("from loadlib.data import set_seed, DataStream, user_pool; set_seed(99); d = DataStream('w', 0); "
            "print(d.idempotency_key(), d.amount(), d.merchant().name, user_pool()[500].email)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    set_seed(99)
    d = DataStream("w", 0)
    assert out.split() == [d.idempotency_key(), str(d.amount()), *d.merchant().name.split(),
                           user_pool()[500].email]


def test_pools_are_large_and_unique():
    set_seed(5)
    merchants, users = merchant_pool(), user_pool()
    assert len(merchants) >= 100 and len({m.id for m in merchants}) == len(merchants)
    assert len(users) >= 1000 and len({u.email for u in users}) == len(users)


def test_payment_mix_is_90_5_5():
    set_seed(1)
    d = DataStream("mix")
    bands = Counter(PAYMENT_MIX.band(d.random).label for _ in range(20000))
    assert 0.88 < bands["small"] / 20000 < 0.92
    assert 0.04 < bands["large"] / 20000 < 0.06
    assert 0.04 < bands["retry"] / 20000 < 0.06
    amounts = [d.amount() for _ in range(2000)]
    assert all(100 <= a <= 500 or 5000 <= a <= 50000 for a in amounts)


def test_invalid_distribution_is_refused():
    with pytest.raises(ValueError):
        AmountDistribution((AmountBand(0, 1, 2),))
    with pytest.raises(ValueError):
        AmountDistribution((AmountBand(1, 5, 2),))


def test_unique_values_do_not_collide_in_a_stream():
    set_seed(2)
    d = DataStream("keys")
    keys = [d.idempotency_key() for _ in range(5000)]
    assert len(set(keys)) == len(keys)
    assert len({d.identity().email for _ in range(2000)}) == 2000


def test_locations_and_travel_distance():
    set_seed(2)
    assert CITIES["GB"].km_to(CITIES["JP"]) > 9000
    d = DataStream("geo")
    home = d.location("GB")
    assert home.country == "GB" and d.foreign_location(home).country != "GB"


def test_unset_seed_is_chosen_once():
    set_seed(None)
    s = get_seed()
    assert get_seed() == s
