"""``--html-report PATH``: one self-contained HTML file (inline CSS and SVG, no script, no CDN).

Sections: a pass/fail header, headline numbers, the threshold table and the
SLO compliance matrix (green/red), checks, charts over time (RPS; VUs target
vs actual; error rate; p50/p95/p99) from ``result.timeline``, then every
metric and sub-metric. Every piece of text from the run is HTML-escaped.
Locust's own ``--html`` report is untouched and can be written alongside.

>>> render(result, test_type="api_read_load")[:15]
b'<!DOCTYPE html>'
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from loadlib.metrics.snapshot import MetricSnapshot, MetricType, TagSet
from loadlib.outputs import slo, units
from loadlib.outputs.svg import Line, line_chart
from loadlib.outputs.text import format_observed
from loadlib.outputs.view import (
    DEFAULT_TREND_STATS,
    format_key,
    http_totals,
    metric_values,
    parse_key,
    percentile_stats,
    submetric_filters,
    threshold_filters,
)
from loadlib.results import RunResult

SUBMETRICS_PER_KEY = 25

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:0 20px 40px}
header{padding:18px 20px;color:#fff}
header.passed{background:#15803d}header.failed,header.error{background:#b91c1c}
header.interrupted,header.aborted{background:#b45309}
header h1{margin:0 0 4px;font-size:24px}header p{margin:0;opacity:.9}
h2{margin:28px 0 10px;font-size:18px}h3{margin:16px 0 6px;font-size:15px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.ok td.verdict,td.ok{background:#dcfce7;color:#166534;font-weight:600}
tr.fail td.verdict,td.fail{background:#fee2e2;color:#991b1b;font-weight:600}
td.none{color:#6b7280}tr.sub td:first-child{padding-left:24px;color:#374151}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #e5e7eb;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{font-size:12px;color:#6b7280}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
svg.chart{background:#fff;border:1px solid #e5e7eb;max-width:100%;height:auto}
svg .grid{stroke:#e5e7eb}svg .tick,svg .legend{font-size:10px;fill:#4b5563}svg .chart-title{font-size:12px;font-weight:600}
footer{color:#6b7280;font-size:12px;margin-top:24px}
"""


