"""The benchmark's pure parts: parsing each generator's report, ratios, targets, the table."""

from __future__ import annotations

import json

import pytest
from common import (
    MB,
    Measurement,
    check_targets,
    comparisons,
    layer_overhead,
    parse_json_line,
    parse_k6_summary,
    parse_locust_stats_csv,
    percentile,
    render_table,
    results_document,
    steady_state,
)

K6_SUMMARY = {
    "metrics": {
        "http_reqs": {"type": "counter", "contains": "default", "values": {"count": 151234, "rate": 10082.2}},
        "http_req_failed": {"type": "rate", "values": {"rate": 0.001, "passes": 12, "fails": 151222}},
        "http_req_duration": {"type": "trend", "values": {"avg": 2.1, "p(95)": 4.25, "max": 30.0}},
        "checks": {"type": "rate", "values": {"rate": 0.75, "passes": 3, "fails": 1}},
    }
}

LOCUST_CSV = (
    'Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,'
    'Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,'
    '99.99%,100%\n'
    'GET,hello,3000,2,3,3.4,0.5,40,40.0,200.1,0.1,3,4,4,4,5,7,9,11,30,40,40\n'
    ',Aggregated,3000,2,3,3.4,0.5,40,40.0,200.1,0.1,3,4,4,4,5,7,9,11,30,40,40\n'
)


def test_k6_summary_counts_failures_and_checks() -> None:
    r = parse_k6_summary(json.dumps(K6_SUMMARY))
    assert (r.requests, r.failures, r.p95_ms, r.checks_passed) == (151234, 12, 4.25, 0.75)


def test_k6_summary_export_format_without_values_nesting() -> None:
    legacy = {"metrics": {"http_reqs": {"count": 9}, "http_req_duration": {"p(95)": 1.5}}}
    r = parse_k6_summary(json.dumps(legacy))
    assert (r.requests, r.p95_ms, r.checks_passed) == (9, 1.5, None)


def test_locust_csv_reads_the_aggregated_row() -> None:
    r = parse_locust_stats_csv(LOCUST_CSV)
    assert (r.requests, r.failures, r.p95_ms) == (3000, 2, 7.0)


def test_locust_csv_without_aggregated_row_is_an_error() -> None:
    with pytest.raises(ValueError, match="Aggregated"):
        parse_locust_stats_csv(LOCUST_CSV.splitlines()[0] + "\n")


def test_locust_csv_with_no_requests_has_no_p95() -> None:
    head = LOCUST_CSV.splitlines()[0]
    r = parse_locust_stats_csv(head + "\n,Aggregated,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n")
    assert r.requests == 0 and r.p95_ms is None


def test_bare_loop_line_is_found_among_noise() -> None:
    out = "warning: x\nBENCH {\"requests\": 1}\nBENCH {\"requests\": 5, \"p95_ms\": 2.0}\ntrailing\n"
    assert parse_json_line(out, "BENCH ") == {"requests": 5, "p95_ms": 2.0}
    with pytest.raises(ValueError):
        parse_json_line("nothing here", "BENCH ")


def test_percentile_is_nearest_rank() -> None:
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 95) is None


def m(gen: str, requests: int, cpu: float, scenario: str = "hello", rss_mb: float = 50, vus: int = 50,
      **kw: object) -> Measurement:
    return Measurement(scenario, gen, requests=requests, cpu_seconds=cpu, wall_seconds=15.0,
                       peak_rss_bytes=int(rss_mb * MB), vus=vus, **kw)  # type: ignore[arg-type]


def test_derived_rates() -> None:
    row = m("k6", 150_000, 15.0, rss_mb=100, vus=2000)
    assert row.req_per_cpu_second == 10_000
    assert row.req_per_second == 10_000
    assert row.rss_per_vu_bytes == 100 * MB / 2000


def test_unavailable_rows_have_no_rates() -> None:
    row = Measurement("hello", "loadlib", status="unavailable", note="not landed")
    assert not row.ok and row.req_per_cpu_second is None and row.rss_per_vu_bytes is None


def test_layer_overhead_is_extra_cpu_per_request() -> None:
    bare = m("locust-fast", 30_000, 10.0)
    assert layer_overhead(m("loadlib-layer", 30_000, 10.5), bare) == pytest.approx(0.05)
    # fewer requests in the same CPU is overhead too
    assert layer_overhead(m("loadlib-layer", 25_000, 10.0), bare) == pytest.approx(0.2)
    assert layer_overhead(Measurement("hello", "loadlib-layer", status="failed"), bare) is None


