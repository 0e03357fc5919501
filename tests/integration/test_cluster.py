"""Master and workers as separate processes: a worker on its own network stack, a worker killed mid-run.

* A master, one worker on the host and one in its own network namespace (its
  own loopback; master and target ports bridged through Unix sockets, so no
  routable address is used) give exactly the totals of a single-process run
  of the same deterministic workload. (Metric-by-metric equality on loopback
  is ``test_distributed_metrics.py``; this adds the separate network stack.)
* A worker killed with SIGKILL mid-run: the run completes with the thresholds'
  exit code, the remaining worker takes over the users, the reports keep every
  request the lost worker had reported and say the run was partial.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.support import LOCUST, child_env, free_port, process, run_locust, wait_http
from tests.support_services import Target, network_namespace, unix_to_tcp_bridge

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

N = 30
USERS = 4

FIXED = textwrap.dedent(f'''
    from locust import HttpUser, constant, task
    from locust.exception import StopUser
    from loadlib import Counter, check

    orders = Counter("orders")
    N = {N}


    class Buyer(HttpUser):
        wait_time = constant(0.01)

        def on_start(self):
            self.i = 0

        @task
        def buy(self):
            if self.i >= N:
                raise StopUser()
            self.i += 1
            r = self.client.get("/buy?status=404" if self.i % 3 == 0 else "/buy", name="buy")
            check(r, {{"is 200": lambda r: r.status_code == 200}})
            orders.add(1, tags={{"kind": "odd" if self.i % 2 else "even"}})
''')

STEADY = textwrap.dedent('''
    from locust import HttpUser, constant, task
    from loadlib import check


    class Browser(HttpUser):
        wait_time = constant(0.05)

        @task
        def browse(self):
            r = self.client.get("/browse", name="browse")
            check(r, {"is 200": lambda r: r.status_code == 200})
''')


def _totals(result: dict) -> dict[str, float]:
    m = result["metrics"]

    def count(name: str) -> float:
        return float(m[name]["values"]["count"])

    checks = {c["name"]: (c["passes"], c["fails"]) for c in result["checks"]}
    return {"http_reqs": count("http_reqs"), "orders": count("orders"), "iterations": count("iterations"),
            "checks": json.dumps(checks, sort_keys=True)}


def _exposition(url: str) -> dict[str, float]:
    """``loadlib_*`` samples without labels summed by name (enough for totals)."""
    with urllib.request.urlopen(url, timeout=5) as r:
        text = r.read().decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("loadlib_"):
            name = line.split("{", 1)[0].split(" ", 1)[0]
            out[name] = out.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


def test_worker_in_its_own_network_namespace_totals_equal_single_process(tmp_path: Path) -> None:
    lf = tmp_path / "lf.py"
    lf.write_text(FIXED)
    common = ["-f", str(lf), "-u", str(USERS), "-r", str(USERS), "-t", "6s"]
    with Target() as target:
        single_json = tmp_path / "single.json"
        r = run_locust([*common, "--headless", "--host", target.url, "--results-json", str(single_json)],
                       timeout=90)
        assert r.returncode == 0, r.stderr[-3000:]
        single = _totals(json.loads(single_json.read_text()))
        assert single["http_reqs"] == USERS * N

        master_port = free_port()
        dist_json = tmp_path / "dist.json"
        sock_dir = Path("/tmp") / f"ll-{uuid.uuid4().hex[:8]}"  # short: Unix socket paths max ~107 bytes
        sock_dir.mkdir()
        target_port = int(target.url.rsplit(":", 1)[1])
        bridges = [unix_to_tcp_bridge(str(sock_dir / "master.sock"), master_port),
                   unix_to_tcp_bridge(str(sock_dir / "target.sock"), target_port)]
        ns_name = f"ll{uuid.uuid4().hex[:8]}"
        try:
            with network_namespace(ns_name) as ns:
                # Inside the namespace nothing answers on the target's port until the bridge is there.
                probe = ["ip", "netns", "exec", ns, sys.executable, "-c",
                         f"import socket; s=socket.socket(); print(s.connect_ex(('127.0.0.1', {target_port})))"]
                isolated = subprocess.run(probe, capture_output=True, text=True, timeout=30).stdout.strip()
                assert isolated != "0", "the namespace should not see the host's loopback"
                fwd = [sys.executable, "-m", "tests.support_services", "tcp-to-unix"]
                master = [LOCUST, *common, "--headless", "--host", target.url, "--master",
                          "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port),
                          "--expect-workers", "2", "--results-json", str(dist_json)]
                worker = [LOCUST, "-f", str(lf), "--worker", "--master-host", "127.0.0.1",
                          "--master-port", str(master_port)]
                with (process(["ip", "netns", "exec", ns, *fwd, str(master_port), str(sock_dir / "master.sock")],
                              log=tmp_path / "fwd-master.log"),
                      process(["ip", "netns", "exec", ns, *fwd, str(target_port), str(sock_dir / "target.sock")],
                              log=tmp_path / "fwd-target.log"),
                      process(master, log=tmp_path / "master.log") as m,
                      process(worker, log=tmp_path / "worker-host.log"),
                      process(["ip", "netns", "exec", ns, *worker], log=tmp_path / "worker-ns.log")):
                    code = m.wait(timeout=90)
                log = (tmp_path / "master.log").read_text(errors="replace")
                assert code == 0, log[-3000:]
                ns_log = (tmp_path / "worker-ns.log").read_text(errors="replace")
                assert "Traceback" not in ns_log, ns_log[-2000:]
        finally:
            for b in bridges:
                b.close()  # type: ignore[attr-defined]
            for p in sock_dir.iterdir():
                p.unlink()
            sock_dir.rmdir()
        dist_result = json.loads(dist_json.read_text())
        assert dist_result["meta"]["workers"] == 2
        assert _totals(dist_result) == single
        assert target.count == 2 * USERS * N


@pytest.mark.parametrize("load", ["profile", "users"])
def test_worker_killed_mid_run_leaves_a_completed_partial_run(tmp_path: Path, load: str) -> None:
    """``profile``: a constant-vus load profile (a LoadTestShape); ``users``: plain -u/-r/-t."""
    lf = tmp_path / "lf.py"
    lf.write_text(STEADY)
    profile = tmp_path / "p.toml"
    profile.write_text(textwrap.dedent(f'''
        [scenarios.browse]
        executor = "constant-vus"
        vus = {USERS}
        duration = "13s"
    '''))
    how = (["--load-profile", str(profile)] if load == "profile"
           else ["-u", str(USERS), "-r", str(USERS), "-t", "13s"])
    master_port, prom_port = free_port(), free_port()
    result_json, summary = tmp_path / "result.json", tmp_path / "summary.json"
    with Target() as target:
        master = [LOCUST, "-f", str(lf), "--headless", "--host", target.url, *how, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port),
                  "--expect-workers", "2", "--prometheus-port", str(prom_port), "--threshold",
                  "http_req_failed:rate<0.05", "--results-json", str(result_json), "--summary-export", str(summary)]
        worker = [LOCUST, "-f", str(lf), "--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)]
        metrics_url = f"http://127.0.0.1:{prom_port}/metrics"
        with (process(master, log=tmp_path / "master.log", env=child_env()) as m,
              process(worker, log=tmp_path / "w1.log"),
              process(worker, log=tmp_path / "w2.log") as victim):
            wait_http(metrics_url, timeout=45)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _exposition(metrics_url).get("loadlib_vus", 0) < USERS:
                time.sleep(0.2)
            time.sleep(4)  # both workers run and have reported at least once
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=10)
            time.sleep(1)
            seen_at_kill = _exposition(metrics_url)["loadlib_http_reqs_total"]
            sent_at_kill = target.count
            # the remaining worker takes over the lost worker's users (Locust's rebalancing, turned on)
            vus = 0.0
            deadline = time.monotonic() + 9
            while time.monotonic() < deadline:
                time.sleep(0.5)
                vus = _exposition(metrics_url).get("loadlib_vus", 0)
                if vus == USERS and time.monotonic() > deadline - 5:
                    break
            code = m.wait(timeout=60)
    log = (tmp_path / "master.log").read_text(errors="replace")
    assert code == 0, log[-3000:]
    assert vus == USERS, f"users after the loss: {vus}"
    assert "was lost" in log and "partial" in log  # logged, and in the text summary
    result = json.loads(result_json.read_text())
    meta = result["meta"]
    assert meta["partial"] is True
    assert any("worker" in n and "was lost" in n for n in meta["notes"]), meta["notes"]
    final = float(result["metrics"]["http_reqs"]["values"]["count"])
    assert final >= seen_at_kill  # everything the master had merged (incl. the lost worker's) is kept
    assert final > sent_at_kill  # and the run went on
    assert final <= target.count  # never more than really sent
    assert summary.exists() and json.loads(summary.read_text())["metrics"]["http_reqs"]["count"] == final
    assert [(t["metric"], t["ok"]) for t in result["thresholds"]] == [("http_req_failed", True)]
    assert result["status"] == "passed"


ARRIVAL = textwrap.dedent('''
    from locust import HttpUser, constant, task
    import loadlib  # noqa: F401


    class Paced(HttpUser):
        wait_time = constant(0)

        @task
        def go(self):
            self.client.get("/paced", name="paced")
''')

RATE = 40


def test_arrival_rate_is_resplit_over_the_remaining_worker_when_one_is_killed(tmp_path: Path) -> None:
    lf = tmp_path / "lf.py"
    lf.write_text(ARRIVAL)
    profile = tmp_path / "p.toml"
    profile.write_text(textwrap.dedent(f'''
        [scenarios.pay]
        executor = "constant-arrival-rate"
        exec = "Paced"
        rate = {RATE}
        duration = "16s"
        preAllocatedVUs = 4
        maxVUs = 20
    '''))
    port = free_port()
    result_json = tmp_path / "r.json"
    with Target() as target:
        master = [LOCUST, "-f", str(lf), "--headless", "--host", target.url, "--master", "--master-bind-host",
                  "127.0.0.1", "--master-bind-port", str(port), "--expect-workers", "2", "--load-profile",
                  str(profile), "--results-json", str(result_json)]
        worker = [LOCUST, "-f", str(lf), "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
        with (process(master, log=tmp_path / "master.log") as m, process(worker, log=tmp_path / "w1.log"),
              process(worker, log=tmp_path / "w2.log") as victim):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not target.arrivals:
                time.sleep(0.1)
            assert target.arrivals, (tmp_path / "master.log").read_text()[-2000:]
            first = target.arrivals[0]
            time.sleep(max(0.0, first + 5 - time.time()))
            os.kill(victim.pid, signal.SIGKILL)
            killed_at = time.time()
            code = m.wait(timeout=90)
        arrivals = list(target.arrivals)
    log = (tmp_path / "master.log").read_text(errors="replace")
    assert code == 0, log[-3000:]

    def rate(a: float, b: float) -> float:
        return sum(1 for t in arrivals if a <= t < b) / (b - a)

    assert rate(first + 1, killed_at) == pytest.approx(RATE, rel=0.15)  # both workers
    # Locust calls a worker missing after ~3 s without heartbeat; the rate is re-split at once
    assert rate(killed_at + 6, first + 15.5) == pytest.approx(RATE, rel=0.15), log[-3000:]
    result = json.loads(result_json.read_text())
    assert result["meta"]["partial"] is True and "re-split" in log
