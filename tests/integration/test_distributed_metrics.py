"""One process vs. a master with 2 workers: the same deterministic workload gives the same numbers.

Each user runs exactly ``N`` iterations (then stops), so counts are fixed; a
synthetic Trend records the same values in every user, so its samples are
the same multiset however users are spread over workers. Percentiles are
compared within the histogram's stated precision (0.05 % + 0.5 µs); with the
same buckets they are in fact identical. Both Locust clients (HttpUser and
FastHttpUser) run the checks.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support import LOCUST, child_env, free_port, process, run_locust

pytestmark = pytest.mark.integration

N = 40  # iterations per user
USERS = 4

LOCUSTFILE = '''
from locust import HttpUser, constant, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

from loadlib import Counter, Rate, Trend, check

synthetic = Trend("synthetic", time=True)
orders = Counter("orders")
even = Rate("even_share")
N = %(n)d


def value(i):
    return 0.5 + (i * 37 %% 101) * 13.7  # 0.5 .. ~1384 ms, spread over many buckets


class Poster(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.i = 0

    @task
    def pay(self):
        if self.i >= N:
            raise StopUser()
        r = self.client.post("/pay?status=201", json={"amount": 10, "pad": "x" * 20})
        check(r, {"status is 201": lambda r: r.status_code == 201, "broken": lambda r: r.nope})
        synthetic.add(value(self.i), tags={"kind": "even" if self.i %% 2 == 0 else "odd"})
        orders.add(3)
        even.add(self.i %% 2 == 0)
        self.i += 1


class Getter(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.i = 0

    @task
    def look(self):
        if self.i >= N:
            raise StopUser()
        r = self.client.get("/look?status=%(bad)s" if self.i %% 4 == 0 else "/look", name="look")
        check(r, {"status is 200": lambda r: r.status_code == 200})
        synthetic.add(value(self.i), tags={"kind": "even" if self.i %% 2 == 0 else "odd"})
        self.i += 1
'''


class Server:
    """``?status=N`` answers N, ``?ms=N`` sleeps N ms first; counts requests."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _answer(self) -> None:
                n = int(self.headers.get("content-length") or 0)
                if n:
                    self.rfile.read(n)
                with owner.lock:
                    owner.count += 1
                q = parse_qs(urlparse(self.path).query)
                if "ms" in q:
                    time.sleep(int(q["ms"][0]) / 1000)
                body = b'{"ok": true}'
                self.send_response(int(q.get("status", ["200"])[0]))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 (http.server's naming)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> Server:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    with Server() as s:
        yield s


def _load(path: Path) -> dict:
    assert path.exists(), f"{path} was not written"
    return json.loads(path.read_text())


def _within(a: float, b: float) -> bool:
    return abs(a - b) <= 0.0005 * abs(b) + 0.0005 + 1e-9


def test_master_with_two_workers_equals_one_process(tmp_path, server):
    lf = tmp_path / "workload.py"
    lf.write_text(LOCUSTFILE % {"n": N, "bad": "503"})
    common = ["-f", str(lf), "--headless", "-u", str(USERS), "-r", "100", "-t", "5s", "--host", server.url,
              # a rolling window needs per-second data from every worker: over 1m it covers the whole run
              "--threshold", "synthetic{kind:even}:max<100000 over 1m", "--threshold", "orders:count>0 over 1m"]

    local_dump = tmp_path / "local.json"
    res = run_locust([*common, "--summary-export", str(tmp_path / "local-summary.json")],
                     env=child_env(LOADLIB_DEBUG_SNAPSHOT=str(local_dump)), timeout=120)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    local_requests = server.count

    port = free_port()
    master_dump = tmp_path / "master.json"
    master_cmd = [LOCUST, *common, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
                  "--expect-workers", "2", "--summary-export", str(tmp_path / "master-summary.json")]
    worker_cmd = [LOCUST, "-f", str(lf), "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    with process(master_cmd, env=child_env(LOADLIB_DEBUG_SNAPSHOT=str(master_dump)), log=tmp_path / "master.log") as m, \
            process(worker_cmd, log=tmp_path / "w1.log") as w1, process(worker_cmd, log=tmp_path / "w2.log") as w2:
        try:
            code = m.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pytest.fail("master did not finish:\n" + (tmp_path / "master.log").read_text()[-3000:])
        for w in (w1, w2):
            w.wait(timeout=30)
    assert code == 0, (tmp_path / "master.log").read_text()[-4000:]
    assert server.count == 2 * local_requests == 2 * USERS * N

    one, many = _load(local_dump), _load(master_dump)
    assert many["flags"] == {} and one["flags"] == {}
    assert len(many["workers"]) == 2 and not one["workers"]
    assert not many["partial"], many["notes"]  # every worker's final report arrived

    # counts: exactly equal, and what the workload says they must be
    expected_counts = {
        "http_reqs": USERS * N, "iterations": USERS * N, "orders": 3 * (USERS // 2) * N,
        "data_sent": None, "data_received": None,
    }
    for name, want in expected_counts.items():
        assert one["metrics"][name]["count"] == many["metrics"][name]["count"], name
        if want is not None:
            assert one["metrics"][name]["count"] == want, name
    assert one["metrics"]["data_sent"]["count"] > 0
    assert one["metrics"]["http_req_duration"]["count"] == many["metrics"]["http_req_duration"]["count"] == USERS * N
    for rate in ("http_req_failed", "checks", "even_share"):
        assert (one["metrics"][rate]["passes"], one["metrics"][rate]["fails"]) == \
               (many["metrics"][rate]["passes"], many["metrics"][rate]["fails"]), rate
    assert one["metrics"]["http_req_failed"]["passes"] == (USERS // 2) * (N // 4)  # every 4th GET answers 503
    assert sorted(map(tuple, one["checks"])) == sorted(map(tuple, many["checks"]))
    checks = {name: (p, f) for name, p, f in one["checks"]}
    assert checks["broken"] == (0, (USERS // 2) * N)  # a raising predicate fails the check, the user goes on
    assert checks["status is 201"] == ((USERS // 2) * N, 0)
    assert checks["status is 200"] == ((USERS // 2) * N * 3 // 4, (USERS // 2) * N // 4)

    # the synthetic trend: the same multiset of values in both runs -> same percentiles
    values = [0.5 + (i * 37 % 101) * 13.7 for i in range(N)] * USERS
    import numpy as np

    for stat, p in (("p(50)", 50), ("p(95)", 95), ("p(99)", 99)):
        a, b = one["metrics"]["synthetic"][stat], many["metrics"]["synthetic"][stat]
        exact = float(np.percentile(values, p, method="linear"))
        assert _within(a, exact) and _within(b, exact), (stat, a, b, exact)
        assert _within(a, b)
    for stat in ("count", "min", "max"):
        assert one["metrics"]["synthetic"][stat] == many["metrics"]["synthetic"][stat]
    assert one["metrics"]["synthetic"]["avg"] == pytest.approx(many["metrics"]["synthetic"]["avg"], rel=1e-9)

    # sub-metrics are there without any threshold naming them, and equal too
    def sub(dump: dict, metric: str, **tags: str) -> dict:
        return next(s for t, s in dump["series"][metric] if t == {**t, **tags} and tags.items() <= t.items())

    even_one, even_many = sub(one, "synthetic", kind="even"), sub(many, "synthetic", kind="even")
    assert even_one["count"] == even_many["count"] == USERS * N / 2
    assert _within(even_one["p(95)"], even_many["p(95)"])

    # rolling windows judged on the master see every worker's per-second data
    for dump in (one, many):
        (win_max, win_orders) = dump["thresholds"]
        assert win_max["ok"] and win_max["window"] == "1m"
        assert win_max["observed"] == sub(dump, "synthetic", kind="even")["max"]
        assert win_orders["ok"] and win_orders["observed"] == 3 * (USERS // 2) * N

    # the run timeline exists on the master too
    assert many["timeline"] and one["timeline"]
    assert sum(p["rps"] for p in many["timeline"]) == pytest.approx(USERS * N)

    # the k6 summary export (the reports part) agrees when present
    for name in ("local-summary.json", "master-summary.json"):
        path = tmp_path / name
        if path.exists():
            data = json.loads(path.read_text())
            assert data["metrics"]["iterations"]["count"] == USERS * N
            assert data["metrics"]["checks"]["passes"] == one["metrics"]["checks"]["passes"]