def test_comparisons_use_loadlib_fastuser_when_present_else_the_layer() -> None:
    rows = [m("k6", 150_000, 15.0, rss_mb=75), m("locust-fast", 45_000, 15.0, rss_mb=50),
            m("loadlib-layer", 40_000, 15.0, rss_mb=55), m("loadlib", 90_000, 15.0, rss_mb=25)]
    by = {c.other: c for c in comparisons(rows)}
    assert set(by) == {"k6", "locust-fast"}
    assert by["k6"].loadlib == "loadlib"
    assert by["k6"].efficiency == pytest.approx(0.6)  # 6,000 / 10,000 req per CPU-s
    assert by["locust-fast"].efficiency == pytest.approx(2.0)
    assert by["k6"].memory == pytest.approx(3.0)  # k6 uses 3x the RSS per VU
    fallback = comparisons([rows[0], rows[2], Measurement("hello", "loadlib", status="unavailable")])
    assert [c.loadlib for c in fallback] == ["loadlib-layer"]


def test_targets_pass_and_miss() -> None:
    rows = [
        m("locust-fast", 45_000, 15.0),
        m("loadlib-layer", 44_000, 15.0),  # 2.3% more CPU per request: PASS
        m("loadlib", 90_000, 15.0),  # 6,000 req/CPU-s: PASS
        m("loadlib", 30_000, 15.0, scenario="sleepy", rss_mb=120, vus=2000),  # MISS
    ]
    verdicts = {t.name.split(" (")[0]: t.verdict for t in check_targets(rows)}
    assert verdicts == {"hello GET req per CPU-second": "PASS", "2,000 sleeping VUs peak RSS": "MISS",
                        "loadlib layer CPU over FastHttpUser": "PASS"}


def test_targets_not_measured_are_not_passed() -> None:
    rows = [m("k6", 1, 1.0), Measurement("hello", "loadlib", status="unavailable")]
    assert {t.verdict for t in check_targets(rows)} == {"N/A"}


def test_table_and_document_carry_every_run() -> None:
    rows = [m("k6", 150_000, 15.0), m("loadlib", 90_000, 15.0),
            Measurement("hello", "locust-http", status="failed", note="exit 1")]
    table = render_table(rows)
    assert "k6" in table and "150,000" in table and "0.60" in table and "failed: exit 1" in table
    doc = results_document(rows, {"host": "h"})
    assert [r["generator"] for r in doc["runs"]] == ["k6", "loadlib", "locust-http"]
    assert doc["runs"][0]["req_per_cpu_second"] == 10_000
    assert doc["comparisons"][0]["efficiency"] == pytest.approx(0.6)
    json.dumps(doc)  # serialisable as is
    assert Measurement.from_json(doc["runs"][1]).req_per_cpu_second == 6_000


def samples_at(rate: float, cpu_per_s: float, start: float = 1.5, stop: float = 16.5,
               step: float = 0.2) -> list[tuple[float, float, int]]:
    """A run seen from outside: startup burns 1 CPU s before traffic, then a steady rate until ``stop``."""
    out = []
    t = 0.0
    while t < stop + 2:
        busy = min(max(t - start, 0.0), stop - start)
        out.append((round(t, 3), 1.0 * min(t, start) / start + cpu_per_s * busy, int(rate * busy)))
        t += step
    return out


def test_steady_state_leaves_out_startup_and_wind_down() -> None:
    s = steady_state(samples_at(rate=3000, cpu_per_s=1.0))
    assert s is not None
    assert s.requests / s.cpu_seconds == pytest.approx(3000, rel=0.01)  # startup CPU not charged to requests
    assert 10 <= s.seconds <= 12  # from 3 s after the first request to the end of traffic


def test_steady_state_skips_missed_readings_and_needs_traffic() -> None:
    s = samples_at(rate=1000, cpu_per_s=0.5)
    holes = [(t, c, -1 if i % 7 == 0 else n) for i, (t, c, n) in enumerate(s)]
    got = steady_state(holes)
    assert got is not None and got.requests / got.cpu_seconds == pytest.approx(2000, rel=0.01)
    assert steady_state([(t, c, 0) for t, c, _ in s]) is None  # the counter never moved
    assert steady_state(s[:20]) is None  # too short to have a steady window


def test_efficiency_prefers_steady_state() -> None:
    whole = m("loadlib", 30_000, 15.0)
    assert whole.efficiency == 2_000
    steady = Measurement(**{**whole.__dict__, "steady_requests": 24_000, "steady_cpu_seconds": 10.0,
                            "steady_seconds": 10.0})
    assert steady.efficiency == 2_400 and steady.req_per_second == 2_400
    bare = Measurement(**{**m("locust-fast", 45_000, 15.0).__dict__, "steady_requests": 25_200,
                          "steady_cpu_seconds": 10.0})
    assert layer_overhead(steady, bare) == pytest.approx(0.05)
