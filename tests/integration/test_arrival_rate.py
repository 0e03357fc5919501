"""Arrival-rate executors in real locust processes against a target whose latency the test controls.

The target (tests/integration/arrival_target.py) records when each request
arrives, so achieved rates are measured where they matter: at the target.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadlib.arrival.schedule import RateCurve
from tests.support import LOCUST, ROOT, child_env, free_port, process, run_locust, wait_http

pytestmark = pytest.mark.integration

TARGET = ROOT / "tests" / "integration" / "arrival_target.py"

LOCUSTFILE = '''
from locust import FastHttpUser, task, constant
import loadlib  # noqa: F401

class {name}(FastHttpUser):
    wait_time = constant(0)

    @task
    def work(self):
        self.client.get("/work/{path}")
'''


class Target:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def delay(self, ms: float) -> float:
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/control?delay_ms={ms}", method="POST")):
            return time.time()

    def arrivals(self, prefix: str) -> list[float]:
        with urllib.request.urlopen(f"{self.url}/arrivals?prefix={prefix}") as r:
            return sorted(json.loads(r.read()))

    def wait_first(self, prefix: str, timeout: float = 30.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            a = self.arrivals(prefix)
            if a:
                return a[0]
            time.sleep(0.02)
        raise TimeoutError(f"no request to {prefix} within {timeout}s")


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    port = free_port()
    with process([sys.executable, str(TARGET), str(port)], log=tmp_path / "target.log"):
        wait_http(f"http://127.0.0.1:{port}/health")
        yield Target(port)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def locustfile(tmp_path: Path, *classes: tuple[str, str], name: str = "lf.py") -> Path:
    return write(tmp_path, name, "\n".join(LOCUSTFILE.format(name=n, path=p) for n, p in classes))


def summary(output: str, scenario: str) -> dict[str, float]:
    """Numbers from the executor's end-of-run line for ``scenario``."""
    m = re.search(rf"arrival rate: {scenario} \(.*?achieved ([\d.]+)/s .*?(\d+) of (\d+) iterations started, "
                  rf"(\d+) dropped", output)
    assert m, f"no arrival summary for {scenario} in:\n{output[-3000:]}"
    return {"achieved": float(m[1]), "started": int(m[2]), "scheduled": int(m[3]), "dropped": int(m[4])}


def count_between(times: list[float], lo: float, hi: float) -> int:
    return sum(1 for t in times if lo <= t < hi)


def test_rate_holds_through_tenfold_slowdown_while_closed_model_falls(tmp_path: Path, target: Target) -> None:
    lf = locustfile(tmp_path, ("Open", "open"))
    closed = write(tmp_path, "closed.py", '''
        from locust import FastHttpUser, task, constant

        class Closed(FastHttpUser):
            wait_time = constant(0.015)

            @task
            def work(self):
                self.client.get("/work/closed")
    ''')
    profile = write(tmp_path, "p.toml", '''
        [scenarios.steady]
        executor = "constant-arrival-rate"
        exec = "Open"
        rate = 50
        timeUnit = "1s"
        duration = "10s"
        preAllocatedVUs = 5
        maxVUs = 30
    ''')
    target.delay(5)
    host = ["--host", target.url, "--headless"]
    with process([LOCUST, "-f", str(closed), *host, "-u", "1", "-r", "1", "-t", "30s"],
                 log=tmp_path / "closed.log"):
        result: dict[str, subprocess.CompletedProcess[str]] = {}
        t = threading.Thread(target=lambda: result.update(
            open=run_locust(["-f", str(lf), *host, "--load-profile", str(profile)], timeout=90)))
        t.start()
        first = target.wait_first("/work/open")
        time.sleep(max(0.0, first + 5.0 - time.time()))
        switched = target.delay(50)
        t.join(100)
    out = result["open"].stdout + result["open"].stderr
    assert result["open"].returncode == 0, out[-3000:]

    opened = target.arrivals("/work/open")
    # windows bounded half-way between scheduled starts (every 20 ms from the first)
    def window(a: float, b: float) -> tuple[float, float, int]:
        lo = first + (round((a - first) / 0.02) + 0.5) * 0.02
        hi = first + (round((b - first) / 0.02) + 0.5) * 0.02
        return lo, hi, round((hi - lo) / 0.02)

    fast_lo, fast_hi, fast_expected = window(first + 0.5, switched - 0.3)
    slow_lo, slow_hi, slow_expected = window(switched + 0.3, first + 9.7)
    fast = count_between(opened, fast_lo, fast_hi)
    slow = count_between(opened, slow_lo, slow_hi)
    assert abs(fast - fast_expected) <= 0.01 * fast_expected, (fast, fast_expected)
    assert abs(slow - slow_expected) <= 0.01 * slow_expected, (slow, slow_expected)
    assert abs(len(opened) - 500) <= 5
    s = summary(out, "steady")
    assert s["dropped"] == 0 and s["started"] == 500

    # the closed model under the same change: its rate falls
    shut = target.arrivals("/work/closed")
    closed_fast = count_between(shut, switched - 3.0, switched) / 3.0
    closed_slow = count_between(shut, switched + 0.5, switched + 3.5) / 3.0
    assert closed_slow < 0.6 * closed_fast, (closed_fast, closed_slow)
    print(f"open model: {fast / (fast_hi - fast_lo):.2f}/s -> {slow / (slow_hi - slow_lo):.2f}/s; "
          f"closed model: {closed_fast:.1f}/s -> {closed_slow:.1f}/s")


