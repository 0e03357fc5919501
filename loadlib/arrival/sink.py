"""Where the executor's samples go: the process's metric registry (shipped to the master as deltas).

* ``dropped_iterations`` (Counter, k6's built-in): one sample per dropped start;
* ``iteration_schedule_lag`` (Trend, ms): actual start minus scheduled start;
* ``http_req_duration_corrected`` (Trend, ms, opt-in): a request's duration
  plus its iteration's schedule lag, i.e. measured from the scheduled start.

Every sample carries the scenario's tags and ``scenario=<name>``.
"""

from __future__ import annotations

from collections.abc import Mapping

from loadlib.metrics import MetricType, ValueKind, current_registry, tagset
from loadlib.metrics.snapshot import TagSet

DROPPED = "dropped_iterations"
LAG = "iteration_schedule_lag"
CORRECTED = "http_req_duration_corrected"

_DEFS = {
    DROPPED: (MetricType.COUNTER, ValueKind.DEFAULT),
    LAG: (MetricType.TREND, ValueKind.TIME),
    CORRECTED: (MetricType.TREND, ValueKind.TIME),
}


def scenario_tags(name: str, tags: Mapping[str, str] | None = None) -> TagSet:
    """The tag set of a scenario's samples: its own tags plus ``scenario``."""
    return tagset({**(tags or {}), "scenario": name})


def record(metric: str, value: float, tags: TagSet) -> None:
    """Add one sample to the current registry (the metric is declared on first use)."""
    registry = current_registry()
    type_, contains = _DEFS[metric]
    registry.add(registry.define(metric, type_, contains), value, tags)


def declare() -> None:
    """Declare the executor's metrics up front, so a run with none dropped still shows ``dropped_iterations 0``."""
    registry = current_registry()
    for name, (type_, contains) in _DEFS.items():
        if name != CORRECTED:
            registry.define(name, type_, contains)
