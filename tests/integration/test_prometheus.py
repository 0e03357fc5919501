"""A real Prometheus (Debian's package) scrapes loadlib's master; PromQL returns the run's numbers.

The run is ``--processes 2`` (a master and two forked workers in one
command): the master exposes the merged registry. Each user runs a fixed
number of requests and then idles, so the count is final well before the run
ends and several scrapes see it; series go stale once the master exits, so
the query reads ``max_over_time`` over the last minute.
"""

from __future__ import annotations

import json
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import LOCUST, free_port, process, run_locust, wait_http
from tests.support_services import Target, start_prometheus

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

N = 25
USERS = 2

LOCUSTFILE = textwrap.dedent(f'''
    from locust import HttpUser, constant, task
    from loadlib import Counter, check

    orders = Counter("orders")
    N = {N}


    class Buyer(HttpUser):
        wait_time = constant(0.02)

        def on_start(self):
            self.i = 0

        @task
        def buy(self):
            if self.i >= N:
                self.wait_time = constant(1)
                return
            self.i += 1
            r = self.client.get("/buy?status=500" if self.i % 5 == 0 else "/buy", name="buy")
            check(r, {{"is 200": lambda r: r.status_code == 200}})
            orders.add(2, tags={{"kind": "book"}})
''')


def test_prometheus_scrapes_the_master_and_promql_returns_the_request_count(tmp_path: Path) -> None:
    lf = tmp_path / "lf.py"
    lf.write_text(LOCUSTFILE)
    exporter = free_port()
    summary = tmp_path / "summary.json"
    with Target() as target, start_prometheus([f"127.0.0.1:{exporter}"], tmp_path) as prom:
        r = run_locust(["-f", str(lf), "--headless", "--host", target.url, "--processes", "2", "-u", str(USERS),
                        "-r", str(USERS), "-t", "7s", "--prometheus-port", str(exporter),
                        "--threshold", "http_req_failed:rate<0.5", "--summary-export", str(summary)],
                       timeout=90)
        assert r.returncode == 0, r.stderr[-3000:]
        assert f"Prometheus metrics at http://127.0.0.1:{exporter}/metrics" in r.stderr
        total = USERS * N
        assert target.count == total
        assert json.loads(summary.read_text())["metrics"]["http_reqs"]["count"] == total
        assert prom.scalar("sum(max_over_time(loadlib_http_reqs_total[1m]))") == total
        failed = prom.scalar('sum(max_over_time(loadlib_http_reqs_total{status="500"}[1m]))')
        assert failed == USERS * (N // 5)
        assert prom.scalar("sum(max_over_time(loadlib_orders_total[1m]))") == 2 * total
        assert prom.scalar('max_over_time(loadlib_checks_fails_total{check="is 200"}[1m])') == USERS * (N // 5)
        assert prom.scalar('max_over_time(loadlib_threshold_ok{metric="http_req_failed"}[1m])') == 1.0
        assert prom.scalar("max_over_time(loadlib_workers[1m])") == 2
        # CPU/memory of the master (measured at each scrape) and both workers (Locust's 10-s heartbeats)
        assert prom.scalar("count(max_over_time(loadlib_generator_memory_bytes[1m]))") == 3
        assert prom.scalar('max_over_time(loadlib_generator_memory_bytes{process="master"}[1m])') > 10e6
        p95 = prom.query('max_over_time(loadlib_http_req_duration_seconds{quantile="0.95",status="200"}[1m])')
        assert p95 and 0 < float(p95[0]["value"][1]) < 5


def test_web_ui_serves_the_same_exposition(tmp_path: Path) -> None:
    lf = tmp_path / "lf.py"
    lf.write_text(LOCUSTFILE)
    web = free_port()
    args = [LOCUST, "-f", str(lf), "--web-host", "127.0.0.1", "--web-port", str(web), "-u", "1", "-r", "1",
            "-t", "4s", "--autostart", "--autoquit", "1"]
    with Target() as target, process([*args, "--host", target.url], log=tmp_path / "locust.log"):
        url = f"http://127.0.0.1:{web}/loadlib/metrics"
        wait_http(url, timeout=45)
        deadline = time.monotonic() + 30
        text = ""
        while time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=5) as resp:
                text = resp.read().decode()
            if 'loadlib_http_reqs_total{expected_response="true",method="GET",name="buy"' in text:
                break
            time.sleep(0.5)
        assert "loadlib_http_reqs_total" in text and "loadlib_vus " in text, text[:2000]


def test_bad_prometheus_port_exits_104(tmp_path: Path) -> None:
    lf = tmp_path / "lf.py"
    lf.write_text(LOCUSTFILE)
    with Target() as target:
        r = run_locust(["-f", str(lf), "--headless", "--host", target.url, "-u", "1", "-t", "2s",
                        "--prometheus-port", "eighty"], timeout=60)
    assert r.returncode == 104, r.stderr[-2000:]
    assert "--prometheus-port" in r.stderr and "eighty" in r.stderr
    assert "Traceback" not in r.stderr
    assert target.count == 0
