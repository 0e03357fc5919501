"""The suite's combined ``report.html``: one self-contained page (inline CSS, no script, no CDN).

Sections, as seed 001's ``load-test-report.html``: an executive summary
(overall PASS/FAIL, tests passed/failed, total requests, overall error rate,
worst p95), the results table with a status badge per test, the SLO
compliance matrix across tests (p50/p95/p99/error rate: green met, red
missed, grey no such threshold), the failed thresholds per test, and a link
to each test's own HTML and JSON report (relative: the folder can be moved or
uploaded as a CI artifact). Every text from the run is HTML-escaped.

Each result row carries ``id="entry-NAME"`` and ``data-status="passed|failed|..."``
so a browser test (or a scraper) can read every entry's status.

>>> render(result)[:15]  # doctest: +SKIP
b'<!DOCTYPE html>'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from loadlib.suites.result import SLO_KEYS, EntryResult, SuiteResult

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1200px;margin:0 auto;padding:0 20px 40px}
header{padding:18px 20px;color:#fff}header.passed{background:#15803d}header.failed,header.interrupted{background:#b91c1c}
header h1{margin:0 0 4px;font-size:24px}header p{margin:0;opacity:.92}
h2{margin:28px 0 10px;font-size:18px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-weight:700;font-size:12px;color:#fff}
.badge.passed{background:#16a34a}.badge.failed{background:#dc2626}.badge.error{background:#7c2d12}
.badge.interrupted,.badge.aborted{background:#d97706}.badge.skipped{background:#6b7280}
td.met{background:#dcfce7;color:#166534;font-weight:600;text-align:center}
td.missed{background:#fee2e2;color:#991b1b;font-weight:600;text-align:center}
td.none{background:#f3f4f6;color:#6b7280;text-align:center}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #e5e7eb;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:20px}.card b .badge{font-size:15px;padding:3px 10px}.card span{font-size:12px;color:#6b7280}
ul.fails{margin:0;padding-left:18px}footer{color:#6b7280;font-size:12px;margin-top:24px}
"""
_SLO_LABELS = {"p50_met": "p50", "p95_met": "p95", "p99_met": "p99", "error_rate_met": "error rate"}


