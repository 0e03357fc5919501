"""The loadlib result JSON (``"schema": "loadlib.result/v1"``): everything a run measured.

Written by ``--results-json PATH``, read back by ``loadlib report`` and
``loadlib compare``. It round-trips: ``load(render(r))`` is a ``RunResult``
that renders the same summary, SLO, k6 export and HTML report. Layout::

    {"schema": "loadlib.result/v1",
     "status": "passed" | "failed" | "interrupted" | "aborted" | "error",
     "exit_code": 0, "passed": true,
     "meta": {"test_name", "locustfile", "profile", "scenarios", "started_at", "ended_at",
              "started_at_iso", "duration_s", "workers", "partial", "interrupted", "host", ...},
     "duration_s": 30.0,                  # the snapshot's: counter rates divide by it
     "metrics": {"http_req_duration": {"type": "trend", "contains": "time",
                                       "values": {"count", "avg", "min", "med", "max", "p(90)", ...},
                                       "submetrics": {"http_req_duration{status:200}":
                                                      {"tags": {"status": "200"}, "values": {...}}}}},
     "thresholds": [{"metric", "expression", "ok", "observed", "aggregation", "abort_on_fail", "window"}],
     "checks": [{"name", "path", "passes", "fails"}],
     "timeline": [{"elapsed_s", "vus", "rps", "error_rate", "p50", "p95", "p99", ...}]}

Unlike k6's export, ``"ok": true`` means the threshold passed. Trend values
are milliseconds, data counters bytes. Every sub-metric by tag key is kept
(up to ``SUBMETRICS_PER_KEY`` values per key), plus every one a threshold names.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loadlib.errors import LoadlibError
from loadlib.metrics.snapshot import CheckSnapshot, MetricType, Snapshot, TagSet, ValueKind, tagset
from loadlib.outputs.recorded import RecordedMetric
from loadlib.outputs.view import (
    DEFAULT_TREND_STATS,
    format_key,
    metric_values,
    parse_key,
    submetric_filters,
    threshold_filters,
)
from loadlib.results import RunMeta, RunResult, ThresholdVerdict, TimelinePoint

SCHEMA = "loadlib.result/v1"
SUBMETRICS_PER_KEY = 200


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become null, tuples lists, mappings dicts, unknown objects strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    return str(value)


def iso(ts: float) -> str:
    """Unix seconds as an RFC 3339 UTC timestamp with a ``Z``."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")


