import re

from loadlib.outputs import text, units
from tests.unit.outputs.fixtures import result


def _summary(**kw) -> str:
    return text.render(result(**kw)).decode("utf-8")


def test_thresholds_block_marks_each_verdict_with_its_observed_value():
    out = _summary()
    assert "█ THRESHOLDS" in out
    assert "✗ 'p(95)<500' p(95)=505ms" in out
    assert "✓ 'p(50)<300' p(50)=50.5ms" in out
    assert "✓ 'p(99)<100' p(99)=89.11ms" in out
    assert "✗ 'rate<0.05' rate=10.00% (abortOnFail)" in out
    # grouped under the metric key as written, sub-metric keys included
    assert "    http_req_duration{name:/a}\n" in out


def test_total_results_lists_check_totals_and_each_check():
    out = _summary()
    assert re.search(r"checks_total\.+: 200 +20\.000000/s", out)
    assert re.search(r"checks_succeeded\.+: 95\.00% +190 out of 200", out)
    assert re.search(r"checks_failed\.+: 5\.00% +10 out of 200", out)
    assert "    ✗ status is 200\n      ↳  90% — ✓ 90 / ✗ 10" in out
    assert "    ✓ body <b>ok</b>" in out


def test_blocks_come_in_k6_order_with_typed_rows():
    out = _summary()
    order = [out.index(h) for h in ("█ THRESHOLDS", "█ TOTAL RESULTS", "    CUSTOM", "    HTTP", "    EXECUTION",
                                    "    NETWORK")]
    assert order == sorted(order)
    line = next(x for x in out.splitlines() if x.strip().startswith("http_req_duration."))
    assert "avg=95.95ms" in line and "min=1ms" in line and "med=50.5ms" in line and "max=1s" in line
    assert "p(90)=91ms" in line and "p(95)=505ms" in line
    assert any(x.strip().startswith("http_reqs.") and "100" in x and "10.000000/s" in x for x in out.splitlines())
    assert any(x.strip().startswith("http_req_failed.") and "10.00%  10 out of 100" in x for x in out.splitlines())
    assert any(x.strip().startswith("vus.") and "min=1" in x and "max=5" in x for x in out.splitlines())
    assert any(x.strip().startswith("data_received.") and "3.1 MB" in x and "310 kB/s" in x for x in out.splitlines())
    custom = out[out.index("    CUSTOM"):out.index("    HTTP")]
    assert "payment_duration" in custom and "{ currency:EUR }" in custom


def test_submetrics_shown_without_thresholds_and_capped(monkeypatch):
    out = _summary(thresholds=())
    assert "█ THRESHOLDS" not in out
    assert "{ expected_response:true }" in out
    assert "{ name:/b }" in out and "{ status:500 }" in out and "{ method:POST }" in out
    # as in k6, {expected_response:true} only under http_req_duration
    reqs = out[out.index("    http_reqs."):]
    assert "expected_response" not in reqs
    # scenario has a single value everywhere: its sub-metric would repeat the metric
    assert "{ scenario:default }" not in out
    monkeypatch.setattr(text, "SUBMETRICS_PER_KEY", 1)
    out = _summary(thresholds=())
    assert "{ name:/a }" in out and "{ name:/b }" not in out
    assert "... 1 more name values" in out


def test_trend_stats_follow_the_profile():
    out = text.render(result(), trend_stats=("p(99)", "count")).decode()
    line = next(x for x in out.splitlines() if x.strip().startswith("http_req_duration."))
    assert "p(99)=901ms" in line and "count=100" in line and "avg=" not in line


def test_interrupted_runs_say_so():
    out = _summary(status="interrupted", exit_code=105, interrupted=True)
    assert "RESULT: INTERRUPTED (exit code 105)" in out
    assert "interrupted by a signal" in out


def test_k6_human_units():
    assert units.human_time(0) == "0s"
    assert units.human_time(0.08) == "80µs"
    assert units.human_time(148.219) == "148.21ms"
    assert units.human_time(167.1) == "167.1ms"
    assert units.human_time(1234) == "1.23s"
    assert units.human_time(65_000) == "1m5s"
    assert units.human_time(3_725_000) == "1h2m5s"
    assert units.human_bytes(5) == "5 B"
    assert units.human_bytes(564) == "564 B"
    assert units.human_bytes(3_100_000) == "3.1 MB"
    assert units.human_bytes(82_000) == "82 kB"
    assert units.percent(0.0023) == "0.23%"
