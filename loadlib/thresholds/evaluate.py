"""Judging thresholds against a snapshot (and, for windows, per-second data).

Empty metrics follow k6 (internal/metrics/engine/engine.go): while the run is
going, a metric or sub-metric with no samples is not judged (``ok=True``,
``observed=None``); at the end (``final=True``) it is judged with zeros:
``count``/``rate``/``value``/``avg``/``p(N)`` are 0, so ``p(95)<500`` passes
and ``count>0`` or ``rate>0.99`` fail. A window (``over 1m``) judges only the
last minute; a counter's ``rate`` then divides by the window (or by the run so
far when it is shorter).

>>> verdicts = evaluate(ts, snapshot, window_source=None, final=True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from loadlib.metrics.aggregate import MergedAggregate
from loadlib.metrics.snapshot import MetricSnapshot, Snapshot
from loadlib.results import ThresholdVerdict
from loadlib.thresholds.model import Threshold, ThresholdSet

WindowSource = Callable[[str, float], MetricSnapshot | None]
"""(metric name, window seconds) -> that metric over the last window, or None."""


def judge(t: Threshold, snapshot: Snapshot, window_source: WindowSource | None = None,
          final: bool = False) -> ThresholdVerdict:
    expr = t.expression
    if expr.window_s and window_source is not None:
        metric = window_source(t.metric, expr.window_s)
    else:
        metric = snapshot.metrics.get(t.metric)
    observed: float | None = None
    ok = True
    if metric is not None:
        agg = cast(MergedAggregate, metric.select(t.tags))
        if final or not agg.empty:
            observed = agg.stat(expr.aggregation)
            ok = expr.holds(observed)
    return ThresholdVerdict(metric=t.key, expression=expr.text, ok=ok, observed=observed,
                            aggregation=expr.aggregation, abort_on_fail=t.abort_on_fail, window=expr.window)


def evaluate(ts: ThresholdSet, snapshot: Snapshot, window_source: WindowSource | None = None,
             final: bool = False) -> tuple[ThresholdVerdict, ...]:
    """One verdict per threshold, in declaration order; ``final`` judges empty metrics as zeros."""
    return tuple(judge(t, snapshot, window_source, final) for t in ts)


def should_abort(ts: ThresholdSet, verdicts: tuple[ThresholdVerdict, ...], elapsed_s: float) -> Threshold | None:
    """The first failing ``abortOnFail`` threshold whose ``delayAbortEval`` has passed, if any."""
    for t, v in zip(ts, verdicts, strict=True):
        if t.abort_on_fail and not v.ok and elapsed_s >= t.delay_abort_eval_s:
            return t
    return None
