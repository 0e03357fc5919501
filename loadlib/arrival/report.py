"""What the executors did, merged over workers: the web UI rows and the end-of-run lines.

Pure: inputs are the per-process ``ScenarioExecutor.report()`` dicts (as a
worker ships them, cumulative) and the scenarios; outputs are frozen views
and strings.

>>> merged = merge([{"started": 250, "dropped": 0, "peak_busy": 2, "achieved_rate": 25.0},
...                 {"started": 250, "dropped": 1, "peak_busy": 3, "achieved_rate": 25.0}])
>>> merged.started, merged.dropped, merged.peak_busy, merged.achieved_rate
(500, 1, 5, 50.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from loadlib.arrival.histogram import LogHistogram
from loadlib.arrival.schedule import RateCurve
from loadlib.arrival.sizing import ScenarioOutcome, advise
from loadlib.profiles.model import Scenario


@dataclass(frozen=True)
class Merged:
    offered: int = 0
    started: int = 0
    dropped: int = 0
    waiting: int = 0
    attached: int = 0
    active: int = 0
    busy: int = 0
    peak_busy: int = 0  # sum of per-process peaks: an upper bound of the true simultaneous peak
    achieved_rate: float = 0.0
    lag: LogHistogram | None = None
    iteration: LogHistogram | None = None


_SUMMED = ("offered", "started", "dropped", "waiting", "attached", "active", "busy", "peak_busy")


def merge(reports: Iterable[Mapping[str, Any]]) -> Merged:
    """Sum one scenario's reports from every process."""
    totals: dict[str, Any] = dict.fromkeys(_SUMMED, 0)
    rate = 0.0
    lag, iteration = LogHistogram(), LogHistogram()
    for r in reports:
        for k in _SUMMED:
            totals[k] += int(r.get(k, 0))
        rate += float(r.get("achieved_rate", 0.0))
        if r.get("lag"):
            lag = lag.merge(LogHistogram.from_wire(r["lag"]))
        if r.get("iteration"):
            iteration = iteration.merge(LogHistogram.from_wire(r["iteration"]))
    return Merged(**totals, achieved_rate=rate, lag=lag, iteration=iteration)


def ui_row(scenario: Scenario, m: Merged, target_rate: float) -> dict[str, Any]:
    """One row of the web UI table / ``/loadlib/arrival`` JSON."""
    return {
        "scenario": scenario.name,
        "executor": scenario.executor,
        "target_rate": round(target_rate, 3),
        "achieved_rate": round(m.achieved_rate, 3),
        "started": m.started,
        "dropped": m.dropped,
        "active_vus": m.active,
        "busy_vus": m.busy,
        "max_vus": scenario.max_vus,
        "lag_p99_ms": round(m.lag.percentile(99), 3) if m.lag else 0.0,
    }


def summary_lines(scenario: Scenario, m: Merged) -> list[str]:
    """The end-of-run lines for one scenario: what it achieved, then sizing advice if any."""
    curve = RateCurve.for_scenario(scenario)
    span = curve.duration or 1.0
    target = curve.total_starts / span
    lag_p99 = m.lag.percentile(99) if m.lag else 0.0
    it_p99 = m.iteration.percentile(99) if m.iteration else 0.0
    lines = [
        f"{scenario.name} ({scenario.executor}): target {target:.2f}/s, achieved {m.started / span:.2f}/s "
        f"over {span:g} s; {m.started} of {curve.total_starts} iterations started, {m.dropped} dropped; "
        f"VUs: {scenario.pre_allocated_vus} pre-allocated, {scenario.max_vus} max, peak {m.peak_busy} busy; "
        f"schedule lag p99 {lag_p99:.2f} ms; iteration p99 {it_p99:.1f} ms"
    ]
    lines += advise(ScenarioOutcome(
        scenario.name, scenario.peak_rate or 0.0, scenario.pre_allocated_vus or 0,
        scenario.max_vus or 0, m.dropped, m.peak_busy, it_p99))
    return lines
