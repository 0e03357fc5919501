"""Histogram precision against exact percentiles (numpy's linear method, as k6 computes them)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from loadlib.metrics.histogram import MAX_US, Histogram

REL = 0.0005  # stated precision: 0.05 % relative ...
ABS = 0.0005  # ... plus 0.5 µs from rounding to whole microseconds (values are ms)
PCTS = [0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]


def _within(est: float, exact: float) -> bool:
    return abs(est - exact) <= REL * abs(exact) + ABS + 1e-9


@pytest.mark.parametrize("dist", ["lognormal", "uniform", "bimodal", "tiny", "few", "wide"])
def test_percentiles_match_numpy_linear(dist):
    rng = random.Random(hash(dist) & 0xFFFF)
    samples = {
        "lognormal": [rng.lognormvariate(3, 1) for _ in range(50_000)],
        "uniform": [rng.uniform(0, 5000) for _ in range(20_000)],
        "bimodal": [rng.gauss(20, 2) if rng.random() < 0.9 else rng.gauss(900, 50) for _ in range(20_000)],
        "tiny": [rng.uniform(0.001, 2.0) for _ in range(5_000)],
        "few": [3.0, 17.0, 250.0],
        "wide": [10 ** rng.uniform(-2, 6.5) for _ in range(20_000)],  # 10 µs .. ~50 min
    }[dist]
    samples = [max(0.0, s) for s in samples]
    h = Histogram()
    for s in samples:
        h.record(s)
    exact = np.percentile(np.array(samples), PCTS, method="linear")
    est = h.percentiles(PCTS)
    bad = [(p, e, x) for p, e, x in zip(PCTS, est, exact, strict=True) if not _within(e, x)]
    assert not bad, bad
    assert h.count == len(samples)
    assert h.min == min(samples) and h.max == max(samples)
    assert h.mean == pytest.approx(float(np.mean(samples)), rel=1e-12)


def test_single_sample_and_empty():
    h = Histogram()
    assert h.percentile(95) == 0.0 and h.mean == 0.0
    h.record(123.456)
    assert h.percentile(0) == h.percentile(50) == h.percentile(100) == 123.456


def test_out_of_range_is_clamped_and_counted():
    h = Histogram()
    h.record(-5.0)
    h.record(float("nan"))
    h.record(MAX_US / 1000.0 * 10)
    assert h.clamped == 3
    assert h.count == 2  # NaN is not a sample
    assert h.percentile(100) <= MAX_US / 1000.0 * 10


def test_memory_is_bounded_by_buckets_not_samples():
    h = Histogram()
    rng = random.Random(1)
    for _ in range(200_000):
        h.record(rng.lognormvariate(3, 1.5))
    # 2048 exact buckets below 2.048 ms, then 1024 per power of two: 23,552 up to 1 h
    assert len(h.counts) <= 23_552
    assert h.count == 200_000


def test_encode_decode_roundtrip_and_minus():
    h = Histogram()
    for v in (1.5, 2.5, 3.5, 900.0):
        h.record(v)
    old = h.copy()
    h.record(7.0)
    d = h.minus(old)
    assert d.count == 1 and sum(d.counts.values()) == 1
    back = Histogram.decode(h.encode())
    assert back.counts == h.counts and back.count == h.count and back.sum == h.sum
    assert (back.min, back.max) == (h.min, h.max)
