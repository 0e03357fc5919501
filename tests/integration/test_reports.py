"""Every report format on real `locust --headless` runs against a fast loopback server.

The run's request count must be the same in the text summary, the k6 export,
the loadlib result JSON, the SLO report, the HTML report and the NDJSON/CSV
points; bad report options must end the run with 104 before any request.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support import LOCUST, ROOT, child_env, free_port, process, run_locust

pytestmark = pytest.mark.integration

BASIC = "tests/fixtures/locustfiles/reports_basic.py"
SHAPE = "tests/fixtures/locustfiles/reports_shape.py"


class LoopbackServer:
    """``GET /ok`` -> 200, ``GET /fail`` -> 500; counts what it answered."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body in separate writes: avoid 40 ms delayed ACKs

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with owner.lock:
                    owner.count += 1
                code = 500 if self.path.startswith("/fail") else 200
                body = b'{"ok": true}'
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> LoopbackServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def loopback_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as s:
        yield s


def report_args(d: Path) -> list[str]:
    return ["--summary-export", str(d / "k6.json"), "--results-json", str(d / "result.json"),
            "--slo-report", str(d / "slo.json"), "--html-report", str(d / "report.html"),
            "--out", f"json={d / 'points.ndjson'}", "--out", f"csv={d / 'points.csv'}"]


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def read_reports(d: Path) -> dict:
    """Parse every report in ``d`` and return the request count each one states."""
    result = json.loads((d / "result.json").read_text())
    k6 = json.loads((d / "k6.json").read_text())
    slo = json.loads((d / "slo.json").read_text())
    points = [json.loads(line) for line in (d / "points.ndjson").read_text().splitlines()]
    rows = list(csv.DictReader((d / "points.csv").open()))
    page = _Html()
    page.feed((d / "report.html").read_text())
    cards = page.text[page.text.index("Summary") + 1:]
    return {
        "result": result, "k6": k6, "slo": slo, "points": points, "rows": rows, "html": page,
        "counts": {
            "result": int(result["metrics"]["http_reqs"]["values"]["count"]),
            "k6": int(k6["metrics"]["http_reqs"]["count"]),
            "slo": slo["metrics"]["requests_total"],
            "ndjson": sum(1 for p in points if p["type"] == "Point" and p["metric"] == "http_reqs"),
            "csv": sum(1 for r in rows if r["metric_name"] == "http_reqs"),
            "html": int(cards[cards.index("requests") - 1]),
        },
    }


def no_temp_files(d: Path) -> bool:
    return not [n for n in os.listdir(d) if n.endswith(".tmp")]


THRESHOLD_PROFILE = """
description = "reports test: one failing, two passing thresholds"

[scenarios.default]
executor = "constant-vus"
vus = 4
duration = "3s"

[thresholds]
http_req_duration = ["p(95)<0.001", "p(50)<10000"]
http_req_failed = ["rate<0.5"]
"""


