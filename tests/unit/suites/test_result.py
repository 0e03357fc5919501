"""Exit-code rule, verdicts, and the combined outputs (summary.json round trip, report.html, PR comment)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadlib.outputs import suite_html, suite_json
from loadlib.suites import comment
from loadlib.suites.result import EntryResult, SuiteResult, overall_exit_code, verdict_for


@pytest.mark.parametrize(("codes", "expected"), [
    ([0, 0], 0), ([0, 99, 0], 99), ([99, 104], 104), ([104, 99], 104), ([99, 107], 107), ([107, 108], 108),
    ([108, 104], 104), ([104, 105], 105), ([0, 1], 107), ([0, -9], 107), ([None, 0], 0), ([None, 99], 99), ([], 0),
])
def test_overall_exit_code_is_the_most_severe(codes: list[int | None], expected: int) -> None:
    assert overall_exit_code(codes) == expected


def test_verdicts() -> None:
    assert [verdict_for(c) for c in (0, 99, 104, 105, 107, 108, 1, None)] == [
        "passed", "failed", "error", "interrupted", "error", "aborted", "error", "skipped"]


def entry(name: str, code: int | None, p95: float = 12.5, ok: bool = True) -> EntryResult:
    return EntryResult(
        name=name, locustfile=f"locustfiles/{name}.py", profile="smoke", exit_code=code, duration_s=3.0,
        metrics={"requests_total": 100, "requests_per_second": 20.0, "error_rate": 0.01,
                 "response_times": {"avg": 5.0, "min": 1.0, "max": 50.0, "p50": 4.0, "p95": p95, "p99": 40.0}},
        slo_compliance={"p50_met": None, "p95_met": ok, "p99_met": True, "error_rate_met": True},
        thresholds=({"metric": "http_req_duration", "expression": "p(95)<100", "ok": ok, "observed": p95},),
        reports={"html": f"{name}.html", "json": f"{name}.json"})


def result() -> SuiteResult:
    return SuiteResult(suite="tiny", source="tiny.toml", started_at=1_700_000_000.0, ended_at=1_700_000_030.0,
                       entries=(entry("good", 0), entry("bad<x>", 99, p95=500.0, ok=False), entry("later", None)),
                       environment="local", time_scale=0.1, host="http://127.0.0.1:1")


def test_suite_json_round_trips(tmp_path: Path) -> None:
    r = result()
    path = tmp_path / "summary.json"
    path.write_bytes(suite_json.render(r))
    doc = json.loads(path.read_text())
    assert doc["schema"] == "loadlib.suite/v1" and doc["exit_code"] == 99 and doc["passed"] is False
    assert [(e["name"], e["verdict"], e["exit_code"], e["k6_exit_code"]) for e in doc["entries"]] == [
        ("good", "passed", 0, 0), ("bad<x>", "failed", 99, 99), ("later", "skipped", None, None)]
    assert doc["counts"]["failed"] == 1 and doc["entries"][1]["failed_thresholds"] == 1
    back = suite_json.load(path)
    assert back == r
    assert suite_json.render(back) == suite_json.render(r)


def test_report_html_escapes_and_shows_every_status() -> None:
    page = suite_html.render(result()).decode()
    assert page.startswith("<!DOCTYPE html>") and "http://" not in page.replace("http://127.0.0.1:1", "")
    assert "<script" not in page and "bad&lt;x&gt;" in page and "bad<x>" not in page
    for name, status in (("good", "passed"), ("bad&lt;x&gt;", "failed"), ("later", "skipped")):
        assert f'id="entry-{name}" data-status="{status}"' in page
    assert "SLO compliance matrix" in page and "Executive summary" in page
    assert 'href="good.html"' in page and "✗ missed" in page and "✓ met" in page


def test_pr_comment_has_headline_numbers() -> None:
    md = comment.render(result()).decode()
    assert md.startswith("## Load test results: tiny ❌ FAIL")
    assert "| good | ✅ PASS | 4.0 ms | 12.5 ms | 40.0 ms | 1.000 % | 20.0 req/s | 0 |" in md
    assert "| bad<x> | ❌ FAIL |" in md and "⏭️ SKIPPED" in md
    assert "exit code 99" in md


def test_suite_json_load_rejects_other_documents(tmp_path: Path) -> None:
    from loadlib.errors import LoadlibError

    other = tmp_path / "other.json"
    other.write_text('{"schema": "loadlib.result/v1"}')
    with pytest.raises(LoadlibError, match="not a loadlib suite summary"):
        suite_json.load(other)
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"schema": "loadlib.suite/v1", "entries": []}')
    with pytest.raises(LoadlibError, match="damaged"):
        suite_json.load(damaged)
