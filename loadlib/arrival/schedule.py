"""When iterations start: a scenario's rate curve and the start times it implies.

Pure arithmetic, no Locust, no clock. A scenario's rate (iterations per
second, ``rate / timeUnit``) is piecewise linear in time, as in k6: constant
for ``constant-arrival-rate``; for ``ramping-arrival-rate`` it goes linearly
from ``startRate`` to each stage's target over the stage (a zero-length stage
jumps). The k-th iteration (k = 0, 1, 2, ...) starts at the instant the
integral of the rate reaches k + ``first_area``: 0 for constant-arrival-rate
(k6 starts the first iteration at once, then one every 1/rate), 1 for
ramping-arrival-rate (k6's ``cal`` starts at area 1). So 10/s starts one
every 100 ms whatever the target's latency.

>>> curve = RateCurve.constant(10.0, 2.0)          # 10/s for 2 s
>>> [round(t, 3) for t in curve.start_times()][:3]
[0.0, 0.1, 0.2]
>>> curve.count_before(2.0)
20
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from loadlib.profiles.model import Scenario

_EPS = 1e-9


@dataclass(frozen=True)
class Segment:
    """Rate going linearly from ``r0`` to ``r1`` (iterations/s) over [start, end)."""

    start: float
    end: float
    r0: float
    r1: float
    before: float  # iterations scheduled before ``start``

    @property
    def slope(self) -> float:
        span = self.end - self.start
        return (self.r1 - self.r0) / span if span > 0 else 0.0

    @property
    def area(self) -> float:
        return (self.r0 + self.r1) / 2.0 * (self.end - self.start)

    def rate_at(self, t: float) -> float:
        return self.r0 + self.slope * (t - self.start)

    def count_at(self, t: float) -> float:
        dt = min(max(t - self.start, 0.0), self.end - self.start)
        return self.before + self.r0 * dt + self.slope * dt * dt / 2.0

    def time_of(self, n: float) -> float:
        """The instant in this segment at which the cumulative count reaches ``n``."""
        need = n - self.before
        if need <= 0:
            return self.start
        r0, s = self.r0, self.slope
        if abs(s) < 1e-12:
            return self.start + need / r0
        disc = max(r0 * r0 + 2.0 * s * need, 0.0)
        # 2c / (b + sqrt(b^2 + 4ac)) form: no cancellation when s is tiny or negative
        return self.start + 2.0 * need / (r0 + math.sqrt(disc))


@dataclass(frozen=True)
class RateCurve:
    """A piecewise-linear iteration rate over a scenario's window (time 0 = scenario start)."""

    segments: tuple[Segment, ...]
    first_area: float = 0.0  # the integral at which the first start happens

    @classmethod
    def constant(cls, per_second: float, duration_s: float) -> RateCurve:
        return cls.from_points(per_second, [(duration_s, per_second)])

    @classmethod
    def from_points(cls, start_rate: float, stages: list[tuple[float, float]], first_area: float = 0.0
                    ) -> RateCurve:
        """``stages`` as (duration_s, target rate per second), k6's stage semantics."""
        segments: list[Segment] = []
        t, rate, before = 0.0, float(start_rate), 0.0
        for duration, target in stages:
            if duration <= 0:
                rate = float(target)  # a zero-length stage jumps to its target
                continue
            seg = Segment(t, t + duration, rate, float(target), before)
            segments.append(seg)
            before += seg.area
            t, rate = seg.end, float(target)
        return cls(tuple(segments), first_area)

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> RateCurve:
        """The curve of a constant- or ramping-arrival-rate scenario (rates scaled by timeUnit)."""
        unit = scenario.time_unit_s or 1.0
        if scenario.executor == "constant-arrival-rate":
            return cls.constant((scenario.rate or 0.0) / unit, scenario.duration_s or 0.0)
        if scenario.executor == "ramping-arrival-rate":
            return cls.from_points(
                (scenario.start_rate or 0.0) / unit, [(s.duration_s, s.target / unit) for s in scenario.stages],
                first_area=1.0,
            )
        raise ValueError(f"{scenario.executor!r} is not an arrival-rate executor")

    @property
    def duration(self) -> float:
        return self.segments[-1].end if self.segments else 0.0

    @property
    def total(self) -> float:
        """Iterations the whole window schedules (fractional)."""
        return self.segments[-1].before + self.segments[-1].area if self.segments else 0.0

    def _segment(self, t: float) -> Segment | None:
        for seg in self.segments:
            if seg.start <= t < seg.end:
                return seg
        return None

    def rate_at(self, t: float) -> float:
        """Target iterations per second at ``t`` seconds into the scenario (0 outside it)."""
        seg = self._segment(t)
        return seg.rate_at(t) if seg else 0.0

    def count_at(self, t: float) -> float:
        """The integral of the rate from 0 to ``t``."""
        if not self.segments or t <= 0:
            return 0.0
        for seg in self.segments:
            if t < seg.end:
                return seg.count_at(t)
        return self.total

    def count_before(self, t: float) -> int:
        """How many starts fall in [0, t): iterations k with start time < t."""
        c = self.count_at(t) - self.first_area
        # start k happens when the count reaches k + first_area, so [0, t) holds ceil(c) starts
        n = math.ceil(c - _EPS)
        return max(0, min(n, self.total_starts))

    @property
    def total_starts(self) -> int:
        return max(0, math.ceil(self.total - self.first_area - _EPS))

    def time_of(self, k: int) -> float:
        """Start time of iteration ``k`` (the instant the cumulative count reaches k)."""
        for t in self.start_times(k):
            return t
        raise IndexError(f"iteration {k} is outside the schedule ({self.total_starts} starts)")

    def start_times(self, first: int = 0) -> Iterator[float]:
        """Every start time from iteration ``first`` on, in order, each < duration."""
        seg_i = 0
        segs = self.segments
        for k in range(first, self.total_starts):
            area = k + self.first_area
            while seg_i < len(segs) and (area > segs[seg_i].before + segs[seg_i].area + _EPS
                                         or segs[seg_i].r0 + segs[seg_i].r1 <= 0):
                seg_i += 1
            if seg_i >= len(segs):
                return
            t = segs[seg_i].time_of(area)
            if t >= self.duration:
                return
            yield t


def owner(k: int, count: int) -> int:
    """The worker index that runs global start ``k`` when ``count`` workers share a rate.

    Worker i of N takes starts i, i+N, i+2N, ...: the sum is exactly the
    target and the combined starts stay evenly spaced.

    >>> [owner(k, 3) for k in range(7)]
    [0, 1, 2, 0, 1, 2, 0]
    """
    return k % max(count, 1)


def share(total: int, index: int, count: int) -> int:
    """Worker ``index``'s part of ``total`` (VUs) split as evenly as possible over ``count``.

    >>> [share(7, i, 3) for i in range(3)]
    [3, 2, 2]
    """
    count = max(count, 1)
    return total // count + (1 if index < total % count else 0)
