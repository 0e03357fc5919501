"""The runner with a stand-in for locust: on_failure, skipped entries, codes, cool-down, files.

The stand-in writes the report files an entry's run would write and exits
with the code its ``--test-type`` asks for, so these tests take a second.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from loadlib.outputs import suite_json
from loadlib.suites import PlanOptions, build_plan, load_suite
from loadlib.suites.runner import results_folder, run_plan

FAKE_LOCUST = '''
import json, sys
args = sys.argv[1:]
opt = lambda name: args[args.index(name) + 1]
name = opt("--test-type")
code = int(name.rsplit("-", 1)[1]) if "-" in name else 0
if code in (0, 99):
    ok = code == 0
    json.dump({"metrics": {"requests_total": 10, "requests_per_second": 5.0, "error_rate": 0.0,
                           "response_times": {"p50": 1.0, "p95": 2.0, "p99": 3.0},
                           "slo_compliance": {"p95_met": ok}}}, open(opt("--slo-report"), "w"))
    json.dump({"exit_code": code, "thresholds": [{"metric": "http_req_duration", "expression": "p(95)<1",
                                                  "ok": ok, "observed": 2.0}]}, open(opt("--results-json"), "w"))
else:
    print("loadlib: error: something named the problem")
sys.exit(code)
'''


def run(tmp_path: Path, names: list[str], on_failure: str = "continue", cool_down: str = "0s"):
    fake = tmp_path / "fake_locust.py"
    fake.write_text(FAKE_LOCUST)
    lf = tmp_path / "lf.py"
    lf.write_text("# a locustfile\n")
    entries = "".join(f'[[entries]]\nname = "{n}"\nlocustfile = "{lf}"\n' for n in names)
    suite = tmp_path / "s.toml"
    suite.write_text(f'on_failure = "{on_failure}"\ncool_down = "{cool_down}"\n{entries}')
    plan = build_plan(load_suite(str(suite)),
                      PlanOptions(host="http://127.0.0.1:9", locust=(sys.executable, str(fake)), time_scale=0.5),
                      environ={})
    slept: list[float] = []
    out = io.StringIO()
    folder = results_folder(tmp_path / "results")
    result = run_plan(plan, folder, out=out, sleep=slept.append)
    return result, folder, out.getvalue(), slept


def test_stop_skips_the_rest(tmp_path: Path) -> None:
    result, folder, out, _ = run(tmp_path, ["a", "b-99", "c"], on_failure="stop")
    assert [(e.name, e.verdict, e.exit_code) for e in result.entries] == [
        ("a", "passed", 0), ("b-99", "failed", 99), ("c", "skipped", None)]
    assert result.exit_code == 99
    assert "[3/3] c: SKIPPED (on_failure = stop after b-99 failed)" in out
    doc = json.loads((folder / "summary.json").read_text())
    assert doc["entries"][2]["message"] == "on_failure = stop after b-99 failed"
    assert suite_json.render(suite_json.load(folder / "summary.json")) == (folder / "summary.json").read_bytes()
    assert (folder / "report.html").read_bytes().startswith(b"<!DOCTYPE html>")


def test_continue_runs_everything_and_most_severe_code_wins(tmp_path: Path) -> None:
    result, _, out, slept = run(tmp_path, ["a-99", "b-104", "c"], cool_down="4s")
    assert [e.verdict for e in result.entries] == ["failed", "error", "passed"]
    assert result.exit_code == 104
    assert slept == [2.0, 2.0]  # between entries only, scaled by --time-scale
    assert "something named the problem" in result.entries[1].message
    assert "something named the problem" in out


@pytest.mark.parametrize(("codes", "overall"), [(["x-1"], 107), (["x-108", "y-99"], 108), (["x", "y"], 0)])
def test_overall_codes(tmp_path: Path, codes: list[str], overall: int) -> None:
    result, _, _, _ = run(tmp_path, codes)
    assert result.exit_code == overall
    assert result.passed is (overall == 0)


def test_results_folder_is_new_each_time(tmp_path: Path) -> None:
    a = results_folder(tmp_path, now=1_700_000_000)
    b = results_folder(tmp_path, now=1_700_000_000)
    assert a.name == "20231114T221320Z" and b.name == "20231114T221320Z-2"
