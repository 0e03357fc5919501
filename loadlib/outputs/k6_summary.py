"""``--summary-export PATH``: k6's legacy summary-export JSON, key for key.

Shape (k6 ``js/summary-wrapper.js``, ``oldJSONSummary``)::

    {"root_group": {"name": "", "path": "", "id": "d41d8cd9...", "groups": {},
                    "checks": {"status is 200": {"name": ..., "path": "::status is 200",
                                                 "id": ..., "passes": 10, "fails": 0}}},
     "metrics": {"http_reqs": {"count": 40, "rate": 19.77},
                 "vus": {"value": 1, "min": 1, "max": 5},
                 "checks": {"passes": 10, "fails": 0, "value": 1},
                 "http_req_duration": {"avg": ..., "p(95)": ...,
                                       "thresholds": {"p(95)<500": false}}}}

**Inverted booleans, as in k6:** in each metric's ``thresholds`` object,
``true`` means the threshold FAILED and ``false`` means it passed (k6-docs#30).
Scripts written against k6's export keep working unchanged; loadlib's own
result JSON (``result_json``) says ``"ok": true`` instead.

Trends carry the profile's ``summaryTrendStats``; rates carry ``passes``,
``fails`` and their ratio under ``value``. Sub-metrics appear as their own
metrics under their k6 key (``http_req_duration{status:200}``) when a
threshold names them, plus ``http_req_duration{expected_response:true}``.
Group and check ids are the md5 of their path, as k6 computes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from loadlib.metrics.snapshot import MetricSnapshot, MetricType, TagSet
from loadlib.outputs.view import (
    DEFAULT_TREND_STATS,
    format_key,
    metric_values,
    percentile_stats,
    threshold_filters,
)
from loadlib.results import RunResult


def _id(path: str) -> str:
    return hashlib.md5(path.encode("utf-8"), usedforsecurity=False).hexdigest()


def _values(metric: MetricSnapshot, values: dict[str, float], trend_stats: Sequence[str]) -> dict[str, Any]:
    if metric.type is MetricType.TREND:
        return {stat: v for stat, v in percentile_stats(values, trend_stats) if v is not None}
    if metric.type is MetricType.COUNTER:
        return {"count": _num(values["count"]), "rate": values["rate"]}
    if metric.type is MetricType.RATE:
        # k6 moves the ratio from `rate` to `value` in the legacy format
        return {"passes": int(values["passes"]), "fails": int(values["fails"]), "value": values["rate"]}
    return {"value": _num(values["value"]), "min": _num(values["min"]), "max": _num(values["max"])}


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else v


def build(result: RunResult, *, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> dict[str, Any]:
    """The summary-export document as a dict (``render`` serialises it)."""
    snap = result.snapshot
    dur = snap.duration_s
    root: dict[str, Any] = {"name": "", "path": "", "id": _id(""), "groups": {}, "checks": {}}
    for c in snap.checks:
        group = root
        # k6 paths: "::check" in the root group, "::group::check" inside group "group"
        for gname in c.path.split("::")[1:-1]:
            gpath = f"{group['path']}::{gname}"
            group = group["groups"].setdefault(gname, {"name": gname, "path": gpath, "id": _id(gpath),
                                                       "groups": {}, "checks": {}})
        group["checks"][c.name] = {"name": c.name, "path": c.path, "id": _id(c.path), "passes": c.passes,
                                   "fails": c.fails}
    metrics: dict[str, Any] = {}
    named = threshold_filters(snap.metrics, (v.metric for v in result.thresholds))
    for name in sorted(snap.metrics):
        metric = snap.metrics[name]
        filters: list[TagSet] = [()] + named.get(name, [])
        if name == "http_req_duration" and (("expected_response", "true"),) not in filters:
            filters.append((("expected_response", "true"),))
        for tags in filters:
            values = metric_values(metric, tags, duration_s=dur, trend_stats=trend_stats)
            if values is None:
                continue
            metrics[format_key(name, tags)] = _values(metric, values, trend_stats)
    if snap.checks and "checks" not in metrics:
        passes = sum(c.passes for c in snap.checks)
        fails = sum(c.fails for c in snap.checks)
        metrics["checks"] = {"passes": passes, "fails": fails, "value": passes / (passes + fails) if passes + fails else 0}
    for v in result.thresholds:
        entry = metrics.get(v.metric)
        if entry is None:
            # a threshold on a metric with no samples still shows its verdict, as in k6
            entry = metrics.setdefault(v.metric, {})
        entry.setdefault("thresholds", {})[v.expression] = not v.ok  # k6: true == FAILED
    return {
        "root_group": root,
        "metrics": metrics,
    }


def render(result: RunResult, *, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> bytes:
    """k6's legacy summary export, indented by 4 like k6 writes it."""
    return (json.dumps(build(result, trend_stats=trend_stats), indent=4, ensure_ascii=False) + "\n").encode("utf-8")
