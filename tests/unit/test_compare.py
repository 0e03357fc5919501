"""`loadlib compare`: per-metric deltas, tolerance, exit 0 / 1, one clear error per bad file."""

import json

import pytest

from loadlib.cli.main import main
from loadlib.outputs import k6_summary, result_json
from loadlib.outputs.baseline import compare, load_numbers, parse_tolerance
from tests.unit.outputs.fixtures import result


def _write(path, doc) -> str:
    path.write_text(json.dumps(doc))
    return str(path)


def _scaled(factor: float, *, rps_factor: float = 1.0, error_rate: float | None = None) -> dict:
    """A loadlib result document with every latency multiplied by ``factor``."""
    doc = json.loads(result_json.render(result()))
    for entry in [doc["metrics"]["http_req_duration"], *doc["metrics"]["http_req_duration"]["submetrics"].values()]:
        for k in ("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"):
            entry["values"][k] *= factor
    doc["metrics"]["http_reqs"]["values"]["rate"] *= rps_factor
    if error_rate is not None:
        doc["metrics"]["http_req_failed"]["values"]["rate"] = error_rate
    return doc


def test_identical_runs_pass(tmp_path, capsys):
    base = _write(tmp_path / "base.json", _scaled(1.0))
    assert main(["compare", base, base, "--tolerance", "10%"]) == 0
    out = capsys.readouterr().out
    assert "http_req_duration" in out and "p(95)" in out and "p(99)" in out
    assert "http_req_duration{status:500}" in out  # sub-metrics present in both are compared
    assert "http_req_failed" in out and "http_reqs" in out
    assert "within 10% tolerance" in out


def test_latency_within_and_beyond_tolerance(tmp_path, capsys):
    base = _write(tmp_path / "base.json", _scaled(1.0))
    assert main(["compare", base, _write(tmp_path / "ok.json", _scaled(1.09)), "--tolerance", "10%"]) == 0
    capsys.readouterr()
    assert main(["compare", base, _write(tmp_path / "slow.json", _scaled(1.2)), "--tolerance", "10%"]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "+20.0%" in out
    # improvements never regress
    assert main(["compare", base, _write(tmp_path / "fast.json", _scaled(0.5))]) == 0


def test_throughput_and_error_rate_regressions():
    base = load_numbers_from(_scaled(1.0))
    rows = compare(base, load_numbers_from(_scaled(1.0, rps_factor=0.8)), tolerance=0.1)
    assert [r.regressed for r in rows if r.metric == "http_reqs"] == [True]
    rows = compare(base, load_numbers_from(_scaled(1.0, error_rate=0.2)), tolerance=0.1)
    assert [r.regressed for r in rows if r.metric == "http_req_failed"] == [True]
    # from 0 errors to a tiny rate: below the absolute floor, not a regression
    zero = load_numbers_from(_scaled(1.0, error_rate=0.0))
    rows = compare(zero, load_numbers_from(_scaled(1.0, error_rate=0.0005)), tolerance=0.1)
    assert not any(r.regressed for r in rows)


def load_numbers_from(doc: dict):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "r.json"
        p.write_text(json.dumps(doc))
        return load_numbers(p)


def test_k6_summary_export_against_loadlib_result(tmp_path, capsys):
    k6 = _write(tmp_path / "k6.json", json.loads(k6_summary.render(result())))
    mine = _write(tmp_path / "mine.json", _scaled(1.0))
    assert main(["compare", k6, mine]) == 0
    out = capsys.readouterr().out
    assert "(k6)" in out and "(loadlib)" in out
    # k6's export has no p(99) by default: only the stats both files carry are compared
    rows = compare(load_numbers(k6), load_numbers(mine), tolerance=0.1)
    assert {r.stat for r in rows if r.metric == "http_req_duration"} == {"avg", "p(50)", "p(95)"}
    assert any(r.metric == "http_req_duration{expected_response:true}" for r in rows)


@pytest.mark.parametrize("content, needle", [
    ("not json at all", "not valid JSON"),
    ('{"hello": 1}', "neither a loadlib result JSON"),
])
def test_bad_file_is_one_error_naming_it(tmp_path, capsys, content, needle):
    good = _write(tmp_path / "good.json", _scaled(1.0))
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["compare", good, str(bad)]) == 104
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and needle in err
    assert main(["compare", str(tmp_path / "missing.json"), good]) == 104
    assert "missing.json" in capsys.readouterr().err


def test_tolerance_parsing(tmp_path, capsys):
    assert parse_tolerance("10%") == pytest.approx(0.10)
    assert parse_tolerance("5.5") == pytest.approx(0.055)
    good = _write(tmp_path / "good.json", _scaled(1.0))
    assert main(["compare", good, good, "--tolerance", "ten"]) == 104
    assert "--tolerance" in capsys.readouterr().err


def test_report_rerenders_html_from_result_json(tmp_path, capsys):
    src = tmp_path / "run.json"
    src.write_bytes(result_json.render(result()))
    out = tmp_path / "out" / "run.html"
    assert main(["report", str(src), "--html", str(out), "--slo", str(tmp_path / "slo.json")]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert json.loads((tmp_path / "slo.json").read_text())["metrics"]["requests_total"] == 100
    assert "█ THRESHOLDS" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nope.json"), "--html", str(out)]) == 104
