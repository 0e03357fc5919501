"""Start times of constant- and ramping-arrival-rate schedules, against k6's semantics."""

from __future__ import annotations

import math

import pytest

from loadlib.arrival.schedule import RateCurve, owner, share
from loadlib.profiles.model import Scenario, Stage


def car(rate: float, duration: float, unit: float = 1.0) -> Scenario:
    return Scenario("s", "constant-arrival-rate", rate=rate, time_unit_s=unit, duration_s=duration,
                    pre_allocated_vus=1, max_vus=1)


def rar(start: float, stages: list[tuple[float, float]], unit: float = 1.0) -> Scenario:
    return Scenario("s", "ramping-arrival-rate", start_rate=start, time_unit_s=unit,
                    stages=tuple(Stage(d, t) for d, t in stages), pre_allocated_vus=1, max_vus=1)


def test_constant_rate_starts_evenly_spaced_from_zero() -> None:
    times = list(RateCurve.for_scenario(car(10, 2)).start_times())
    assert len(times) == 20
    assert times[0] == 0.0
    assert all(abs(b - a - 0.1) < 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert times[-1] < 2.0


def test_time_unit_scales_the_rate() -> None:
    times = list(RateCurve.for_scenario(car(30, 10, unit=60)).start_times())  # 30 per minute
    assert len(times) == 5
    assert times[1] == pytest.approx(2.0)


def test_fractional_rate_counts_every_start_inside_the_window() -> None:
    # 2.5/s for 1 s: starts at 0, 0.4, 0.8
    assert [round(t, 6) for t in RateCurve.for_scenario(car(2.5, 1)).start_times()] == [0.0, 0.4, 0.8]


def test_ramping_rate_integrates_linearly_from_area_one_like_k6() -> None:
    curve = RateCurve.for_scenario(rar(0, [(10, 10)]))  # 0 -> 10/s over 10 s: an area of 50
    times = list(curve.start_times())
    assert len(times) == 49  # areas 1..49; area 50 falls on the end of the window
    # k6's cal(): the k-th start is where t^2/2 = k + 1  (rate = t)
    for k, t in enumerate(times):
        assert t == pytest.approx(math.sqrt(2 * (k + 1)), abs=1e-9)


def test_constant_rate_starts_at_once_like_k6() -> None:
    assert next(RateCurve.for_scenario(car(5, 1)).start_times()) == 0.0
    assert next(RateCurve.for_scenario(rar(5, [(1, 5)])).start_times()) == pytest.approx(0.2)


def test_ramping_stages_follow_targets_per_second_window() -> None:
    curve = RateCurve.for_scenario(rar(10, [(5, 10), (5, 50), (5, 50), (0, 5), (5, 5)]))
    times = list(curve.start_times())
    per_second = [sum(1 for t in times if s <= t < s + 1) for s in range(20)]
    expected = [curve.count_at(s + 1) - curve.count_at(s) for s in range(20)]
    assert all(abs(a - e) <= 1 for a, e in zip(per_second, expected, strict=True)), (per_second, expected)
    assert per_second[:5] == [9, 10, 10, 10, 10]  # the first start at area 1, i.e. 0.1 s
    assert per_second[10:15] == [50] * 5
    assert per_second[15:] == [5] * 5  # the zero-length stage jumps to 5/s


def test_ramp_down_to_zero_and_flat_zero_stage() -> None:
    curve = RateCurve.for_scenario(rar(20, [(2, 0), (3, 0), (2, 20)]))
    times = list(curve.start_times())
    assert len(times) == 39  # areas 1..39 (40 is the window's end): 20 down, none while flat at 0, 19 up
    assert not [t for t in times if 2.0 + 1e-6 < t < 5.0]


def test_count_before_matches_start_times() -> None:
    curve = RateCurve.for_scenario(rar(3, [(4, 17), (3, 2)]))
    times = list(curve.start_times())
    for x in (0.0, 0.5, 1.3, 3.99, 4.0, 5.5, 7.0, 100.0):
        assert curve.count_before(x) == sum(1 for t in times if t < x)
    assert curve.time_of(5) == times[5]


def test_rate_at() -> None:
    curve = RateCurve.for_scenario(rar(0, [(10, 100)], unit=1))
    assert curve.rate_at(5) == pytest.approx(50)
    assert curve.rate_at(11) == 0.0


def test_workers_split_starts_exactly() -> None:
    times = list(RateCurve.for_scenario(car(50, 3)).start_times())
    by_worker = {i: [t for k, t in enumerate(times) if owner(k, 3) == i] for i in range(3)}
    assert sum(len(v) for v in by_worker.values()) == len(times) == 150
    assert sorted(t for v in by_worker.values() for t in v) == times
    # each worker's starts are evenly spaced at a third of the rate
    for v in by_worker.values():
        assert all(abs(b - a - 0.06) < 1e-9 for a, b in zip(v, v[1:], strict=False))


def test_vu_shares_sum_to_total() -> None:
    for total in range(0, 12):
        for n in range(1, 5):
            assert sum(share(total, i, n) for i in range(n)) == total