def test_dropped_iterations_only_when_max_vus_is_too_small(tmp_path: Path, target: Target) -> None:
    lf = locustfile(tmp_path, ("Tight", "tight"), ("Ample", "ample"))
    profile = write(tmp_path, "p.toml", '''
        [scenarios.tight]
        executor = "constant-arrival-rate"
        exec = "Tight"
        rate = 40
        duration = "4s"
        preAllocatedVUs = 1
        maxVUs = 1

        [scenarios.ample]
        executor = "constant-arrival-rate"
        exec = "Ample"
        rate = 40
        duration = "4s"
        preAllocatedVUs = 1
        maxVUs = 10
    ''')
    target.delay(50)  # 40/s x ~0.05 s needs 2-3 VUs
    export = tmp_path / "summary.json"
    r = run_locust(["-f", str(lf), "--headless", "--host", target.url, "--load-profile", str(profile),
                    "--summary-export", str(export)], timeout=90)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    tight, ample = summary(out, "tight"), summary(out, "ample")
    assert tight["dropped"] > 40 and tight["started"] + tight["dropped"] == 160
    assert ample["dropped"] == 0 and ample["started"] == 160
    warnings = re.findall(r"Insufficient VUs, reached (\d+) active VUs and cannot initialize more.*scenario=(\w+)", out)
    assert warnings == [("1", "tight")]
    assert "tight: " in out and "set maxVUs >= ceil(40/s x" in out  # the sizing advice
    assert abs(len(target.arrivals("/work/tight")) - tight["started"]) <= 1  # the last may be cut at the end
    metrics = json.loads(export.read_text())["metrics"]
    assert metrics["dropped_iterations"]["count"] == tight["dropped"]  # the report a user reads agrees
    assert metrics["iteration_schedule_lag"]["p(95)"] >= 0


def test_ramping_rate_follows_its_stages(tmp_path: Path, target: Target) -> None:
    lf = locustfile(tmp_path, ("Ramp", "ramp"))
    profile = write(tmp_path, "p.toml", '''
        [scenarios.ramp]
        executor = "ramping-arrival-rate"
        exec = "Ramp"
        startRate = 10
        timeUnit = "1s"
        preAllocatedVUs = 5
        maxVUs = 40
        stages = [
          { duration = "4s", target = 60 },
          { duration = "2s", target = 60 },
          { duration = "2s", target = 20 },
        ]
    ''')
    target.delay(10)
    r = run_locust(["-f", str(lf), "--headless", "--host", target.url, "--load-profile", str(profile)], timeout=90)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    curve = RateCurve.from_points(10, [(4, 60), (2, 60), (2, 20)], first_area=1.0)  # as k6 plans it
    arrivals = target.arrivals("/work/ramp")
    first = arrivals[0] - curve.time_of(0)  # the scenario's start: its first iteration is at area 1 (0.1 s)
    assert abs(len(arrivals) - curve.total_starts) <= 1, (len(arrivals), curve.total_starts)
    for sec in range(8):
        got = count_between(arrivals, first + sec, first + sec + 1)
        want = curve.count_before(sec + 1) - curve.count_before(sec)
        # a generator stall on a busy CI host moves a few starts into the next second
        assert abs(got - want) <= max(3, 0.1 * want), (sec, got, want)
    assert summary(out, "ramp")["dropped"] == 0


