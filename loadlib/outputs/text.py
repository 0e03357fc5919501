"""The end-of-test text summary, in k6's layout.

Blocks, in k6's order: THRESHOLDS (``✓ 'p(95)<500' p(95)=41.2ms``), TOTAL
RESULTS (checks_total / succeeded / failed and each check ✓/✗), then CUSTOM,
HTTP, EXECUTION and NETWORK metric rows. Beyond k6, sub-metrics (per name,
method, status, scenario, ``{expected_response:true}``) are listed without
any threshold naming them, at most ``SUBMETRICS_PER_KEY`` values per tag key
followed by ``... N more``; the result JSON keeps them all.

>>> print(render(result).decode())  # doctest: +SKIP
  █ THRESHOLDS
    http_req_duration
    ✓ 'p(95)<500' p(95)=41.2ms
"""

from __future__ import annotations

from collections.abc import Sequence

from loadlib.metrics.snapshot import MetricSnapshot, MetricType, TagSet, ValueKind
from loadlib.outputs import units
from loadlib.outputs.view import (
    DEFAULT_TREND_STATS,
    metric_values,
    parse_key,
    percentile_stats,
    submetric_filters,
    threshold_filters,
)
from loadlib.results import RunResult, ThresholdVerdict

SUBMETRICS_PER_KEY = 8

HTTP_METRICS = (
    "http_req_blocked",
    "http_req_connecting",
    "http_req_duration",
    "http_req_failed",
    "http_req_receiving",
    "http_req_sending",
    "http_req_tls_handshaking",
    "http_req_waiting",
    "http_reqs",
)
EXECUTION_METRICS = ("dropped_iterations", "group_duration", "iteration_duration", "iterations", "vus", "vus_max")
NETWORK_METRICS = ("data_received", "data_sent")
# Metrics whose sub-metrics are listed automatically (the rest only when a threshold names one).
SUBMETRIC_PARENTS = ("http_req_duration", "http_req_failed", "http_reqs", "iteration_duration")

OK_MARK = "✓"
FAIL_MARK = "✗"


