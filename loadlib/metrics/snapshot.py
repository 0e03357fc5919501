"""Immutable snapshots of the metric registry: what thresholds and outputs read.

This module is the contract between ``loadlib.metrics`` (which produces
snapshots) and ``loadlib.thresholds`` / ``loadlib.outputs`` (which consume
them). Nothing here knows Locust, the CLI or any output format.

A metric holds one *series* per exact tag set. A sub-metric such as
``http_req_duration{status:200}`` is not stored: it is the merge of every
series whose tags include ``status=200`` (``MetricSnapshot.select``). That is
why every sub-metric is available without a dummy threshold naming it.

>>> snap.metrics["http_req_duration"].select({"status": "200"}).stat("p(95)")
41.7
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

TagSet = tuple[tuple[str, str], ...]
"""Tags as a tuple of (key, value) pairs sorted by key: hashable, canonical."""


def tagset(tags: Mapping[str, object] | None) -> TagSet:
    """Canonical tag set from a mapping (values become strings)."""
    if not tags:
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in tags.items()))


class MetricType(enum.StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    RATE = "rate"
    TREND = "trend"


class ValueKind(enum.StrEnum):
    """k6's ``contains``: how a value is displayed (time in ms, data in bytes)."""

    DEFAULT = "default"
    TIME = "time"
    DATA = "data"


class Distribution(Protocol):
    """A mergeable, bounded-memory distribution of trend samples (values in ms).

    Implemented in ``loadlib.metrics`` on an HDR histogram with at least three
    significant digits. ``percentile`` takes p in [0, 100].
    """

    @property
    def count(self) -> int: ...
    @property
    def sum(self) -> float: ...
    @property
    def min(self) -> float: ...
    @property
    def max(self) -> float: ...
    @property
    def mean(self) -> float: ...
    def percentile(self, p: float) -> float: ...
    def merged(self, other: Distribution) -> Distribution: ...


@dataclass(frozen=True)
class CounterSeries:
    tags: TagSet
    total: float


@dataclass(frozen=True)
class GaugeSeries:
    tags: TagSet
    value: float
    min: float
    max: float
    at: float = 0.0  # unix seconds of the last set: the latest value wins when series merge


@dataclass(frozen=True)
class RateSeries:
    tags: TagSet
    passes: int  # non-zero samples
    total: int

    @property
    def fails(self) -> int:
        return self.total - self.passes


@dataclass(frozen=True)
class TrendSeries:
    tags: TagSet
    dist: Distribution


Series = CounterSeries | GaugeSeries | RateSeries | TrendSeries


@dataclass(frozen=True)
class MetricSnapshot:
    name: str
    type: MetricType
    contains: ValueKind
    series: Mapping[TagSet, Series]
    duration_s: float = 0.0  # what a counter's ``rate`` divides by (the run, or a threshold's window)

    def select(self, tag_filter: Mapping[str, str] | None = None) -> Aggregate:
        """Merge every series whose tags include all of ``tag_filter`` (k6 sub-metric semantics).

        The result is a ``loadlib.metrics.aggregate.MergedAggregate``; with no
        matching series it is empty (``.empty``) and its stats are 0.
        """
        from loadlib.metrics.aggregate import matches, merge_series

        flt = {str(k): str(v) for k, v in (tag_filter or {}).items()}
        chosen = [s for ts, s in self.series.items() if matches(ts, flt)]
        return merge_series(self.type, chosen, self.duration_s)

    def tag_values(self, key: str) -> tuple[str, ...]:
        """Every value tag ``key`` takes in this metric, sorted: lists the sub-metrics that exist."""
        return tuple(sorted({v for ts in self.series for k, v in ts if k == key}))


class Aggregate(Protocol):
    """A metric (or sub-metric) merged over its matching series.

    ``select`` returns a ``loadlib.metrics.aggregate.MergedAggregate``, which
    also has ``empty`` and ``stats(names)`` (several percentiles in one pass).
    """

    @property
    def type(self) -> MetricType: ...

    def stat(self, name: str) -> float:
        """One aggregation by its k6 threshold name: count, rate, value, avg, min, max, med, p(N)."""
        ...

    def summary(self) -> Mapping[str, float]:
        """k6 summary-export values for this type (trend: avg min med max p(90) p(95); counter: count rate; ...)."""
        ...


@dataclass(frozen=True)
class CheckSnapshot:
    name: str
    path: str  # k6 group path, "::name" for the root group
    passes: int
    fails: int


@dataclass(frozen=True)
class Snapshot:
    """The merged registry at one instant."""

    taken_at: float  # unix seconds
    duration_s: float  # since the run started (counter rates divide by this)
    metrics: Mapping[str, MetricSnapshot]
    checks: tuple[CheckSnapshot, ...] = ()
    extra: Mapping[str, object] = field(default_factory=dict)
