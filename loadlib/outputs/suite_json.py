"""The suite's combined ``summary.json`` (``"schema": "loadlib.suite/v1"``); it round-trips.

::

    {"schema": "loadlib.suite/v1", "suite": "mina", "status": "failed", "passed": false, "exit_code": 99,
     "started_at_iso": "...", "ended_at_iso": "...", "duration_s": 61.2, "time_scale": 0.1,
     "environment": "local", "host": "http://127.0.0.1:40123",
     "counts": {"passed": 3, "failed": 1, "error": 0, "interrupted": 0, "aborted": 0, "skipped": 0},
     "entries": [{"name": "api-read", "verdict": "passed", "passed": true,
                  "exit_code": 0, "k6_exit_code": 0, "duration_s": 14.1,
                  "metrics": {"requests_total", "requests_per_second", "error_rate",
                              "response_times": {"avg", "min", "max", "p50", "p95", "p99"}},
                  "slo_compliance": {"p50_met": true, "p95_met": true, "p99_met": null, "error_rate_met": true},
                  "thresholds": [{"metric", "expression", "ok", "observed"}], "failed_thresholds": 0,
                  "reports": {"json": "api-read.json", "html": "api-read.html", ...}}]}

Entry metrics are the entry's own SLO JSON (seed 001's schema), so every
number matches that entry's report. ``exit_code`` is what the entry's locust
process returned, ``k6_exit_code`` the k6 code it maps to.

>>> load("results/20260101T000000Z/summary.json").exit_code  # doctest: +SKIP
99
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loadlib.errors import LoadlibError
from loadlib.suites.result import EntryResult, SuiteResult

SCHEMA = "loadlib.suite/v1"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(e: EntryResult) -> dict[str, Any]:
    return {
        "name": e.name,
        "description": e.description,
        "locustfile": e.locustfile,
        "profile": e.profile,
        "verdict": e.verdict,
        "passed": e.passed,
        "exit_code": e.exit_code,
        "k6_exit_code": e.k6_exit_code,
        "duration_s": round(e.duration_s, 3),
        "time_scale": e.time_scale,
        "metrics": dict(e.metrics),
        "slo_compliance": dict(e.slo_compliance),
        "thresholds": [dict(t) for t in e.thresholds],
        "failed_thresholds": len(e.failed_thresholds),
        "reports": dict(e.reports),
        "message": e.message,
    }


def build(result: SuiteResult) -> dict[str, Any]:
    """The document as a dict (``render`` serialises it)."""
    return {
        "schema": SCHEMA,
        "suite": result.suite,
        "description": result.description,
        "source": result.source,
        "status": result.status,
        "passed": result.passed,
        "exit_code": result.exit_code,
        "started_at": result.started_at,
        "ended_at": result.ended_at,
        "started_at_iso": _iso(result.started_at),
        "ended_at_iso": _iso(result.ended_at),
        "duration_s": round(result.duration_s, 3),
        "time_scale": result.time_scale,
        "environment": result.environment,
        "host": result.host,
        "interrupted": result.interrupted,
        "counts": result.counts(),
        "entries": [_entry(e) for e in result.entries],
    }


def render(result: SuiteResult) -> bytes:
    return (json.dumps(build(result), indent=2, sort_keys=False) + "\n").encode("utf-8")


def from_dict(doc: dict[str, Any], *, source: str = "summary.json") -> SuiteResult:
    """The ``SuiteResult`` a document describes (``LoadlibError`` when it is not one)."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise LoadlibError(f"{source}: not a loadlib suite summary (expected \"schema\": \"{SCHEMA}\")")
    try:
        return _from_dict(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LoadlibError(f"{source}: a damaged loadlib suite summary ({type(exc).__name__}: {exc})") from None


def _from_dict(doc: dict[str, Any]) -> SuiteResult:
    entries = tuple(
        EntryResult(
            name=e["name"], locustfile=e.get("locustfile", ""), profile=e.get("profile"),
            exit_code=e.get("exit_code"), duration_s=float(e.get("duration_s") or 0.0),
            description=e.get("description", ""), metrics=e.get("metrics") or {},
            slo_compliance=e.get("slo_compliance") or {}, thresholds=tuple(e.get("thresholds") or ()),
            reports=e.get("reports") or {}, time_scale=float(e.get("time_scale") or 1.0),
            message=e.get("message", ""),
        )
        for e in doc.get("entries", [])
    )
    return SuiteResult(
        suite=doc["suite"], source=doc.get("source", ""), started_at=float(doc["started_at"]),
        ended_at=float(doc["ended_at"]), entries=entries, description=doc.get("description", ""),
        environment=doc.get("environment"), time_scale=float(doc.get("time_scale") or 1.0),
        host=doc.get("host"), interrupted=bool(doc.get("interrupted")),
    )


def load(path: str | Path) -> SuiteResult:
    """Read a ``summary.json`` written by ``loadlib suite``."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoadlibError(f"{path}: cannot read the suite summary: {exc}") from None
    return from_dict(doc, source=str(path))
