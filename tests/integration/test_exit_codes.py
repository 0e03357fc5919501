"""Exit codes on real `locust --headless` runs (k6's numbers), and abortOnFail stopping a run early.

    0 thresholds pass (checks failing or iterations raising do not change it)
    99 a threshold failed (at the end, or abortOnFail during the run)
    104 a threshold that does not parse / fit its metric: before any request
    105 SIGTERM mid-run
    107 an exception in a user's on_start (k6: init/setup code)
"""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from tests.integration.test_distributed_metrics import Server
from tests.support import LOCUST, child_env, run_locust

pytestmark = pytest.mark.integration

LOCUSTFILE = '''
import os

from locust import HttpUser, constant, task

from loadlib import Trend, check

MODE = os.environ.get("EXIT_TEST_MODE", "ok")
work = Trend("work_ms", time=True)


class U(HttpUser):
    wait_time = constant(0.02)

    def on_start(self):
        if MODE == "onstart":
            raise RuntimeError("setup broke")

    @task
    def t(self):
        r = self.client.get("/x?status=500" if MODE == "fail" else "/x", name="x")
        check(r, {"is 200": lambda r: r.status_code == 200})
        work.add(5.0)
        if MODE == "taskerror":
            raise KeyError("bug in the iteration")
'''


@pytest.fixture
def server():
    with Server() as s:
        yield s


@pytest.fixture
def locustfile(tmp_path):
    path = tmp_path / "exit_codes.py"
    path.write_text(LOCUSTFILE)
    return path


def _run(locustfile, server, *args: str, mode: str = "ok", run_time: str = "3s", dump=None, timeout: float = 120):
    env = child_env(EXIT_TEST_MODE=mode, **({"LOADLIB_DEBUG_SNAPSHOT": str(dump)} if dump else {}))
    return run_locust(["-f", str(locustfile), "--headless", "-u", "2", "-r", "10", "-t", run_time,
                       "--host", server.url, *args], env=env, timeout=timeout)


def _out(res) -> str:
    return (res.stdout or "")[-3000:] + (res.stderr or "")[-3000:]


def test_passing_thresholds_exit_0_even_with_failed_checks_and_iteration_errors(locustfile, server, tmp_path):
    dump = tmp_path / "dump.json"
    res = _run(locustfile, server, "--threshold", "http_reqs:count>0",
               "--threshold", "http_req_duration{expected_response:true}:p(95)<5000",
               "--threshold", "work_ms:med==5", "--threshold", "script_errors:count>0", mode="taskerror", dump=dump)
    assert res.returncode == 0, _out(res)
    data = json.loads(dump.read_text())
    assert data["metrics"]["script_errors"]["count"] > 0  # counted, logged, the run goes on (as k6)
    assert data["metrics"]["iterations"]["count"] == data["metrics"]["http_reqs"]["count"]


def test_failed_threshold_exits_99(locustfile, server):
    res = _run(locustfile, server, "--threshold", "http_req_duration:max<0.0001",
               "--threshold", "checks:rate>0.99")
    assert res.returncode == 99, _out(res)
    assert server.count > 0


@pytest.mark.parametrize(
    ("threshold", "words", "caret_line"),
    [
        ("http_req_duration:p(95)<<500", "expected a number", "          ^"),
        ("http_req_failed:p(95)<0.01", "does not apply to http_req_failed, a rate", "    ^"),
        ("http_req_duraton:p(95)<500", "did you mean 'http_req_duration'", None),
    ],
)
def test_bad_threshold_exits_104_before_any_request(locustfile, server, threshold, words, caret_line):
    res = _run(locustfile, server, "--threshold", threshold)
    assert res.returncode == 104, _out(res)
    assert words in res.stderr
    if caret_line:
        assert caret_line in res.stderr.splitlines()
    assert "Traceback" not in res.stderr
    assert server.count == 0


def test_abort_on_fail_stops_the_run_early_after_its_delay(locustfile, server, tmp_path):
    dump = tmp_path / "dump.json"
    started = time.monotonic()
    res = _run(locustfile, server, "--threshold", "http_req_failed:rate<0.01;abortOnFail;delayAbortEval=3s",
               mode="fail", run_time="60s", dump=dump)
    wall = time.monotonic() - started
    assert res.returncode == 99, _out(res)
    ran = json.loads(dump.read_text())["duration_s"]
    assert 3.0 <= ran < 15.0, ran  # not before delayAbortEval; long before -t 60s
    assert wall < 45


def test_on_start_exception_exits_107(locustfile, server):
    res = _run(locustfile, server, "--threshold", "http_reqs:count>=0", mode="onstart", run_time="2s")
    assert res.returncode == 107, _out(res)


def test_sigterm_mid_run_exits_105(locustfile, server, tmp_path):
    env = child_env(EXIT_TEST_MODE="ok")
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([LOCUST, "-f", str(locustfile), "--headless", "-u", "2", "-r", "10", "-t", "60s",
                                 "--host", server.url], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while server.count < 5 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            assert server.count >= 5, log.read_text()[-3000:]
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert code == 105, log.read_text()[-3000:]
