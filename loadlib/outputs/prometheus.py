"""Prometheus exposition of a registry snapshot: metric families for prometheus-client.

Pure functions over ``loadlib.metrics.snapshot.Snapshot`` (no Locust, no
server): ``families(snapshot, verdicts, info)`` builds every family and
``SnapshotCollector`` calls a source at each scrape, so Prometheus always
sees the merged truth at that instant. The hub (``plugin.live``) serves it.

Naming (documented in the README): every metric is prefixed ``loadlib_``;
each series' tags become labels (``name``, ``method``, ``status``,
``scenario``, ``expected_response``, ``check``, custom tags...; a metric's
series all carry the union of its tag keys, missing ones as ""). Time values
are exported in seconds, data in bytes.

=================  ==========================================================================
k6 type            families
=================  ==========================================================================
Counter            ``loadlib_<name>_total`` (``_bytes_total`` for data, ``_seconds_total`` time)
Gauge              ``loadlib_<name>`` (``vus``, ``vus_max``, custom gauges)
Rate               ``loadlib_<name>_rate`` (gauge 0..1), ``loadlib_<name>_passes_total``,
                   ``loadlib_<name>_fails_total`` (``http_req_failed``: passes are failures)
Trend              summary ``loadlib_<name>_seconds{quantile=...}`` (+ ``_sum``, ``_count``;
                   quantiles from the HDR histogram: exact to 0.05 %) and histogram
                   ``loadlib_<name>_hist_seconds_bucket{le=...}``; non-time trends drop
                   ``_seconds``
thresholds         ``loadlib_threshold_ok{metric,threshold}`` 1/0, ``loadlib_threshold_observed``
run                ``loadlib_run_info{test,profile,role}``, ``loadlib_workers``,
                   ``loadlib_run_partial``, ``loadlib_run_duration_seconds``
generators         ``loadlib_generator_cpu_percent{process}``, ``loadlib_generator_memory_bytes{process}``
                   (the master / local process and each worker, from Locust's heartbeats)
=================  ==========================================================================

>>> from prometheus_client import CollectorRegistry, generate_latest
>>> reg = CollectorRegistry()
>>> reg.register(SnapshotCollector(lambda: (snapshot, verdicts, {"role": "local"})))
>>> b"loadlib_http_reqs_total" in generate_latest(reg)
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from loadlib.metrics.snapshot import (
    CounterSeries,
    GaugeSeries,
    MetricSnapshot,
    MetricType,
    RateSeries,
    Snapshot,
    TrendSeries,
    ValueKind,
)
from loadlib.results import ThresholdVerdict

PREFIX = "loadlib_"
QUANTILES: tuple[float, ...] = (0.5, 0.9, 0.95, 0.99)
# Histogram bucket bounds in the metric's unit (seconds for time trends): Prometheus' defaults, widened.
BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                              30.0, 60.0)
_RESERVED = {"le", "quantile", "__name__"}
_BAD = re.compile(r"[^a-zA-Z0-9_]")

Source = Callable[[], tuple[Snapshot, Sequence[ThresholdVerdict], Mapping[str, object]]]


def label_name(tag: str) -> str:
    """A Prometheus label name for a tag key (invalid characters -> '_', reserved names prefixed)."""
    out = _BAD.sub("_", tag) or "_"
    if out[0].isdigit():
        out = "_" + out
    if out in _RESERVED or out.startswith("__"):
        out = "tag_" + out.lstrip("_")
    return out


def metric_base(name: str) -> str:
    return PREFIX + _BAD.sub("_", name)


def _labels(m: MetricSnapshot) -> tuple[list[str], list[str]]:
    """(tag keys, label names) of a metric: the union of its series' tag keys, sorted."""
    keys = sorted({k for ts in m.series for k, _ in ts})
    return keys, [label_name(k) for k in keys]


