"""Baseline regression checks (seed 000): compare two runs' headline numbers.

Either file may be a loadlib result JSON (``--results-json``) or a k6
summary export (``--summary-export`` from loadlib or from k6 itself). Compared:
``avg``, ``p(50)``, ``p(95)``, ``p(99)`` of ``http_req_duration`` and of each
of its sub-metrics present in both files (when both carry that statistic),
the error rate (``http_req_failed``) and the throughput (``http_reqs`` per
second).

A row regresses when it moved the wrong way by more than the tolerance:
latency above ``baseline * (1 + tol)``, throughput below
``baseline * (1 - tol)``, error rate above ``baseline * (1 + tol)`` *and*
more than ``ERROR_RATE_FLOOR`` (0.1 percentage point) above the baseline, so
that 0 -> 0.0001 is not flagged as an infinite regression.

>>> rows = compare(load_numbers("base.json"), load_numbers("cur.json"), tolerance=0.10)
>>> any(r.regressed for r in rows)
False
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadlib.outputs.result_json import SCHEMA, ResultFileError, read_json

ERROR_RATE_FLOOR = 0.001
LATENCY_STATS: tuple[str, ...] = ("avg", "p(50)", "p(95)", "p(99)")


@dataclass(frozen=True)
class Numbers:
    """The comparable numbers of one run, whatever file they came from."""

    source: str
    kind: str  # "loadlib" | "k6"
    latency: dict[str, dict[str, float]]  # metric key -> stat -> ms
    error_rate: float | None
    throughput: float | None


@dataclass(frozen=True)
class Row:
    metric: str
    stat: str
    baseline: float
    current: float
    regressed: bool
    unit: str  # "ms" | "ratio" | "/s"

    @property
    def delta(self) -> float:
        """Relative change (0.1 = +10%); inf when the baseline is 0 and the current is not."""
        if self.baseline == 0:
            return 0.0 if self.current == 0 else math.inf
        return (self.current - self.baseline) / self.baseline


def parse_tolerance(text: str) -> float:
    """``"10%"`` or ``"10"`` -> 0.10; a ``ValueError`` naming the value otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", text)
    if not m:
        raise ValueError(f"--tolerance = {text!r} is not valid; expected a percentage such as 10% or 5.5%")
    return float(m.group(1)) / 100


def _latency_stats(values: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for stat in LATENCY_STATS:
        v = values.get(stat)
        if v is None and stat == "p(50)":
            v = values.get("med")
        if isinstance(v, int | float):
            out[stat] = float(v)
    return out


def load_numbers(path: str | Path) -> Numbers:
    """Read either file format; ``ResultFileError`` naming the file when it is neither."""
    doc = read_json(path)
    src = str(path)
    if isinstance(doc, dict) and doc.get("schema") == SCHEMA:
        try:
            metrics = doc["metrics"]
            latency: dict[str, dict[str, float]] = {}
            dur = metrics.get("http_req_duration")
            if dur:
                latency["http_req_duration"] = _latency_stats(dur.get("values", {}))
                for key, sub in dur.get("submetrics", {}).items():
                    latency[key] = _latency_stats(sub.get("values", {}))
            failed = metrics.get("http_req_failed", {}).get("values", {})
            reqs = metrics.get("http_reqs", {}).get("values", {})
            return Numbers(src, "loadlib", latency, failed.get("rate"), reqs.get("rate"))
        except (AttributeError, TypeError) as exc:
            raise ResultFileError(f"{src}: malformed loadlib result ({exc})") from None
    if isinstance(doc, dict) and isinstance(doc.get("metrics"), dict) and "root_group" in doc:
        metrics = doc["metrics"]
        try:
            latency = {key: _latency_stats(v) for key, v in metrics.items()
                       if key == "http_req_duration" or key.startswith("http_req_duration{")}
            failed = metrics.get("http_req_failed") or {}
            reqs = metrics.get("http_reqs") or {}
            return Numbers(src, "k6", latency, failed.get("value", failed.get("rate")), reqs.get("rate"))
        except (AttributeError, TypeError) as exc:
            raise ResultFileError(f"{src}: malformed k6 summary export ({exc})") from None
    raise ResultFileError(f"{src}: neither a loadlib result JSON (schema {SCHEMA!r}, from --results-json) "
                          "nor a k6 summary export (root_group + metrics, from --summary-export)")


def compare(base: Numbers, cur: Numbers, *, tolerance: float) -> list[Row]:
    """Every comparable row, in a stable order (overall latency first, then sub-metrics, errors, throughput)."""
    rows: list[Row] = []
    keys = [k for k in base.latency if k in cur.latency]
    keys.sort(key=lambda k: (k != "http_req_duration", k))
    for key in keys:
        for stat in LATENCY_STATS:
            b, c = base.latency[key].get(stat), cur.latency[key].get(stat)
            if b is None or c is None:
                continue
            rows.append(Row(key, stat, b, c, c > b * (1 + tolerance), "ms"))
    if base.error_rate is not None and cur.error_rate is not None:
        b, c = float(base.error_rate), float(cur.error_rate)
        rows.append(Row("http_req_failed", "rate", b, c, c > b * (1 + tolerance) and c - b > ERROR_RATE_FLOOR, "ratio"))
    if base.throughput is not None and cur.throughput is not None:
        b, c = float(base.throughput), float(cur.throughput)
        rows.append(Row("http_reqs", "rate", b, c, c < b * (1 - tolerance), "/s"))
    return rows


def format_table(rows: list[Row], *, tolerance: float) -> str:
    """A fixed-width table for the terminal, with a final verdict line."""
    def fmt(v: float, unit: str) -> str:
        if unit == "ms":
            return f"{v:.2f}ms"
        if unit == "ratio":
            return f"{v * 100:.3f}%"
        return f"{v:.2f}/s"

    width = max([len(r.metric) for r in rows] + [6]) + 2
    lines = [f"{'metric':<{width}}{'stat':<8}{'baseline':>14}{'current':>14}{'delta':>10}  verdict"]
    for r in rows:
        delta = "n/a" if math.isinf(r.delta) else f"{r.delta * 100:+.1f}%"
        lines.append(f"{r.metric:<{width}}{r.stat:<8}{fmt(r.baseline, r.unit):>14}{fmt(r.current, r.unit):>14}"
                     f"{delta:>10}  {'REGRESSION' if r.regressed else 'ok'}")
    bad = sum(r.regressed for r in rows)
    lines.append("")
    lines.append(f"{bad} regression(s) beyond {tolerance * 100:g}% tolerance" if bad
                 else f"within {tolerance * 100:g}% tolerance ({len(rows)} numbers compared)")
    return "\n".join(lines)
