"""Bad load-profile input ends a real `locust --headless` run with exit 104, one message, no traffic.

Each case points --host at a counting HTTP server on loopback and asserts that
it received no request: the profile is validated at `init`, before any user.
"""

from __future__ import annotations

import http.server
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import ROOT, child_env, free_port, run_locust

pytestmark = pytest.mark.integration

PROBE = str(ROOT / "tests/fixtures/locustfiles/shape_probe.py")


class _Counting(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def counting_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


BAD_DURATION = """
    [scenarios.read]
    executor = "ramping-vus"
    exec = "Alpha"
    stages = [{duration = "1s", target = 1}, {duration = "2x", target = 2}]
"""
NEGATIVE_TARGET = 'stages = [{duration = "2s", target = 2}, {duration = "2s", target = -3}]\n'
UNKNOWN_EXECUTOR = '[scenarios.a]\nexecutor = "ramping-vu"\nstages = [{duration = "2s", target = 1}]\n'
UNKNOWN_KEY = '[scenarios.a]\nexecutor = "ramping-vus"\nstartVU = 2\nstages = [{duration = "2s", target = 1}]\n'
MISSING_FIELD = '[scenarios.slo]\nexecutor = "constant-arrival-rate"\nrate = 10\npreAllocatedVUs = 2\n'
JS_OPTIONS = """{
  "scenarios": {
    "flash_sale": {
      executor: "ramping-vus",
      "stages": [{"duration": "2s", "target": 2}]
    }
  }
}
"""
UNKNOWN_CLASS = '[scenarios.a]\nexecutor = "constant-vus"\nexec = "Alpah"\nduration = "2s"\n'

CASES = {
    "unknown profile name": (
        None, None, ["--load-profile", "paymnts-load"],
        ["unknown load profile 'paymnts-load'", "did you mean 'payments-load'", "available profiles:", "smoke"],
    ),
    "malformed duration": (
        "bad.toml", BAD_DURATION, [],
        ["scenarios.read.stages[1].duration = '2x' is not valid", "500ms, 30s, 2m, 3h30m"],
    ),
    "negative target": (
        "neg.toml", NEGATIVE_TARGET, [], ["stages[1].target = -3 is not valid; expected a whole number >= 0"],
    ),
    "unknown executor": (
        "exe.toml", UNKNOWN_EXECUTOR, [],
        ["scenarios.a.executor = 'ramping-vu'", "did you mean 'ramping-vus'", "constant-arrival-rate"],
    ),
    "unknown key": (
        "key.toml", UNKNOWN_KEY, [],
        ["unknown key 'scenarios.a.startVU'", "did you mean 'startVUs'", "accepted keys:", "gracefulRampDown"],
    ),
    "missing required field": (
        "missing.toml", MISSING_FIELD, [],
        ["scenarios.slo.duration is required for executor constant-arrival-rate"],
    ),
    "JSON options containing JavaScript": (
        "options.json", JS_OPTIONS, [],
        ["options.json:4:7: this looks like JavaScript, not JSON (unquoted key executor)"],
    ),
    "exec naming no user class": (
        "cls.toml", UNKNOWN_CLASS, [], ["scenarios.a.exec = 'Alpah'", "Alpha, Beta", "did you mean 'Alpha'"],
    ),
}


@pytest.fixture(scope="module")
def runs(counting_server, tmp_path_factory):
    """Every case's locust run, started a few at a time (each start costs seconds of imports)."""
    tmp = tmp_path_factory.mktemp("bad-profiles")

    def one(case):
        fname, text, extra, _ = CASES[case]
        case_dir = tmp / case.replace(" ", "-")
        case_dir.mkdir()
        args = ["-f", PROBE, "--headless", "--host", f"http://127.0.0.1:{counting_server.server_port}", *extra]
        if fname:
            args += ["--load-profile", write(case_dir, fname, text)]
        out = run_locust(args, timeout=90, env=child_env(LOADLIB_PROBE_OUT=str(case_dir / "probe.jsonl")))
        return out, case_dir

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CASES, pool.map(one, CASES), strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_bad_profile_exits_104_with_one_message_and_no_traffic(case, runs):
    out, case_dir = runs[case]
    needles = CASES[case][3]
    output = out.stdout + out.stderr
    assert out.returncode == 104, output
    errors = [line for line in output.splitlines() if "loadlib: error:" in line]
    assert len(errors) == 1, output
    for needle in needles:
        assert needle in errors[0], errors[0]
    assert "Traceback" not in output
    assert not (case_dir / "probe.jsonl").exists()  # no test started, no user spawned


def test_no_request_reached_the_target(runs):
    assert runs and _Counting.hits == 0


def test_locustfile_default_profile_that_does_not_exist(tmp_path, counting_server):
    env = child_env(LOADLIB_PROBE_DEFAULT="no-such-profile")
    out = run_locust(["-f", PROBE, "--headless", "--host", f"http://127.0.0.1:{counting_server.server_port}"],
                     timeout=60, env=env)
    output = out.stdout + out.stderr
    assert out.returncode == 104, output
    assert "unknown load profile 'no-such-profile'" in output and "Traceback" not in output


def test_options_come_from_locust_conf_and_environment(tmp_path, counting_server):
    """locust.conf keys and LOCUST_* variables reach loadlib's options (Locust's own --help is printed
    before the locustfile imports loadlib, so it cannot list them)."""
    conf = write(tmp_path, "locust.conf", f"""
        locustfile = {PROBE}
        headless = true
        host = http://127.0.0.1:{counting_server.server_port}
        load-profile = paymnts-load
    """)
    out = run_locust(["--config", conf], timeout=60)
    assert out.returncode == 104 and "unknown load profile 'paymnts-load'" in out.stderr, out.stderr
    env = child_env(LOCUST_LOAD_PROFILE="demo", LOCUST_TIME_SCALE="-1")
    out = run_locust(["-f", PROBE, "--headless", "--host", f"http://127.0.0.1:{counting_server.server_port}"],
                     timeout=60, env=env)
    assert out.returncode == 104 and "--time-scale = '-1' is not valid" in out.stderr, out.stderr
    out = run_locust(["-f", PROBE, "--headless", "--host", f"http://127.0.0.1:{counting_server.server_port}",
                      "--stage", "1m:10", "--stage", "30s:-1"], timeout=60)
    assert out.returncode == 104 and "--stage #2 = '30s:-1' is not valid" in out.stderr, out.stderr