def _values(keys: list[str], tags: Iterable[tuple[str, str]]) -> list[str]:
    d = dict(tags)
    return [d.get(k, "") for k in keys]


def _scale(m: MetricSnapshot) -> tuple[float, str]:
    """Multiplier from loadlib's unit (ms / bytes) to Prometheus' (s / bytes), and the unit suffix."""
    if m.contains is ValueKind.TIME:
        return 0.001, "_seconds"
    if m.contains is ValueKind.DATA:
        return 1.0, "_bytes"
    return 1.0, ""


def metric_families(m: MetricSnapshot) -> list[Metric]:
    """The families one metric of the registry becomes (see the module docstring's table)."""
    keys, names = _labels(m)
    base = metric_base(m.name)
    scale, unit = _scale(m)
    doc = f"k6 {m.type.value} {m.name}"
    if m.type is MetricType.COUNTER:
        c = CounterMetricFamily(base + unit, doc, labels=names)
        for ts, s in m.series.items():
            assert isinstance(s, CounterSeries)
            c.add_metric(_values(keys, ts), s.total * scale)
        return [c]
    if m.type is MetricType.GAUGE:
        g = GaugeMetricFamily(base + unit, doc, labels=names)
        for ts, s in m.series.items():
            assert isinstance(s, GaugeSeries)
            g.add_metric(_values(keys, ts), s.value * scale)
        return [g]
    if m.type is MetricType.RATE:
        rate = GaugeMetricFamily(base + "_rate", doc + " (share of non-zero samples)", labels=names)
        passes = CounterMetricFamily(base + "_passes", doc + " non-zero samples", labels=names)
        fails = CounterMetricFamily(base + "_fails", doc + " zero samples", labels=names)
        for ts, s in m.series.items():
            assert isinstance(s, RateSeries)
            v = _values(keys, ts)
            rate.add_metric(v, s.passes / s.total if s.total else 0.0)
            passes.add_metric(v, float(s.passes))
            fails.add_metric(v, float(s.fails))
        return [rate, passes, fails]
    return _trend(m, keys, names, base + unit, scale, doc)


def _trend(m: MetricSnapshot, keys: list[str], names: list[str], name: str, scale: float, doc: str) -> list[Metric]:
    summary = Metric(name, doc + " (quantiles over the whole run, from the merged HDR histogram)", "summary")
    hist_name = name[: -len("_seconds")] + "_hist_seconds" if name.endswith("_seconds") else name + "_hist"
    hist = HistogramMetricFamily(hist_name, doc + " (cumulative buckets)", labels=names)
    for ts, s in m.series.items():
        assert isinstance(s, TrendSeries)
        labels = dict(zip(names, _values(keys, ts), strict=True))
        dist = s.dist
        if dist.count:
            for q in QUANTILES:
                summary.add_sample(name, {**labels, "quantile": _fmt(q)}, dist.percentile(q * 100) * scale)
        summary.add_sample(name + "_count", labels, float(dist.count))
        summary.add_sample(name + "_sum", labels, float(dist.sum) * scale if dist.count else 0.0)
        buckets = _buckets(dist, scale)
        if buckets is not None:
            hist.add_metric(list(labels.values()), buckets, float(dist.sum) * scale if dist.count else 0.0)
    return [summary, hist]


def _buckets(dist: Any, scale: float) -> list[tuple[str, float]] | None:
    """Cumulative counts at each bound from the HDR buckets (None for a distribution without buckets)."""
    counts = getattr(dist, "counts", None)
    if counts is None:
        return None
    from loadlib.metrics.histogram import bucket_value_ms

    bounds = [b / scale for b in BUCKETS]  # in ms (or raw units)
    cum = [0] * len(bounds)
    for key, n in counts.items():
        v = bucket_value_ms(key)
        for i, b in enumerate(bounds):
            if v <= b:
                cum[i] += n
                break
    out: list[tuple[str, float]] = []
    running = 0
    for b, n in zip(BUCKETS, cum, strict=True):
        running += n
        out.append((_fmt(b), float(running)))
    out.append(("+Inf", float(dist.count)))
    return out