def test_every_report_parses_and_holds_the_runs_numbers(server, tmp_path):
    """One run, one failing and two passing thresholds: exit 99 and every format agrees."""
    profile = tmp_path / "thresholds.toml"
    profile.write_text(THRESHOLD_PROFILE)
    proc = run_locust(["-f", BASIC, "--headless", "--load-profile", str(profile), "--host", server.url,
                       "--test-type", "api_read_load", *report_args(tmp_path)], timeout=90)
    assert proc.returncode == 99, proc.stdout[-2000:] + proc.stderr[-2000:]
    r = read_reports(tmp_path)
    counts = r["counts"]
    assert len(set(counts.values())) == 1, counts
    n = counts["result"]
    assert n >= 20, counts
    assert n <= server.count  # the server saw every request Locust counted (plus any cut off by the stop)
    # the text summary printed at the end states the same count and the verdicts
    summary = proc.stdout[proc.stdout.index("█ RESULT"):]
    assert re.search(rf"http_reqs\.+: {n} ", summary), summary
    assert "RESULT: FAILED (exit code 99)" in summary
    assert re.search(r"✗ 'p\(95\)<0\.001' p\(95\)=[\d.]+(µs|ms)", summary)
    assert "✓ 'p(50)<10000'" in summary and "✓ 'rate<0.5'" in summary
    # failures: 1 in 10 requests goes to /fail; every format carries the same failure count
    failed = r["result"]["metrics"]["http_req_failed"]["values"]
    assert failed["total"] == n and 0 < failed["passes"] < n
    assert r["k6"]["metrics"]["http_req_failed"]["passes"] == failed["passes"]
    assert r["slo"]["metrics"]["error_rate"] == pytest.approx(failed["rate"], abs=1e-6)
    assert sum(1 for p in r["points"] if p["type"] == "Point" and p["metric"] == "http_req_failed"
               and p["data"]["value"] == 1) == failed["passes"]
    sub = r["result"]["metrics"]["http_req_duration"]["submetrics"]
    assert sub["http_req_duration{name:/fail}"]["values"]["count"] == failed["passes"]
    # k6's inverted booleans: true == failed
    assert r["k6"]["metrics"]["http_req_duration"]["thresholds"] == {"p(95)<0.001": True, "p(50)<10000": False}
    assert r["k6"]["metrics"]["http_req_failed"]["thresholds"] == {"rate<0.5": False}
    verdicts = {(t["metric"], t["expression"]): t for t in r["result"]["thresholds"]}
    p95 = verdicts[("http_req_duration", "p(95)<0.001")]
    assert p95["ok"] is False and p95["observed"] == pytest.approx(
        r["result"]["metrics"]["http_req_duration"]["values"]["p(95)"])
    assert r["result"]["status"] == "failed" and r["result"]["exit_code"] == 99
    assert r["result"]["meta"]["interrupted"] is False and len(r["result"]["timeline"]) >= 1
    # the SLO report follows Mina's schema; test_type from --test-type
    assert r["slo"]["test_type"] == "api_read_load" and r["slo"]["pass"] is False
    assert set(r["slo"]["metrics"]["response_times"]) == {"avg", "min", "max", "p50", "p95", "p99"}
    assert r["slo"]["metrics"]["slo_compliance"] == {"p50_met": True, "p95_met": False, "p99_met": None,
                                                     "error_rate_met": True}
    # HTML: status header, green/red threshold rows and the four charts
    assert next(a for t, a in r["html"].tags if t == "header")["class"] == "failed"
    assert [a["class"] for t, a in r["html"].tags if t == "tr" and (a.get("class") or "").startswith("threshold")] \
        == ["threshold fail", "threshold ok", "threshold ok"]
    assert [a["data-chart"] for t, a in r["html"].tags if t == "svg"] == ["rps", "vus", "error_rate", "latency"]
    assert no_temp_files(tmp_path)