def test_master_with_two_workers_gives_the_same_total_rate(tmp_path: Path, target: Target) -> None:
    lf = locustfile(tmp_path, ("Dist", "dist"))
    profile = write(tmp_path, "p.toml", '''
        [scenarios.spread]
        executor = "constant-arrival-rate"
        exec = "Dist"
        rate = 100
        duration = "6s"
        preAllocatedVUs = 4
        maxVUs = 40
    ''')
    target.delay(10)
    port = free_port()
    env = child_env()
    worker = [LOCUST, "-f", str(lf), "--worker", "--master-port", str(port)]
    # one process with the same profile, at the same time, against a twin path of the same target
    solo_lf = locustfile(tmp_path, ("Dist", "solo"), name="solo.py")
    solo: dict[str, subprocess.CompletedProcess[str]] = {}
    t = threading.Thread(target=lambda: solo.update(r=run_locust(
        ["-f", str(solo_lf), "--headless", "--host", target.url, "--load-profile", str(profile)], timeout=90)))
    with process(worker, env=env, log=tmp_path / "w1.log"), process(worker, env=env, log=tmp_path / "w2.log"):
        t.start()
        r = run_locust(["-f", str(lf), "--master", "--headless", "--expect-workers", "2",
                        "--master-bind-port", str(port), "--host", target.url, "--load-profile", str(profile)],
                       timeout=120)
        t.join(100)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    arrivals = target.arrivals("/work/dist")
    assert abs(len(arrivals) - 600) <= 6, len(arrivals)
    s = summary(out, "spread")
    assert s["dropped"] == 0 and s["started"] == 600
    # the two workers' starts interleave: evenly spaced at 100/s, not two bursts of 50/s
    first = arrivals[0]
    for half in range(1, 11):
        got = count_between(arrivals, first + half * 0.5 + 0.005, first + (half + 1) * 0.5 + 0.005)
        assert abs(got - 50) <= 3, (half, got)
    gaps = sorted(b - a for a, b in zip(arrivals, arrivals[1:], strict=False))
    assert gaps[len(gaps) // 2] == pytest.approx(0.01, abs=0.003)
    assert summary(solo["r"].stdout + solo["r"].stderr, "spread")["started"] == 600
    assert abs(len(target.arrivals("/work/solo")) - len(arrivals)) <= 6


def test_rate_is_resplit_when_a_worker_joins(tmp_path: Path, target: Target) -> None:
    lf = write(tmp_path, "lf.py", '''
        import os
        from locust import FastHttpUser, task, constant
        import loadlib  # noqa: F401

        class Join(FastHttpUser):
            wait_time = constant(0)

            @task
            def work(self):
                self.client.get("/work/join/" + os.environ["WORKER_TAG"])
    ''')
    profile = write(tmp_path, "p.toml", '''
        [scenarios.grow]
        executor = "constant-arrival-rate"
        exec = "Join"
        rate = 60
        duration = "12s"
        preAllocatedVUs = 4
        maxVUs = 40
    ''')
    target.delay(10)
    port = free_port()
    worker = [LOCUST, "-f", str(lf), "--worker", "--master-port", str(port)]
    master = [LOCUST, "-f", str(lf), "--master", "--headless", "--expect-workers", "1", "--enable-rebalancing",
              "--master-bind-port", str(port), "--host", target.url, "--load-profile", str(profile)]
    with process(worker, env=child_env(WORKER_TAG="w1"), log=tmp_path / "w1.log"):
        result: dict[str, subprocess.CompletedProcess[str]] = {}
        t = threading.Thread(target=lambda: result.update(m=run_locust(master[1:], timeout=90,
                                                                         env=child_env(WORKER_TAG="m"))))
        t.start()
        first = target.wait_first("/work/join/")
        # the run has started on one worker; the second one joins (and starts up) now
        with process(worker, env=child_env(WORKER_TAG="w2"), log=tmp_path / "w2.log"):
            t.join(100)
    out = result["m"].stdout + result["m"].stderr
    assert result["m"].returncode == 0, out[-3000:]
    assert "arrival rate re-split over 2 worker(s)" in out
    w1, w2 = target.arrivals("/work/join/w1"), target.arrivals("/work/join/w2")
    both = sorted(w1 + w2)
    assert abs(len(both) - 720) <= 7, len(both)
    assert summary(out, "grow")["dropped"] == 0
    # the total stays 60/s across the join; once both run, each takes half of it
    for sec in range(1, 11):
        got = count_between(both, first + sec + 0.01, first + sec + 1.01)
        assert abs(got - 60) <= 3, (sec, got)
    joined = w2[0]
    assert joined < first + 9.0, "the second worker never got a share in time"
    lo, hi = joined + 0.5, first + 11.5
    n1, n2 = count_between(w1, lo, hi), count_between(w2, lo, hi)
    assert n2 > 50 and abs(n1 - n2) <= max(3, 0.05 * (n1 + n2)), (n1, n2)


def test_latency_from_schedule_shows_a_slow_target_in_the_percentiles(tmp_path: Path, target: Target) -> None:
    lf = locustfile(tmp_path, ("Late", "late"))
    profile = write(tmp_path, "p.toml", '''
        [scenarios.late]
        executor = "constant-arrival-rate"
        exec = "Late"
        rate = 20
        duration = "4s"
        preAllocatedVUs = 3
        maxVUs = 3
    ''')
    target.delay(300)  # 3 VUs x 1/0.3 s = 10/s < 20/s: without correction half the starts would vanish
    export = tmp_path / "summary.json"
    r = run_locust(["-f", str(lf), "--headless", "--host", target.url, "--load-profile", str(profile),
                    "--latency-from-schedule", "--summary-export", str(export)], timeout=90)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    m = json.loads(export.read_text())["metrics"]
    measured, corrected = m["http_req_duration"], m["http_req_duration_corrected"]
    assert measured["p(95)"] < 450  # what the target's latency alone says
    assert corrected["p(95)"] > 1500  # what a user arriving on schedule waited: the backlog shows
    assert corrected["max"] > 3 * measured["max"]
    assert m["iteration_schedule_lag"]["p(95)"] > 1000


def test_survivor_takes_the_whole_rate_when_a_worker_is_killed(tmp_path: Path, target: Target) -> None:
    lf = write(tmp_path, "lf.py", '''
        import os
        from locust import FastHttpUser, task, constant
        import loadlib  # noqa: F401

        class Stay(FastHttpUser):
            wait_time = constant(0)

            @task
            def work(self):
                self.client.get("/work/stay/" + os.environ["WORKER_TAG"])
    ''')
    profile = write(tmp_path, "p.toml", '''
        [scenarios.survive]
        executor = "constant-arrival-rate"
        exec = "Stay"
        rate = 60
        duration = "12s"
        preAllocatedVUs = 4
        maxVUs = 40
    ''')
    target.delay(10)
    port = free_port()
    worker = [LOCUST, "-f", str(lf), "--worker", "--master-port", str(port)]
    master = ["-f", str(lf), "--master", "--headless", "--expect-workers", "2", "--master-bind-port", str(port),
              "--host", target.url, "--load-profile", str(profile)]
    with process(worker, env=child_env(WORKER_TAG="w1"), log=tmp_path / "w1.log"), \
            process(worker, env=child_env(WORKER_TAG="w2"), log=tmp_path / "w2.log") as doomed:
        result: dict[str, subprocess.CompletedProcess[str]] = {}
        t = threading.Thread(target=lambda: result.update(m=run_locust(master, timeout=90,
                                                                         env=child_env(WORKER_TAG="m"))))
        t.start()
        first = target.wait_first("/work/stay/")
        time.sleep(max(0.0, first + 3.0 - time.time()))
        doomed.kill()
        killed = time.time()
        t.join(100)
    out = result["m"].stdout + result["m"].stderr
    assert result["m"].returncode == 0, out[-3000:]
    assert "arrival rate re-split over 1 worker(s)" in out
    w1, w2 = target.arrivals("/work/stay/w1"), target.arrivals("/work/stay/w2")
    assert not [t for t in w2 if t > killed + 0.2]
    # before the kill both carry half; once the master noticed (3 s of silence, then a 1 s margin),
    # the survivor carries it all
    assert abs(count_between(w1, first + 1, first + 3) - count_between(w2, first + 1, first + 3)) <= 6
    for sec in range(int(killed - first) + 6, 11):
        got = count_between(w1, first + sec + 0.01, first + sec + 1.01)
        assert abs(got - 60) <= 4, (sec, got)