def _ts(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _num(value: Any, fmt: str, suffix: str = "") -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "–"
    return f"{value:{fmt}}{suffix}"


def _times(e: EntryResult) -> Mapping[str, Any]:
    rt = e.metrics.get("response_times")
    return rt if isinstance(rt, Mapping) else {}


def _badge(status: str) -> str:
    return f'<span class="badge {escape(status)}">{escape(status.upper())}</span>'


def totals(result: SuiteResult) -> dict[str, float | None]:
    """Executive-summary numbers across the entries that ran."""
    requests = 0.0
    failures = 0.0
    worst_p95: float | None = None
    for e in result.entries:
        n = e.metrics.get("requests_total")
        rate = e.metrics.get("error_rate")
        if isinstance(n, int | float):
            requests += n
            if isinstance(rate, int | float):
                failures += n * rate
        p95 = _times(e).get("p95")
        if isinstance(p95, int | float):
            worst_p95 = p95 if worst_p95 is None else max(worst_p95, p95)
    return {"requests": requests, "error_rate": failures / requests if requests else None, "worst_p95": worst_p95}


def render(result: SuiteResult) -> bytes:
    """The whole page as UTF-8 bytes."""
    status = result.status
    title = f"Suite {result.suite}: {status.upper()}"
    env = f" · environment {escape(result.environment)}" if result.environment else ""
    host = f" · target {escape(result.host)}" if result.host else ""
    scale = f" · time scale ×{result.time_scale:g}" if result.time_scale != 1 else ""
    body = [
        f'<header class="{escape(status)}"><h1>{escape(title)}</h1>'
        f"<p>{escape(result.description)}</p>"
        f"<p>{_ts(result.started_at)} · {result.duration_s:.1f} s{env}{host}{scale} · exit code {result.exit_code}</p>"
        "</header><main>",
        _summary(result),
        _results(result),
        _slo_matrix(result),
        _failures(result),
        f"<footer>loadlib suite {escape(result.suite)} ({escape(result.source)}). Exit code rule: the most severe "
        "entry code, 0 &lt; 99 &lt; 107 &lt; 108 &lt; 104 &lt; 105.</footer></main>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
            ).encode()


def _summary(result: SuiteResult) -> str:
    counts = result.counts()
    t = totals(result)
    verdict = "All tests passed their thresholds." if result.passed else (
        f"{counts['failed']} test(s) failed their thresholds, {counts['error']} errored, "
        f"{counts['skipped']} skipped.")
    cards = [
        (_badge(result.status), "overall"),
        (f"{counts['passed']} / {len(result.entries)}", "tests passed"),
        (_num(t["requests"], ",.0f"), "requests"),
        (_num(None if t["error_rate"] is None else t["error_rate"] * 100, ".3f", " %"), "error rate"),
        (_num(t["worst_p95"], ".1f", " ms"), "worst p95"),
        (f"{result.duration_s:.1f} s", "duration"),
    ]
    html = "".join(f'<div class="card"><b>{v}</b><span>{escape(k)}</span></div>' for v, k in cards)
    return f'<h2 id="summary">Executive summary</h2><p>{escape(verdict)}</p><div class="cards">{html}</div>'


def _links(e: EntryResult) -> str:
    parts = []
    for kind, label in (("html", "report"), ("json", "JSON"), ("slo", "SLO"), ("log", "log")):
        if kind in e.reports:
            parts.append(f'<a href="{escape(e.reports[kind], quote=True)}">{label}</a>')
    return " · ".join(parts) or "–"


def _results(result: SuiteResult) -> str:
    head = ("<tr><th>#</th><th>Test</th><th>Status</th><th>Exit</th><th>Requests</th><th>RPS</th>"
            "<th>Error rate</th><th>p50</th><th>p95</th><th>p99</th><th>Failed thresholds</th>"
            "<th>Duration</th><th>Reports</th></tr>")
    rows = []
    for i, e in enumerate(result.entries, 1):
        rt = _times(e)
        rate = e.metrics.get("error_rate")
        desc = f"<br><small>{escape(e.description)}</small>" if e.description else ""
        rows.append(
            f'<tr id="entry-{escape(e.name, quote=True)}" data-status="{e.verdict}">'
            f"<td>{i}</td><td><b>{escape(e.name)}</b>{desc}</td><td>{_badge(e.verdict)}</td>"
            f'<td class="num">{"–" if e.exit_code is None else e.exit_code}</td>'
            f'<td class="num">{_num(e.metrics.get("requests_total"), ",.0f")}</td>'
            f'<td class="num">{_num(e.metrics.get("requests_per_second"), ".1f")}</td>'
            f'<td class="num">{_num(None if not isinstance(rate, int | float) else rate * 100, ".3f", " %")}</td>'
            + "".join(f'<td class="num">{_num(rt.get(k), ".1f", " ms")}</td>' for k in ("p50", "p95", "p99"))
            + f'<td class="num">{len(e.failed_thresholds) if e.thresholds else "–"}</td>'
            f'<td class="num">{e.duration_s:.1f} s</td><td>{_links(e)}</td></tr>')
    return f'<h2 id="results">Test results</h2><table class="results">{head}{"".join(rows)}</table>'


def _slo_matrix(result: SuiteResult) -> str:
    head = "<tr><th>Test</th>" + "".join(f"<th>{_SLO_LABELS[k]}</th>" for k in SLO_KEYS) + "<th>All thresholds</th></tr>"
    rows = []
    for e in result.entries:
        cells = []
        for k in SLO_KEYS:
            met = e.slo_compliance.get(k)
            cls, text = ("none", "–") if met is None else (("met", "✓ met") if met else ("missed", "✗ missed"))
            cells.append(f'<td class="{cls}">{text}</td>')
        if e.thresholds:
            ok = not e.failed_thresholds
            cells.append(f'<td class="{"met" if ok else "missed"}">'
                         f'{len(e.thresholds) - len(e.failed_thresholds)}/{len(e.thresholds)} met</td>')
        else:
            cells.append('<td class="none">–</td>')
        rows.append(f"<tr><td>{escape(e.name)}</td>{''.join(cells)}</tr>")
    return (f'<h2 id="slo">SLO compliance matrix</h2><table class="slo">{head}{"".join(rows)}</table>'
            "<p><small>From each test's thresholds on http_req_duration (p50/p95/p99) and http_req_failed "
            "(rate); – means the test declares no such threshold.</small></p>")


def _failures(result: SuiteResult) -> str:
    items = []
    for e in result.entries:
        fails = [f"<li><code>{escape(str(t.get('metric')))}: {escape(str(t.get('expression')))}</code>"
                 f" observed {escape(_observed(t.get('observed')))}</li>" for t in e.failed_thresholds]
        if e.message:
            fails.append(f"<li>{escape(e.message)}</li>")
        if fails:
            items.append(f"<tr><td>{escape(e.name)}</td><td>{_badge(e.verdict)}</td>"
                         f'<td><ul class="fails">{"".join(fails)}</ul></td></tr>')
    if not items:
        return '<h2 id="failures">Failures</h2><p>None.</p>'
    return ('<h2 id="failures">Failures</h2><table class="failures"><tr><th>Test</th><th>Status</th>'
            f"<th>What failed</th></tr>{''.join(items)}</table>")


def _observed(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "no data"
    return f"{value:.4g}"