def test_loadlib_report_rerenders_from_the_result_json(server, tmp_path):
    # --no-summary silences the text summary (influxdb=URL parsing is unit-tested: a run with it
    # spends seconds retrying an absent server in plugin.live)
    proc = run_locust(["-f", BASIC, "--headless", "-u", "2", "-r", "2", "-t", "2s", "--host", server.url,
                       "--results-json", str(tmp_path / "result.json"), "--no-summary",
                       "--html", str(tmp_path / "locust.html")],
                      timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert "<html" in (tmp_path / "locust.html").read_text().lower()  # Locust's own --html still works
    assert "█ RESULT" not in proc.stdout
    loadlib = str(Path(LOCUST).parent / "loadlib")
    import subprocess

    out = subprocess.run([loadlib, "report", str(tmp_path / "result.json"), "--html", str(tmp_path / "again.html")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "again.html").read_text().startswith("<!DOCTYPE html>")
    n = int(json.loads((tmp_path / "result.json").read_text())["metrics"]["http_reqs"]["values"]["count"])
    assert re.search(rf"http_reqs\.+: {n} ", out.stdout)


def test_locust_json_stdout_stays_parseable(server, tmp_path):
    proc = run_locust(["-f", BASIC, "--headless", "-u", "2", "-r", "2", "-t", "2s", "--host", server.url,
                       "--json", "--skip-log", "--summary-export", str(tmp_path / "k6.json"),
                       "--summary-trend-stats", "avg,p(99),count"], timeout=90)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)  # Locust's --json output, untouched
    k6 = json.loads((tmp_path / "k6.json").read_text())
    assert sum(s["num_requests"] for s in stats) == k6["metrics"]["http_reqs"]["count"]
    assert "█ RESULT" in proc.stderr  # our summary moved to stderr
    # --summary-trend-stats picks the trend columns, as in k6
    assert set(k6["metrics"]["http_req_duration"]) == {"avg", "p(99)", "count"}
    assert re.search(r"http_req_duration\.+: avg=\S+ +p\(99\)=\S+ +count=\d+", proc.stderr)


# (every validation rule is unit-tested in tests/unit/outputs/test_points.py; here: the run really stops)
@pytest.mark.parametrize("args, needle", [
    (["--out", "jsn=x.ndjson"], "one of json, csv, influxdb"),
    (["--summary-export", "{blocker}/sub/k6.json"], "--summary-export"),
])
def test_bad_report_options_exit_104_before_traffic(server, tmp_path, args, needle):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    args = [a.format(blocker=blocker, tmp=tmp_path) for a in args]
    proc = run_locust(["-f", BASIC, "--headless", "-u", "2", "-r", "2", "-t", "2s", "--host", server.url, *args],
                      timeout=90)
    assert proc.returncode == 104, proc.stdout + proc.stderr
    assert needle in proc.stderr and "Traceback" not in proc.stderr
    assert server.count == 0


def test_distributed_master_writes_every_report(server, tmp_path):
    port = free_port()
    master = [LOCUST, "-f", BASIC, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
              "--headless", "--expect-workers", "2", "-u", "4", "-r", "4", "-t", "3s", "--host", server.url,
              *report_args(tmp_path)]
    worker = [LOCUST, "-f", BASIC, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    import subprocess

    with process(worker, log=tmp_path / "w1.log"), process(worker, log=tmp_path / "w2.log"):
        proc = subprocess.run(master, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = read_reports(tmp_path)
    assert len(set(r["counts"].values())) == 1, r["counts"]
    assert r["counts"]["result"] >= 20
    assert r["result"]["meta"]["workers"] == 2
    assert not list(tmp_path.glob("w*.ndjson"))  # workers wrote nothing
    assert no_temp_files(tmp_path)


ABORT_PROFILE = """
[scenarios.default]
executor = "constant-vus"
vus = 2
duration = "60s"

[thresholds]
http_req_failed = [{threshold = "rate<0.01", abortOnFail = true}]
"""


def test_abort_on_fail_reports_status_aborted(server, tmp_path):
    profile = tmp_path / "abort.toml"
    profile.write_text(ABORT_PROFILE)
    proc = run_locust(["-f", BASIC, "--headless", "--load-profile", str(profile), "--host", server.url,
                       "--results-json", str(tmp_path / "result.json"), "--html-report", str(tmp_path / "r.html")],
                      timeout=90)
    assert proc.returncode == 99, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "RESULT: ABORTED (exit code 99)" in proc.stdout
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["status"] == "aborted" and doc["meta"]["duration_s"] < 30  # stopped long before its 60 s
    assert doc["thresholds"][0]["ok"] is False and doc["thresholds"][0]["abort_on_fail"] is True
    page = _Html()
    page.feed((tmp_path / "r.html").read_text())
    assert next(a for t, a in page.tags if t == "header")["class"] == "aborted"
