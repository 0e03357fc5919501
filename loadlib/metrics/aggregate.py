"""Merging a metric's series into one value set: sub-metrics are computed at query time.

``MetricSnapshot.select({"status": "200"})`` lands here: every series whose
tags include all of the filter is merged (k6 sub-metric semantics: equality,
AND). The result answers k6's aggregation names.

>>> agg = merge_series(MetricType.RATE, [RateSeries((), 3, 4)], duration_s=1.0)
>>> agg.stat("rate")
0.75
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from loadlib.metrics.histogram import Histogram
from loadlib.metrics.snapshot import (
    CounterSeries,
    GaugeSeries,
    MetricType,
    RateSeries,
    Series,
    TagSet,
    TrendSeries,
)

# What each type answers, in k6's threshold names ("p(N)" stands for any percentile).
AGGREGATIONS: Mapping[MetricType, tuple[str, ...]] = {
    MetricType.COUNTER: ("count", "rate"),
    MetricType.GAUGE: ("value", "min", "max"),
    MetricType.RATE: ("rate",),
    MetricType.TREND: ("avg", "min", "max", "med", "p(N)", "count"),
}


def matches(tags: TagSet, tag_filter: Mapping[str, str]) -> bool:
    """True when every (key, value) of the filter is among ``tags``."""
    if not tag_filter:
        return True
    have = dict(tags)
    return all(have.get(k) == v for k, v in tag_filter.items())


@dataclass(frozen=True)
class MergedAggregate:
    """One metric or sub-metric merged over its matching series (``Aggregate`` protocol)."""

    type: MetricType
    duration_s: float
    count: int = 0  # samples (counter: sum of values, rounded; gauge: series seen)
    total: float = 0.0  # counter total
    passes: int = 0  # rate: non-zero samples
    value: float = 0.0  # gauge: latest value
    min: float = 0.0
    max: float = 0.0
    dist: Histogram | None = field(default=None, compare=False)

    @property
    def empty(self) -> bool:
        """No sample landed in any matching series."""
        return self.count == 0

    def stat(self, name: str) -> float:
        """An aggregation by its k6 name: count, rate, value, avg, min, max, med, p(N)."""
        t = self.type
        if t is MetricType.COUNTER:
            if name == "count":
                return self.total
            if name == "rate":
                return self.total / self.duration_s if self.duration_s > 0 else 0.0
        elif t is MetricType.RATE:
            if name in ("rate", "value"):
                return self.passes / self.count if self.count else 0.0
            if name == "passes":
                return float(self.passes)
            if name == "fails":
                return float(self.count - self.passes)
            if name == "count":
                return float(self.count)
        elif t is MetricType.GAUGE:
            if name == "value":
                return self.value
            if name == "min":
                return self.min
            if name == "max":
                return self.max
        elif t is MetricType.TREND:
            d = self.dist if self.dist is not None else Histogram()
            if name == "avg":
                return d.mean
            if name == "min":
                return d.min if d.count else 0.0
            if name == "max":
                return d.max if d.count else 0.0
            if name == "med":
                return d.percentile(50.0)
            if name == "count":
                return float(d.count)
            if name.startswith("p(") and name.endswith(")"):
                return d.percentile(float(name[2:-1]))
        raise ValueError(f"{name!r} is not an aggregation of a {t.value} metric; use one of {AGGREGATIONS[t]}")

    def stats(self, names: Iterable[str]) -> dict[str, float]:
        """Several stats at once (percentiles share one pass over the histogram)."""
        names = list(names)
        out: dict[str, float] = {}
        if self.type is MetricType.TREND and self.dist is not None:
            pct = [n for n in names if n == "med" or (n.startswith("p(") and n.endswith(")"))]
            ps = [50.0 if n == "med" else float(n[2:-1]) for n in pct]
            out.update(zip(pct, self.dist.percentiles(ps), strict=True))
        for n in names:
            if n not in out:
                out[n] = self.stat(n)
        return out

    def summary(self) -> dict[str, float]:
        """k6 summary-export values for this type."""
        t = self.type
        if t is MetricType.TREND:
            return self.stats(("avg", "min", "med", "max", "p(90)", "p(95)"))
        if t is MetricType.COUNTER:
            return {"count": self.stat("count"), "rate": self.stat("rate")}
        if t is MetricType.RATE:
            return {"passes": float(self.passes), "fails": float(self.count - self.passes), "value": self.stat("rate")}
        return {"value": self.value, "min": self.min, "max": self.max}


def merge_series(type_: MetricType, series: Iterable[Series], duration_s: float) -> MergedAggregate:
    """Merge series of one metric type into a ``MergedAggregate``."""
    if type_ is MetricType.TREND:
        h = Histogram()
        for s in series:
            assert isinstance(s, TrendSeries)
            h.merge(s.dist)  # type: ignore[arg-type]  # every Distribution in a snapshot is a Histogram
        return MergedAggregate(type_, duration_s, count=h.count, dist=h,
                               min=h.min if h.count else 0.0, max=h.max if h.count else 0.0)
    if type_ is MetricType.COUNTER:
        total, n = 0.0, 0
        for s in series:
            assert isinstance(s, CounterSeries)
            total += s.total
            n += 1
        return MergedAggregate(type_, duration_s, count=n, total=total)
    if type_ is MetricType.RATE:
        passes = total_n = 0
        for s in series:
            assert isinstance(s, RateSeries)
            passes += s.passes
            total_n += s.total
        return MergedAggregate(type_, duration_s, count=total_n, passes=passes)
    # Gauges across tag sets: the most recently set value wins; min/max over all of them.
    best: GaugeSeries | None = None
    lo, hi, n = math.inf, -math.inf, 0
    for s in series:
        assert isinstance(s, GaugeSeries)
        n += 1
        lo, hi = min(lo, s.min), max(hi, s.max)
        if best is None or getattr(s, "at", 0.0) >= getattr(best, "at", 0.0):
            best = s
    if best is None:
        return MergedAggregate(type_, duration_s)
    return MergedAggregate(type_, duration_s, count=n, value=best.value, min=lo, max=hi)
