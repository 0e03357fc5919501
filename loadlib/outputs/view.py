"""Numbers out of a snapshot, shared by every renderer.

One function, ``metric_values``, turns a metric (or a tag-filtered
sub-metric) into a flat ``{stat: number}`` dict, the same for a live snapshot
(mergeable distributions) and a ``RecordedMetric`` (stored numbers). The
renderers only format those dicts.

>>> metric_values(snap.metrics["http_req_duration"], {"status": "200"}, duration_s=10)["p(95)"]
41.7
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence

from loadlib.metrics.snapshot import (
    CounterSeries,
    Distribution,
    GaugeSeries,
    MetricSnapshot,
    MetricType,
    RateSeries,
    Snapshot,
    TagSet,
    TrendSeries,
    tagset,
)
from loadlib.outputs.recorded import RecordedMetric

DEFAULT_TREND_STATS: tuple[str, ...] = ("avg", "min", "med", "max", "p(90)", "p(95)")
"""k6's default ``summaryTrendStats``."""

STORED_TREND_STATS: tuple[str, ...] = ("count", "sum", "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)")
"""What a loadlib result JSON always keeps for a trend (plus any requested summary stat)."""

# Tag keys worth a sub-metric row, in display order; other tag keys follow alphabetically.
PREFERRED_TAG_KEYS: tuple[str, ...] = ("expected_response", "name", "method", "status", "scenario")
# Tag keys that never make a useful sub-metric (unbounded or redundant with `name`).
SKIPPED_TAG_KEYS: frozenset[str] = frozenset({"url", "error", "error_code", "proto", "tls_version", "check"})

_PCT = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")


def parse_key(key: str) -> tuple[str, TagSet]:
    """Split a k6 metric key into name and tag filter.

    >>> parse_key("http_req_duration{status:200,name:/x}")
    ('http_req_duration', (('name', '/x'), ('status', '200')))
    """
    key = key.strip()
    if "{" not in key or not key.endswith("}"):
        return key, ()
    name, _, inner = key.partition("{")
    pairs: dict[str, str] = {}
    for part in inner[:-1].split(","):
        if not part.strip():
            continue
        k, _, v = part.partition(":")
        pairs[k.strip()] = v.strip()
    return name.strip(), tagset(pairs)


def format_key(name: str, tags: TagSet) -> str:
    """The k6 key of a sub-metric: ``http_req_duration{status:200}``."""
    if not tags:
        return name
    return name + "{" + ",".join(f"{k}:{v}" for k, v in tags) + "}"


def _matching(metric: MetricSnapshot, tags: TagSet) -> list[object]:
    wanted = set(tags)
    return [s for ts, s in metric.series.items() if wanted.issubset(ts)]