def _fmt(x: float) -> str:
    return repr(float(x))


def threshold_families(verdicts: Sequence[ThresholdVerdict]) -> list[Metric]:
    ok = GaugeMetricFamily(PREFIX + "threshold_ok", "1 while the threshold passes, 0 when it fails",
                           labels=["metric", "threshold", "aggregation"])
    observed = GaugeMetricFamily(PREFIX + "threshold_observed",
                                 "the value the threshold judged (metric units: ms for time)",
                                 labels=["metric", "threshold", "aggregation"])
    for v in verdicts:
        labels = [v.metric, v.expression, v.aggregation]
        ok.add_metric(labels, 1.0 if v.ok else 0.0)
        if v.observed is not None:
            observed.add_metric(labels, float(v.observed))
    return [ok, observed]


def run_families(snapshot: Snapshot, info: Mapping[str, object]) -> list[Metric]:
    run = GaugeMetricFamily(PREFIX + "run_info", "the run (always 1)", labels=["test", "profile", "role"])
    run.add_metric([str(info.get("test") or ""), str(info.get("profile") or ""), str(info.get("role") or "")], 1.0)
    workers = GaugeMetricFamily(PREFIX + "workers", "workers whose data the master has merged",
                                value=float(info.get("workers") or snapshot.extra.get("workers") or 0))  # type: ignore[arg-type]
    partial = GaugeMetricFamily(PREFIX + "run_partial", "1 once a worker was lost mid-run",
                                value=1.0 if info.get("partial") else 0.0)
    duration = GaugeMetricFamily(PREFIX + "run_duration_seconds", "seconds since the run started",
                                 value=float(snapshot.duration_s))
    cpu = GaugeMetricFamily(PREFIX + "generator_cpu_percent", "CPU use of each load-generator process (one core = 100)",
                            labels=["process"])
    mem = GaugeMetricFamily(PREFIX + "generator_memory_bytes", "resident memory of each load-generator process",
                            labels=["process"])
    usage = info.get("usage") or ()
    for name, cpu_pct, rss in usage:  # type: ignore[attr-defined]
        cpu.add_metric([str(name)], float(cpu_pct))
        mem.add_metric([str(name)], float(rss))
    return [run, workers, partial, duration, cpu, mem]


def families(snapshot: Snapshot, verdicts: Sequence[ThresholdVerdict] = (),
             info: Mapping[str, object] | None = None) -> list[Metric]:
    """Every family for one snapshot, its threshold verdicts and run facts."""
    out: list[Metric] = []
    for name in sorted(snapshot.metrics):
        out.extend(metric_families(snapshot.metrics[name]))
    out.extend(threshold_families(verdicts))
    out.extend(run_families(snapshot, info or {}))
    return out


class SnapshotCollector:
    """A prometheus-client collector that renders ``source()`` at every scrape."""

    def __init__(self, source: Source) -> None:
        self._source = source

    def describe(self) -> list[Metric]:
        return []  # names vary with the run's metrics: no up-front description (no collect at register)

    def collect(self) -> Iterator[Metric]:
        snapshot, verdicts, info = self._source()
        yield from families(snapshot, verdicts, info)


def exposed_names(metrics: Iterable[Metric]) -> set[str]:
    """Every sample name the families produce (``_total``, ``_bucket``, ... included): for dashboard checks."""
    from prometheus_client import CollectorRegistry, generate_latest

    class _Fixed:
        def __init__(self, ms: list[Metric]) -> None:
            self.ms = ms

        def collect(self) -> list[Metric]:
            return self.ms

        def describe(self) -> list[Metric]:
            return []

    reg = CollectorRegistry()
    reg.register(_Fixed(list(metrics)))
    names = set()
    for line in generate_latest(reg).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names