def build(result: RunResult, *, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> dict[str, Any]:
    """The result document as a dict (``render`` serialises it)."""
    snap = result.snapshot
    meta = result.meta
    named = threshold_filters(snap.metrics, (v.metric for v in result.thresholds))
    metrics: dict[str, Any] = {}
    for name in sorted(snap.metrics):
        metric = snap.metrics[name]
        values = metric_values(metric, duration_s=snap.duration_s, trend_stats=trend_stats)
        subs: dict[str, Any] = {}
        filters: list[TagSet] = [t for t, _ in submetric_filters(metric, per_key=SUBMETRICS_PER_KEY)]
        filters += [t for t in named.get(name, []) if t not in filters]
        for tags in filters:
            sub = metric_values(metric, tags, duration_s=snap.duration_s, trend_stats=trend_stats)
            if sub is not None:
                subs[format_key(name, tags)] = {"tags": dict(tags), "values": sub}
        metrics[name] = {
            "type": metric.type.value,
            "contains": metric.contains.value,
            "values": values or {},
            "submetrics": subs,
        }
    doc = {
        "schema": SCHEMA,
        "status": result.status,
        "exit_code": result.exit_code,
        "passed": result.passed,
        "meta": {
            "test_name": meta.test_name,
            "locustfile": meta.locustfile,
            "profile": meta.profile,
            "scenarios": list(meta.scenarios),
            "started_at": meta.started_at,
            "ended_at": meta.ended_at,
            "started_at_iso": iso(meta.started_at),
            "duration_s": meta.duration_s,
            "workers": meta.workers,
            "partial": meta.partial,
            "interrupted": meta.interrupted,
            "host": meta.host,
            "loadlib_version": meta.loadlib_version,
            "notes": list(meta.notes),
        },
        "taken_at": snap.taken_at,
        "duration_s": snap.duration_s,
        "summary_trend_stats": list(trend_stats),
        "metrics": metrics,
        "thresholds": [
            {
                "metric": v.metric,
                "expression": v.expression,
                "ok": v.ok,
                "observed": v.observed,
                "aggregation": v.aggregation,
                "abort_on_fail": v.abort_on_fail,
                "window": v.window,
            }
            for v in result.thresholds
        ],
        "checks": [{"name": c.name, "path": c.path, "passes": c.passes, "fails": c.fails} for c in snap.checks],
        "timeline": [
            {
                "elapsed_s": p.elapsed_s,
                "vus": p.vus,
                "rps": p.rps,
                "error_rate": p.error_rate,
                "p50": p.p50,
                "p95": p.p95,
                "p99": p.p99,
                "target_vus": p.target_vus,
                "target_rate": p.target_rate,
                "achieved_rate": p.achieved_rate,
                "extra": dict(p.extra),
            }
            for p in result.timeline
        ],
        "extra": dict(snap.extra),
    }
    return _clean(doc)


def render(result: RunResult, *, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> bytes:
    """The result JSON, UTF-8, indented for diffs."""
    return (json.dumps(build(result, trend_stats=trend_stats), indent=2, ensure_ascii=False,
                       allow_nan=False) + "\n").encode("utf-8")


class ResultFileError(LoadlibError):
    """A result file that cannot be read as a loadlib result (or k6 summary export)."""


def load(path: str | Path) -> RunResult:
    """Read a loadlib result JSON back into a ``RunResult`` (stored numbers, no distributions).

    >>> load("results/run.json").status
    'passed'
    """
    return from_dict(read_json(path), source=str(path))


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing or malformed file is one ``ResultFileError`` naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ResultFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ResultFileError(f"{path}: not valid JSON ({exc})") from None


def from_dict(doc: Any, *, source: str = "<result>") -> RunResult:
    """Rebuild a ``RunResult`` from a parsed result document; ``ResultFileError`` names what is wrong."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ResultFileError(f"{source}: schema = {found!r} is not valid; expected {SCHEMA!r} "
                              "(a file written by --results-json)")
    try:
        m = doc["meta"]
        meta = RunMeta(
            test_name=m["test_name"], locustfile=m.get("locustfile", ""), profile=m.get("profile"),
            scenarios=tuple(m.get("scenarios", ())), started_at=float(m["started_at"]),
            ended_at=float(m["ended_at"]), workers=int(m.get("workers", 0)), partial=bool(m.get("partial")),
            interrupted=bool(m.get("interrupted")), host=m.get("host"),
            loadlib_version=m.get("loadlib_version", ""), notes=tuple(m.get("notes", ())),
        )
        metrics = {}
        for name, entry in doc["metrics"].items():
            aggregates: dict[TagSet, dict[str, float]] = {}
            if entry.get("values"):
                aggregates[()] = _floats(entry["values"])
            for key, sub in entry.get("submetrics", {}).items():
                tags = tagset(sub["tags"]) if "tags" in sub else parse_key(key)[1]
                aggregates[tags] = _floats(sub["values"])
            metrics[name] = RecordedMetric(name, MetricType(entry["type"]), ValueKind(entry["contains"]), {},
                                           aggregates=aggregates)
        checks = tuple(CheckSnapshot(c["name"], c.get("path", "::" + c["name"]), int(c["passes"]), int(c["fails"]))
                       for c in doc.get("checks", ()))
        snapshot = Snapshot(taken_at=float(doc.get("taken_at", meta.ended_at)), duration_s=float(doc["duration_s"]),
                            metrics=metrics, checks=checks, extra=dict(doc.get("extra") or {}))
        thresholds = tuple(
            ThresholdVerdict(metric=t["metric"], expression=t["expression"], ok=bool(t["ok"]),
                             observed=None if t.get("observed") is None else float(t["observed"]),
                             aggregation=t.get("aggregation", ""), abort_on_fail=bool(t.get("abort_on_fail")),
                             window=t.get("window"))
            for t in doc.get("thresholds", ())
        )
        timeline = tuple(
            TimelinePoint(elapsed_s=float(p["elapsed_s"]), vus=int(p["vus"]), rps=float(p["rps"]),
                          error_rate=float(p["error_rate"]), p50=p.get("p50"), p95=p.get("p95"), p99=p.get("p99"),
                          target_vus=p.get("target_vus"), target_rate=p.get("target_rate"),
                          achieved_rate=p.get("achieved_rate"), extra=dict(p.get("extra") or {}))
            for p in doc.get("timeline", ())
        )
        return RunResult(meta=meta, snapshot=snapshot, thresholds=thresholds, timeline=timeline,
                         exit_code=int(doc["exit_code"]), status=doc["status"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ResultFileError(f"{source}: malformed loadlib result ({type(exc).__name__}: {exc})") from None


def _floats(values: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v is not None}