def render(result: RunResult, *, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> bytes:
    """The whole summary as UTF-8 text; ``trend_stats`` is the profile's ``summaryTrendStats``."""
    lines: list[str] = [""]
    lines += _status_block(result)
    if result.thresholds:
        lines += _thresholds_block(result)
    lines += _totals_block(result, trend_stats)
    from loadlib.redact import redact_bytes

    return redact_bytes(("\n".join(lines) + "\n").encode("utf-8"))  # no secret reaches the console


def _status_block(result: RunResult) -> list[str]:
    meta = result.meta
    where = f"{meta.workers} workers" if meta.workers else "local"
    line = f"  █ RESULT: {result.status.upper()} (exit code {result.exit_code})  {meta.test_name}, "
    line += f"{units.human_time(meta.duration_s * 1000)}, {where}"
    out = [line]
    if meta.interrupted:
        out.append("    run interrupted by a signal: the numbers cover the run up to the interruption")
    if meta.partial:
        out.append("    partial: a worker was lost; its last reported data is included")
    out += [f"    note: {n}" for n in meta.notes]
    return [*out, ""]


def format_observed(verdict: ThresholdVerdict, metric: MetricSnapshot | None) -> str:
    """``p(95)=148.21ms`` / ``rate=0.23%``: the observed value of a threshold, in its metric's unit."""
    if verdict.observed is None:
        return f"{verdict.aggregation}=n/a (no samples)"
    value = verdict.observed
    if metric is not None and metric.type is MetricType.RATE and verdict.aggregation == "rate":
        text = units.percent(value)
    elif metric is not None and metric.type is MetricType.COUNTER and verdict.aggregation == "rate":
        text = units.human_rate(value, metric.contains)
    elif metric is not None and verdict.aggregation != "rate":
        text = units.human_value(value, metric.contains)
    else:
        text = units.human_value(value, ValueKind.DEFAULT)
    return f"{verdict.aggregation}={text}"


def _thresholds_block(result: RunResult) -> list[str]:
    lines = ["  █ THRESHOLDS", ""]
    order: list[str] = []
    grouped: dict[str, list[ThresholdVerdict]] = {}
    for v in result.thresholds:
        if v.metric not in grouped:
            order.append(v.metric)
        grouped.setdefault(v.metric, []).append(v)
    for key in order:
        name, _ = parse_key(key)
        metric = result.snapshot.metrics.get(name)
        lines.append(f"    {key}")
        for v in grouped[key]:
            mark = OK_MARK if v.ok else FAIL_MARK
            extra = " (abortOnFail)" if v.abort_on_fail and not v.ok else ""
            lines.append(f"    {mark} '{v.expression}' {format_observed(v, metric)}{extra}")
        lines.append("")
    return [*lines, ""]


def _totals_block(result: RunResult, trend_stats: Sequence[str]) -> list[str]:
    snap = result.snapshot
    rows: list[tuple[str, str]] = []
    lines = ["  █ TOTAL RESULTS", ""]
    passes = sum(c.passes for c in snap.checks)
    fails = sum(c.fails for c in snap.checks)
    total = passes + fails
    check_rows: list[str] = []
    if snap.checks:
        dur = snap.duration_s
        rows = [
            ("checks_total", f"{total:<7} {total / dur if dur > 0 else 0.0:.6f}/s"),
            ("checks_succeeded", f"{units.percent(passes / total if total else 0.0):<7} {passes} out of {total}"),
            ("checks_failed", f"{units.percent(fails / total if total else 0.0):<7} {fails} out of {total}"),
        ]
        for c in snap.checks:
            n = c.passes + c.fails
            if c.fails == 0:
                check_rows.append(f"    {OK_MARK} {c.name}")
            else:
                check_rows.append(f"    {FAIL_MARK} {c.name}")
                pct = round(100 * c.passes / n) if n else 0
                check_rows.append(f"      ↳  {pct}% — {OK_MARK} {c.passes} / {FAIL_MARK} {c.fails}")
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    by_thr = threshold_filters(snap.metrics, (v.metric for v in result.thresholds))
    names = sorted(n for n in snap.metrics if n != "checks")
    groups = {
        "CUSTOM": [n for n in names if n not in (*HTTP_METRICS, *EXECUTION_METRICS, *NETWORK_METRICS)],
        "HTTP": [n for n in names if n in HTTP_METRICS],
        "EXECUTION": [n for n in names if n in EXECUTION_METRICS],
        "NETWORK": [n for n in names if n in NETWORK_METRICS],
    }
    for title, members in groups.items():
        section_rows: list[tuple[str, str]] = []
        for name in members:
            section_rows += _metric_rows(snap.metrics[name], snap.duration_s, trend_stats,
                                         by_thr.get(name, []), auto=title == "CUSTOM" or name in SUBMETRIC_PARENTS)
        if section_rows:
            sections.append((title, section_rows))
    width = max([len(label) for label, _ in rows] + [len(label) for _, sr in sections for label, _ in sr] + [20]) + 3
    for label, value in rows:
        lines.append(f"    {_dots(label, width)}: {value}")
    if check_rows:
        lines += ["", *check_rows]
    if not rows:
        lines.append("    (no checks recorded)")
    for title, section_rows in sections:
        lines += ["", f"    {title}"]
        for label, value in section_rows:
            lines.append(f"    {_dots(label, width)}" + (f": {value}" if value else ""))
    return lines


def _dots(label: str, width: int) -> str:
    return label + "." * max(3, width - len(label))


def _metric_rows(metric: MetricSnapshot, duration_s: float, trend_stats: Sequence[str],
                 named: list[TagSet], *, auto: bool) -> list[tuple[str, str]]:
    values = metric_values(metric, duration_s=duration_s, trend_stats=trend_stats)
    if values is None:
        return []
    rows = [(metric.name, _format_row(metric, values, trend_stats))]
    filters: list[tuple[TagSet, int]] = [(t, 0) for t in named]
    if auto:
        filters += [f for f in submetric_filters(metric, per_key=SUBMETRICS_PER_KEY, compact=True) if f[0] not in named]
    for tags, hidden in filters:
        sub = metric_values(metric, tags, duration_s=duration_s, trend_stats=trend_stats)
        if sub is not None:
            label = "  { " + ", ".join(f"{k}:{v}" for k, v in tags) + " }"
            rows.append((label, _format_row(metric, sub, trend_stats)))
        if hidden:
            rows.append((f"  ... {hidden} more {tags[0][0]} values (see the result JSON)", ""))
    return rows


def _format_row(metric: MetricSnapshot, values: dict[str, float], trend_stats: Sequence[str]) -> str:
    c = metric.contains
    if metric.type is MetricType.TREND:
        cells = []
        for stat, v in percentile_stats(values, trend_stats):
            cells.append(f"{stat}={units.human_value(v, c) if v is not None else 'n/a'}".ljust(15))
        return " ".join(cells).rstrip()
    if metric.type is MetricType.COUNTER:
        return f"{units.human_value(values['count'], c):<7} {units.human_rate(values['rate'], c)}"
    if metric.type is MetricType.RATE:
        return f"{units.percent(values['rate']):<7} {int(values['passes'])} out of {int(values.get('total', 0))}"
    return (f"{units.human_value(values['value'], c):<7} min={units.human_value(values['min'], c):<7} "
            f"max={units.human_value(values['max'], c)}")
