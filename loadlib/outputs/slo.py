"""``--slo-report PATH``: Mina's JSON result schema (seed 001), key for key.

::

    {"timestamp": "2025-10-01T19:30:00Z", "test_type": "api_read_load", "duration_seconds": 810,
     "metrics": {"requests_total": 50000, "requests_per_second": 416.67, "error_rate": 0.0002,
                 "response_times": {"avg": 285.3, "min": 45.2, "max": 1200,
                                    "p50": 250.8, "p95": 650.4, "p99": 980.2},
                 "slo_compliance": {"p50_met": true, "p95_met": true, "p99_met": true,
                                    "error_rate_met": true}},
     "pass": true}

``timestamp`` is the run's start (UTC, seconds). Response times are
``http_req_duration`` in milliseconds. Each ``*_met`` is the verdict of the
thresholds on ``http_req_duration`` (on its sub-metrics when none is on the metric itself) with that
aggregation (``p(50)``/``med``, ``p(95)``, ``p(99)``) or, for
``error_rate_met``, ``rate`` on ``http_req_failed``; several matching
thresholds must all pass; ``null`` when the run declared no such threshold.
``pass`` is true only when the run passed (every threshold met, not
interrupted, no script error).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from loadlib.outputs.view import http_totals, metric_values, parse_key
from loadlib.results import RunResult, ThresholdVerdict

_SLO_AGGREGATIONS = {"p50_met": ("p(50)", "med"), "p95_met": ("p(95)",), "p99_met": ("p(99)",)}


def _met(verdicts: Iterable[ThresholdVerdict], metric: str, aggregations: tuple[str, ...]) -> bool | None:
    relevant = [v for v in verdicts if parse_key(v.metric)[0] == metric and v.aggregation in aggregations]
    # thresholds on the metric itself decide; its sub-metrics' thresholds only when there are none
    exact = [v for v in relevant if v.metric.strip() == metric]
    chosen = exact or relevant
    return all(v.ok for v in chosen) if chosen else None


def build(result: RunResult, *, test_type: str) -> dict[str, Any]:
    """The SLO document as a dict (``render`` serialises it)."""
    snap = result.snapshot
    totals = http_totals(snap)
    duration = snap.metrics.get("http_req_duration")
    d = metric_values(duration, duration_s=snap.duration_s, trend_stats=("p(50)", "p(99)")) if duration else None
    d = d or {}

    def ms(key: str) -> float | None:
        v = d.get(key, d.get("med") if key == "p(50)" else None)
        return None if v is None else round(v, 3)

    compliance: dict[str, bool | None] = {
        key: _met(result.thresholds, "http_req_duration", aggs) for key, aggs in _SLO_AGGREGATIONS.items()
    }
    compliance["error_rate_met"] = _met(result.thresholds, "http_req_failed", ("rate",))
    return {
        "timestamp": datetime.fromtimestamp(int(result.meta.started_at), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "test_type": test_type,
        "duration_seconds": round(result.meta.duration_s, 3),
        "metrics": {
            "requests_total": int(totals["requests"]),
            "requests_per_second": round(totals["rps"], 2),
            "error_rate": round(totals["error_rate"], 6),
            "response_times": {
                "avg": ms("avg"),
                "min": ms("min"),
                "max": ms("max"),
                "p50": ms("p(50)"),
                "p95": ms("p(95)"),
                "p99": ms("p(99)"),
            },
            "slo_compliance": compliance,
        },
        "pass": result.status == "passed",
    }


def render(result: RunResult, *, test_type: str) -> bytes:
    """Mina's result JSON; ``test_type`` comes from ``--test-type`` or the locustfile's stem."""
    return (json.dumps(build(result, test_type=test_type), indent=2) + "\n").encode("utf-8")
