"""Real `locust --headless` runs follow the profile second by second.

The probe locustfile records, once per whole second of shape time, the runner's
user count per class. A local loopback HTTP server answers the users' requests.
"""

from __future__ import annotations

import http.server
import json
import textwrap
import threading

import pytest

from loadlib.profiles import load_profile
from loadlib.shapes.timeline import class_targets, total_at
from tests.support import LOCUST, ROOT, child_env, free_port, process, run_locust

pytestmark = pytest.mark.integration

PROBE = str(ROOT / "tests/fixtures/locustfiles/shape_probe.py")
CLASSES = [("Alpha", 1.0), ("Beta", 1.0)]

# Twice as long as it runs: the test passes --time-scale 0.5. Jumps land between whole seconds.
RAMP = """
    description = "ramp 2 -> 12 at 2 users/s, hold, jump to 4, hold, ramp down to 0"
    [scenarios.main]
    executor = "ramping-vus"
    startVUs = 2
    stages = [
      { duration = "10s", target = 12 },
      { duration = "9s", target = 12 },
      { duration = "0s", target = 4 },
      { duration = "6s", target = 4 },
      { duration = "5s", target = 0 },
    ]
"""
TWO = """
    [scenarios.ramp]
    executor = "ramping-vus"
    exec = "Alpha"
    startVUs = 0
    stages = [{ duration = "4s", target = 6 }, { duration = "4s", target = 6 }, { duration = "2.5s", target = 1 }]
    [scenarios.steady]
    executor = "constant-vus"
    exec = "Beta"
    vus = 4
    duration = "6s"
    startTime = "2.5s"
"""


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def host():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def records(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def steady(profile, t, window):
    """True when every class target is the same over [t - window, t]."""
    samples = [class_targets(profile, t - window * k / 10, CLASSES) for k in range(11)]
    return all(s == samples[0] for s in samples)


def test_user_count_within_one_of_the_profile_every_second(tmp_path, host):
    profile_path = write(tmp_path, "ramp.toml", RAMP)
    out_path = tmp_path / "probe.jsonl"
    conf = write(tmp_path, "locust.conf", f"""
        time-scale = 0.5
        load-profile = {profile_path}
    """)  # the options also work from a locust.conf
    result = run_locust(["-f", PROBE, "--headless", "--host", host, "--config", conf], timeout=120,
                        env=child_env(LOADLIB_PROBE_OUT=str(out_path)))
    assert result.returncode == 0, result.stderr[-3000:]
    profile = load_profile(profile_path).scaled(0.5)
    rows = records(out_path)
    assert len(rows) >= int(profile.total_duration_s) - 1, rows  # ran the whole (scaled) profile: 15 s
    misses = [(r["t"], r["total"], total_at(profile, r["t"])) for r in rows
              if r["second"] >= 2 and abs(r["total"] - total_at(profile, r["t"])) > 1]
    assert not misses, f"(t, actual, target) off by more than 1: {misses}"
    # the shape is really followed, not just clamped: the ramp, the hold at 12 and the jump to 4 show up
    by_second = {r["second"]: r["total"] for r in rows}
    assert by_second[3] in (7, 8, 9) and by_second[7] == 12 and by_second[11] == 4


def _check_classes(profile, rows, lag):
    exact = 0
    for r in rows:
        t = r["t"]
        if r["second"] < 2 or t >= profile.total_duration_s:
            continue
        want = class_targets(profile, t, CLASSES)
        got = {k: r["classes"].get(k, 0) for k in want}
        if steady(profile, t, lag):
            assert got == want, (t, got, want)  # each class exactly its scenario's count
            exact += 1
        else:
            assert all(abs(got[k] - want[k]) <= 1 for k in want) or lag > 1, (t, got, want)
    assert exact >= 3, rows


def test_two_scenarios_each_class_gets_exactly_its_count(tmp_path, host):
    profile_path = write(tmp_path, "two.toml", TWO)
    out_path = tmp_path / "probe.jsonl"
    result = run_locust(["-f", PROBE, "--headless", "--host", host, "--load-profile", profile_path], timeout=120,
                        env=child_env(LOADLIB_PROBE_OUT=str(out_path)))
    assert result.returncode == 0, result.stderr[-3000:]
    profile = load_profile(profile_path)
    rows = records(out_path)
    assert len(rows) >= 9
    _check_classes(profile, rows, lag=0.6)
    assert any(r["classes"] == {"Alpha": 6, "Beta": 4} for r in rows)


def test_two_scenarios_exact_under_master_and_workers(tmp_path, host):
    profile_path = write(tmp_path, "two.toml", TWO)
    out_path = tmp_path / "probe.jsonl"
    port = free_port()
    env = child_env(LOADLIB_PROBE_OUT=str(out_path))
    worker = [LOCUST, "-f", PROBE, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    with process(worker, env=env, log=tmp_path / "w1.log"), process(worker, env=env, log=tmp_path / "w2.log"):
        result = run_locust(["-f", PROBE, "--headless", "--master", "--expect-workers", "2",
                             "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
                             "--host", host, "--load-profile", profile_path], timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    profile = load_profile(profile_path)
    rows = records(out_path)
    # the master sees worker reports, which trail the dispatch by up to a tick: judge steady periods only
    _check_classes(profile, rows, lag=1.6)


ITERATIONS = """
    [scenarios.batch]
    executor = "shared-iterations"
    exec = "Alpha"
    vus = 2
    iterations = 10
    maxDuration = "30s"
    [scenarios.bg]
    executor = "constant-vus"
    exec = "Beta"
    vus = 2
    duration = "7s"
"""


def test_shared_iterations_scenario_ends_when_its_iterations_are_done(tmp_path, host):
    """Alpha (2 users, one iteration per ~0.5 s each) finishes 10 iterations in ~3 s, long before maxDuration."""
    profile_path = write(tmp_path, "iter.toml", ITERATIONS)
    out_path = tmp_path / "probe.jsonl"
    result = run_locust(["-f", PROBE, "--headless", "--host", host, "--load-profile", profile_path], timeout=120,
                        env=child_env(LOADLIB_PROBE_OUT=str(out_path)))
    assert result.returncode == 0, result.stderr[-3000:]
    rows = records(out_path)
    assert rows[0]["classes"] == {"Alpha": 2, "Beta": 2}
    alpha = [r["classes"]["Alpha"] for r in rows]
    first_zero = alpha.index(0)
    assert 2 <= first_zero <= 6 and not any(alpha[first_zero:]), alpha
    assert all(r["classes"]["Beta"] == 2 for r in rows if r["t"] < 6.9)
    assert len(rows) <= 9  # the run ended with the constant-vus scenario (7 s), not at maxDuration


GRACEFUL = """
    [scenarios.slow]
    executor = "ramping-vus"
    startVUs = 4
    gracefulRampDown = "5s"
    gracefulStop = "5s"
    stages = [{ duration = "2s", target = 4 }, { duration = "3s", target = 1 }, { duration = "1s", target = 1 }]
"""


def test_ramped_down_users_finish_their_iteration(tmp_path):
    """k6's gracefulRampDown/gracefulStop: a stopped user completes the task it is in; none is cut off."""
    profile_path = write(tmp_path, "graceful.toml", GRACEFUL)
    out_path = tmp_path / "tasks.log"
    result = run_locust(["-f", str(ROOT / "tests/fixtures/locustfiles/slow_tasks.py"), "--headless",
                         "--load-profile", profile_path], timeout=120, env=child_env(LOADLIB_PROBE_OUT=str(out_path)))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = out_path.read_text().split()
    assert lines.count("start") >= 8
    assert lines.count("start") == lines.count("done"), "a task was killed mid-iteration"