def _ts(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def render(result: RunResult, *, test_type: str | None = None,
           trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> bytes:
    """The report as UTF-8 bytes."""
    meta = result.meta
    title = f"{meta.test_name}: {result.status.upper()}"
    body: list[str] = []
    where = f"{meta.workers} workers" if meta.workers else "single process"
    body.append(
        f'<header class="{escape(result.status)}"><h1 id="status">{escape(result.status.upper())}</h1>'
        f"<p>{escape(meta.test_name)} · {escape(_ts(meta.started_at))} · "
        f"{escape(units.human_time(meta.duration_s * 1000))} · {escape(where)} · exit code {result.exit_code}"
        + (f" · host {escape(meta.host)}" if meta.host else "")
        + (" · <b>interrupted</b>" if meta.interrupted else "")
        + (" · <b>partial</b> (a worker was lost)" if meta.partial else "")
        + "</p></header><main>"
    )
    body.append(_cards(result))
    body.append(_thresholds(result))
    body.append(_slo_matrix(result, test_type or meta.test_name))
    body.append(_checks(result))
    body.append(_charts(result))
    body.append(_metrics(result, trend_stats))
    notes = "".join(f"<li>{escape(n)}</li>" for n in meta.notes)
    body.append(
        f"<footer>locustfile {escape(meta.locustfile)} · profile {escape(meta.profile or '-')} · scenarios "
        f"{escape(', '.join(meta.scenarios) or '-')} · loadlib {escape(meta.loadlib_version)}"
        + (f"<ul>{notes}</ul>" if notes else "") + "</footer></main>"
    )
    doc = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width,initial-scale=1">'
           f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n")
    return doc.encode("utf-8")


def _cards(result: RunResult) -> str:
    snap = result.snapshot
    t = http_totals(snap)
    d = snap.metrics.get("http_req_duration")
    dv = (metric_values(d, duration_s=snap.duration_s, trend_stats=("p(50)", "p(99)")) if d else None) or {}
    cards = [
        ("requests", f"{int(t['requests'])}"),
        ("requests/s", f"{t['rps']:.2f}"),
        ("error rate", units.percent(t["error_rate"])),
    ]
    for stat in ("p(50)", "p(95)", "p(99)"):
        v = dv.get(stat, dv.get("med") if stat == "p(50)" else None)
        cards.append((f"{stat} latency", units.human_time(v) if v is not None else "n/a"))
    return '<h2>Summary</h2><div class="cards">' + "".join(
        f'<div class="card"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for k, v in cards) + "</div>"


def _thresholds(result: RunResult) -> str:
    if not result.thresholds:
        return "<h2>Thresholds</h2><p>No thresholds were declared.</p>"
    rows = []
    for v in result.thresholds:
        metric = result.snapshot.metrics.get(parse_key(v.metric)[0])
        cls = "ok" if v.ok else "fail"
        rows.append(
            f'<tr class="threshold {cls}"><td>{escape(v.metric)}</td><td><code>{escape(v.expression)}</code></td>'
            f"<td>{escape(format_observed(v, metric))}</td>"
            f"<td>{'yes' if v.abort_on_fail else ''}</td>"
            f'<td class="verdict">{"✓ pass" if v.ok else "✗ FAIL"}</td></tr>'
        )
    return ("<h2>Thresholds</h2><table id=\"thresholds\"><tr><th>metric</th><th>threshold</th><th>observed</th>"
            "<th>abortOnFail</th><th>verdict</th></tr>" + "".join(rows) + "</table>")


def _slo_matrix(result: RunResult, test_type: str) -> str:
    doc = slo.build(result, test_type=test_type)
    rt = doc["metrics"]["response_times"]
    observed = {"p50_met": rt["p50"], "p95_met": rt["p95"], "p99_met": rt["p99"]}
    rows = []
    for key, met in doc["metrics"]["slo_compliance"].items():
        if key == "error_rate_met":
            value = units.percent(doc["metrics"]["error_rate"])
        else:
            value = units.human_time(observed[key]) if observed[key] is not None else "n/a"
        if met is None:
            cell = '<td class="none">no threshold</td>'
        else:
            cell = f'<td class="{"ok" if met else "fail"}">{"met" if met else "NOT MET"}</td>'
        rows.append(f'<tr class="slo"><td>{escape(key.removesuffix("_met"))}</td><td>{escape(value)}</td>{cell}</tr>')
    return ('<h2>SLO compliance</h2><table id="slo"><tr><th>SLO</th><th>observed</th><th>status</th></tr>'
            + "".join(rows) + "</table>")


def _checks(result: RunResult) -> str:
    checks = result.snapshot.checks
    if not checks:
        return "<h2>Checks</h2><p>No checks were recorded.</p>"
    rows = []
    for c in checks:
        n = c.passes + c.fails
        cls = "ok" if c.fails == 0 else "fail"
        rows.append(f'<tr class="check"><td>{escape(c.name)}</td><td class="num">{c.passes}</td>'
                    f'<td class="num">{c.fails}</td><td class="num">{units.percent(c.passes / n if n else 0)}</td>'
                    f'<td class="{cls}">{"✓" if c.fails == 0 else "✗"}</td></tr>')
    return ('<h2>Checks</h2><table id="checks"><tr><th>check</th><th>passes</th><th>fails</th><th>success</th>'
            "<th></th></tr>" + "".join(rows) + "</table>")


def _charts(result: RunResult) -> str:
    tl = result.timeline
    if not tl:
        return "<h2>Over time</h2><p>No timeline was recorded for this run.</p>"
    xs = [p.elapsed_s for p in tl]
    charts = [
        line_chart("rps", "Requests per second", [Line("rps", "#2563eb", list(zip(xs, [p.rps for p in tl], strict=True)))]
                   + ([Line("target rate", "#9ca3af", list(zip(xs, [p.target_rate for p in tl], strict=True)), dashed=True)]
                      if any(p.target_rate is not None for p in tl) else [])),
        line_chart("vus", "Virtual users (target vs actual)", [
            Line("actual", "#7c3aed", list(zip(xs, [float(p.vus) for p in tl], strict=True))),
            Line("target", "#9ca3af", list(zip(xs, [None if p.target_vus is None else float(p.target_vus) for p in tl],
                                               strict=True)), dashed=True),
        ]),
        line_chart("error_rate", "Error rate (%)", [
            Line("errors", "#dc2626", list(zip(xs, [p.error_rate * 100 for p in tl], strict=True)))],
            y_format=lambda v: f"{v:g}%"),
        line_chart("latency", "Response time p50 / p95 / p99", [
            Line("p50", "#16a34a", list(zip(xs, [p.p50 for p in tl], strict=True))),
            Line("p95", "#d97706", list(zip(xs, [p.p95 for p in tl], strict=True))),
            Line("p99", "#dc2626", list(zip(xs, [p.p99 for p in tl], strict=True))),
        ], y_format=units.human_time),
    ]
    return '<h2>Over time</h2><div class="charts">' + "".join(charts) + "</div>"


def _metrics(result: RunResult, trend_stats: Sequence[str]) -> str:
    snap = result.snapshot
    named = threshold_filters(snap.metrics, (v.metric for v in result.thresholds))
    out = ["<h2>Metrics</h2>"]
    by_type: dict[MetricType, list[MetricSnapshot]] = {}
    for name in sorted(snap.metrics):
        by_type.setdefault(snap.metrics[name].type, []).append(snap.metrics[name])
    for mtype, heads in ((MetricType.TREND, ["metric", *trend_stats, "count"]),
                         (MetricType.COUNTER, ["metric", "count", "rate"]),
                         (MetricType.RATE, ["metric", "rate", "passes", "fails"]),
                         (MetricType.GAUGE, ["metric", "value", "min", "max"])):
        metrics = by_type.get(mtype)
        if not metrics:
            continue
        rows = []
        for metric in metrics:
            filters: list[tuple[TagSet, int]] = [((), 0)] + [(t, 0) for t in named.get(metric.name, [])]
            filters += [f for f in submetric_filters(metric, per_key=SUBMETRICS_PER_KEY, compact=True)
                        if f[0] not in [t for t, _ in filters]]
            for tags, hidden in filters:
                values = metric_values(metric, tags, duration_s=snap.duration_s, trend_stats=trend_stats)
                if values is None:
                    continue
                label = format_key(metric.name, tags) if tags else metric.name
                cells = _cells(metric, values, trend_stats)
                rows.append(f'<tr class="{"sub" if tags else "metric"}"><td>{escape(label)}</td>'
                            + "".join(f'<td class="num">{escape(c)}</td>' for c in cells) + "</tr>")
                if hidden:
                    rows.append(f'<tr class="sub"><td colspan="{len(heads)}">… {hidden} more '
                                f"{escape(tags[0][0])} values in the result JSON</td></tr>")
        out.append(f"<h3>{_TYPE_TITLES[mtype]}</h3>"
                   f'<table class="metrics" data-type="{mtype.value}"><tr>'
                   + "".join(f"<th>{escape(h)}</th>" for h in heads) + "</tr>" + "".join(rows) + "</table>")
    return "".join(out)


_TYPE_TITLES = {MetricType.TREND: "Trends", MetricType.COUNTER: "Counters", MetricType.RATE: "Rates",
                MetricType.GAUGE: "Gauges"}


def _cells(metric: MetricSnapshot, values: dict[str, float], trend_stats: Sequence[str]) -> list[str]:
    c = metric.contains
    if metric.type is MetricType.TREND:
        cells = [units.human_value(v, c) if v is not None else "n/a" for _, v in percentile_stats(values, trend_stats)]
        return [*cells, f"{int(values.get('count', 0))}"]
    if metric.type is MetricType.COUNTER:
        return [units.human_value(values["count"], c), units.human_rate(values["rate"], c)]
    if metric.type is MetricType.RATE:
        return [units.percent(values["rate"]), f"{int(values['passes'])}", f"{int(values['fails'])}"]
    return [units.human_value(values[k], c) for k in ("value", "min", "max")]
