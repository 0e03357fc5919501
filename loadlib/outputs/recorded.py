"""Snapshots rebuilt from stored aggregates (a result JSON, or Locust's own stats).

A live ``Snapshot`` holds mergeable distributions; a stored result holds only
the numbers that were computed at the end. ``RecordedMetric`` is a
``MetricSnapshot`` whose ``select`` answers from those numbers, so every
renderer works the same on a live run and on ``loadlib report RESULT.json``.

>>> m = RecordedMetric("http_reqs", MetricType.COUNTER, ValueKind.DEFAULT, {},
...                    aggregates={(): {"count": 40, "rate": 19.7}})
>>> m.select().stat("count")
40
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from loadlib.metrics.snapshot import MetricSnapshot, MetricType, TagSet, tagset

_ALIASES = {"med": "p(50)", "p(50)": "med"}


@dataclass(frozen=True)
class StaticAggregate:
    """An ``Aggregate`` over numbers that were already computed."""

    type: MetricType
    values: Mapping[str, float]

    def stat(self, name: str) -> float:
        """One stored aggregation (``med`` and ``p(50)`` are the same); KeyError when not stored."""
        if name in self.values:
            return self.values[name]
        alias = _ALIASES.get(name)
        if alias and alias in self.values:
            return self.values[alias]
        raise KeyError(f"{name!r} was not stored for this metric; stored: {', '.join(sorted(self.values))}")

    def summary(self) -> Mapping[str, float]:
        return dict(self.values)


@dataclass(frozen=True)
class RecordedMetric(MetricSnapshot):
    """A metric known only by stored aggregates, keyed by the sub-metric's tag filter (``()`` = whole metric)."""

    aggregates: Mapping[TagSet, Mapping[str, float]] = field(default_factory=dict)

    def select(self, tag_filter: Mapping[str, str] | None = None) -> StaticAggregate:
        key = tagset(tag_filter)
        if key not in self.aggregates:
            raise KeyError(f"sub-metric {self.name}{_fmt(key)} was not stored in this result")
        return StaticAggregate(self.type, self.aggregates[key])

    def tag_values(self, key: str) -> tuple[str, ...]:
        return tuple(sorted({v for ts in self.aggregates for k, v in ts if k == key}))


def _fmt(key: TagSet) -> str:
    return "{" + ",".join(f"{k}:{v}" for k, v in key) + "}"