def _trend(dist: Distribution, stats: Iterable[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for stat in stats:
        if stat == "count":
            out[stat] = float(dist.count)
        elif stat == "sum":
            out[stat] = float(dist.sum)
        elif stat == "avg":
            out[stat] = float(dist.mean)
        elif stat == "min":
            out[stat] = float(dist.min)
        elif stat == "max":
            out[stat] = float(dist.max)
        elif stat == "med":
            out[stat] = float(dist.percentile(50))
        elif m := _PCT.match(stat):
            out[stat] = float(dist.percentile(float(m.group(1))))
    return out


def metric_values(
    metric: MetricSnapshot,
    tags: Mapping[str, str] | TagSet | None = None,
    *,
    duration_s: float,
    trend_stats: Sequence[str] = DEFAULT_TREND_STATS,
) -> dict[str, float] | None:
    """Every number a report shows for ``metric`` (or its sub-metric); None when nothing matched.

    counter: count, rate (per second over ``duration_s``); gauge: value, min, max;
    rate: rate, passes, fails, total; trend: ``STORED_TREND_STATS`` plus ``trend_stats``.
    """
    key = tags if isinstance(tags, tuple) else tagset(tags)
    stats = tuple(dict.fromkeys([*STORED_TREND_STATS, *trend_stats]))
    if isinstance(metric, RecordedMetric):
        stored = metric.aggregates.get(key)
        if stored is None:
            return None
        return dict(stored)
    series = _matching(metric, key)
    if not series:
        return None
    if metric.type is MetricType.COUNTER:
        count = float(sum(s.total for s in series if isinstance(s, CounterSeries)))
        return {"count": count, "rate": count / duration_s if duration_s > 0 else 0.0}
    if metric.type is MetricType.RATE:
        passes = sum(s.passes for s in series if isinstance(s, RateSeries))
        total = sum(s.total for s in series if isinstance(s, RateSeries))
        return {
            "rate": passes / total if total else 0.0,
            "passes": float(passes),
            "fails": float(total - passes),
            "total": float(total),
        }
    if metric.type is MetricType.GAUGE:
        gauges = [s for s in series if isinstance(s, GaugeSeries)]
        value: float
        try:
            value = float(metric.select(dict(key)).stat("value"))
        except (NotImplementedError, KeyError, ValueError):
            # No registry aggregation available: one series per tag set; a plain
            # sum is right for the built-in gauges (vus per worker add up).
            value = float(sum(g.value for g in gauges))
        return {"value": value, "min": float(min(g.min for g in gauges)), "max": float(max(g.max for g in gauges))}
    dists = [s.dist for s in series if isinstance(s, TrendSeries)]
    if not dists or sum(d.count for d in dists) == 0:
        return None
    merged = functools.reduce(lambda a, b: a.merged(b), dists)
    return _trend(merged, stats)


def percentile_stats(values: Mapping[str, float], stats: Sequence[str]) -> list[tuple[str, float | None]]:
    """``[(stat, value-or-None)]`` in ``stats`` order (``med`` answered by ``p(50)`` and back)."""
    out: list[tuple[str, float | None]] = []
    for stat in stats:
        v = values.get(stat)
        if v is None and stat == "med":
            v = values.get("p(50)")
        if v is None and stat == "p(50)":
            v = values.get("med")
        out.append((stat, v))
    return out


def submetric_filters(metric: MetricSnapshot, *, per_key: int | None = None,
                      compact: bool = False) -> list[tuple[TagSet, int]]:
    """Single-tag sub-metrics worth showing, as ``[(filter, hidden_after_this_key)]``.

    A tag key whose every series carries the same value is skipped (its
    sub-metric equals the metric), except ``expected_response:true``, which k6
    always shows for ``http_req_duration``. ``per_key`` caps the values listed
    per key; the second element of the last entry of a key says how many
    values were left out (0 otherwise). ``compact`` (text and HTML) keeps
    ``expected_response`` for ``http_req_duration`` only, as k6 shows it.
    """
    if isinstance(metric, RecordedMetric):
        keysets = [ts for ts in metric.aggregates if len(ts) == 1]
        by_key: dict[str, list[str]] = {}
        for ((k, v),) in keysets:
            by_key.setdefault(k, []).append(v)
    else:
        by_key = {}
        for ts in metric.series:
            for k, v in ts:
                if k in SKIPPED_TAG_KEYS:
                    continue
                values = by_key.setdefault(k, [])
                if v not in values:
                    values.append(v)
    ordered = [k for k in PREFERRED_TAG_KEYS if k in by_key] + sorted(k for k in by_key if k not in PREFERRED_TAG_KEYS)
    out: list[tuple[TagSet, int]] = []
    for k in ordered:
        values = sorted(by_key[k])
        if k == "expected_response":
            values = [v for v in values if v == "true"]
            if compact and metric.name != "http_req_duration":
                continue
        elif len(values) == 1 and _everywhere(metric, k, values[0]):
            continue
        shown = values if per_key is None else values[:per_key]
        hidden = len(values) - len(shown)
        for i, v in enumerate(shown):
            out.append((((k, v),), hidden if i == len(shown) - 1 else 0))
    return out


def _everywhere(metric: MetricSnapshot, key: str, value: str) -> bool:
    """True when every series carries ``key=value``: that sub-metric is the metric itself."""
    if isinstance(metric, RecordedMetric):
        return False  # a stored result kept this sub-metric on purpose
    return all(dict(ts).get(key) == value for ts in metric.series)


def threshold_filters(snapshot_metric_names: Iterable[str], threshold_keys: Iterable[str]) -> dict[str, list[TagSet]]:
    """Sub-metric filters named by thresholds, per metric name (k6 shows these in every format)."""
    known = set(snapshot_metric_names)
    out: dict[str, list[TagSet]] = {}
    for key in threshold_keys:
        name, tags = parse_key(key)
        if tags and name in known and tags not in out.setdefault(name, []):
            out[name].append(tags)
    return out


def http_totals(snapshot: Snapshot) -> dict[str, float]:
    """The headline numbers (requests, failures, rps) used by the SLO and HTML reports."""
    dur = snapshot.duration_s
    reqs = snapshot.metrics.get("http_reqs")
    failed = snapshot.metrics.get("http_req_failed")
    rv = metric_values(reqs, duration_s=dur) if reqs else None
    fv = metric_values(failed, duration_s=dur) if failed else None
    count = rv["count"] if rv else (fv["total"] if fv else 0.0)
    return {
        "requests": count,
        "rps": (rv["rate"] if rv else (count / dur if dur > 0 else 0.0)),
        "failed": fv["passes"] if fv else 0.0,
        "error_rate": fv["rate"] if fv else 0.0,
    }
