"""A locustfile without a host gets the embedded sandbox; the sandbox process is gone after the run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.support import LOCUST, child_env, free_port, process, run_locust

pytestmark = pytest.mark.integration

LOCUSTFILE = '''
import json
import os
import signal
import os

from locust import HttpUser, constant, events, task

import loadlib  # noqa: F401  (registers the hub)


OK = []


class Shopper(HttpUser):
    wait_time = constant(0.05)

    @task
    def health(self):
        if self.client.get("/mina/health").status_code == 200:
            OK.append(1)


@events.test_stop.add_listener
def remember(environment, **_kw):
    from loadlib.plugin import state

    with open(os.environ["HOST_FILE"], "w") as f:
        json.dump({"host": environment.host, "extras_url": state.RUN.extras.get("sandbox_url"), "ok": len(OK)}, f)
'''


def gone(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/health", timeout=3)
    except urllib.error.URLError:
        return True
    return False


@pytest.fixture
def locustfile(tmp_path):
    path = tmp_path / "shop.py"
    path.write_text(LOCUSTFILE)
    return path


def env_with(tmp_path, host_file="host.json"):
    return child_env(HOST_FILE=str(tmp_path / host_file))


def test_no_host_starts_the_sandbox_and_stops_it_at_exit(tmp_path, locustfile):
    result = run_locust(["-f", str(locustfile), "--headless", "-u", "2", "-r", "2", "-t", "3s", "--only-summary"],
                        env=env_with(tmp_path), cwd=tmp_path, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    match = re.search(r"loadlib: embedded sandbox at (http://127\.0\.0\.1:\d+)", output)
    assert match, output[-3000:]
    url = match.group(1)
    seen = json.loads((tmp_path / "host.json").read_text())
    assert seen["host"] == seen["extras_url"] == url
    assert seen["ok"] > 10
    assert re.search(r"GET\s+/mina/health\s+\d+\s+0\(0\.00%\)", output), output[-3000:]
    assert gone(url), "the sandbox process outlived the run"


def test_an_explicit_host_starts_no_sandbox(tmp_path, locustfile):
    # a host nobody listens on: requests fail, but no sandbox may be started
    port = free_port()
    result = run_locust(["-f", str(locustfile), "--headless", "-u", "1", "-r", "1", "-t", "1s", "--only-summary",
                         "--host", f"http://127.0.0.1:{port}"], env=env_with(tmp_path), cwd=tmp_path, timeout=120)
    assert "embedded sandbox" not in result.stdout + result.stderr
    assert json.loads((tmp_path / "host.json").read_text())["host"] == f"http://127.0.0.1:{port}"


def test_workers_get_the_masters_sandbox_host(tmp_path, locustfile):
    # The worker joins once the master's init is done: a worker whose hello arrives while the master's
    # init listeners still run is never given users (a hub race reported separately, not a sandbox matter).
    master_port = free_port()
    master_log = tmp_path / "master.log"
    master = subprocess.Popen([LOCUST, "-f", str(locustfile), "--master", "--headless", "--expect-workers", "1",
                               "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port),
                               "-u", "2", "-r", "2", "-t", "3s", "--only-summary"], cwd=tmp_path,
                              env=env_with(tmp_path), stdout=open(master_log, "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    try:
        deadline = time.monotonic() + 60
        while "embedded sandbox at" not in master_log.read_text() and time.monotonic() < deadline:
            assert master.poll() is None, master_log.read_text()[-3000:]
            time.sleep(0.1)
        url = re.search(r"embedded sandbox at (http://127\.0\.0\.1:\d+)", master_log.read_text()).group(1)
        with process([LOCUST, "-f", str(locustfile), "--worker", "--master-port", str(master_port)], cwd=tmp_path,
                     env=env_with(tmp_path, "worker-host.json"), log=tmp_path / "worker.log"):
            assert master.wait(timeout=120) == 0, master_log.read_text()[-3000:]
    finally:
        if master.poll() is None:
            master.kill()
            master.wait(timeout=15)
    on_worker = json.loads((tmp_path / "worker-host.json").read_text())
    assert on_worker["host"] == url
    assert on_worker["ok"] > 10  # the worker's users really reached the master's sandbox
    assert "embedded sandbox" not in (tmp_path / "worker.log").read_text()
    assert gone(url)


def test_ctrl_c_keeps_the_sandbox_until_users_stop_then_stops_it(tmp_path, locustfile):
    # Ctrl-C signals the whole foreground process group: the sandbox must not die before the users do
    log = tmp_path / "locust.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([LOCUST, "-f", str(locustfile), "--headless", "-u", "5", "-r", "5", "-t", "60s",
                                 "--only-summary"], cwd=tmp_path, env=env_with(tmp_path), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while "embedded sandbox at" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(2)  # traffic flowing
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=15)
    output = log.read_text()
    url = re.search(r"embedded sandbox at (http://127\.0\.0\.1:\d+)", output).group(1)
    assert "Connection refused" not in output, output[-3000:]
    assert json.loads((tmp_path / "host.json").read_text())["ok"] > 10
    assert gone(url)


def test_a_sandbox_that_does_not_start_in_time_is_a_clear_error_and_is_killed(tmp_path):
    # in a child interpreter: importing the hub imports locust (gevent patching), which pytest must not
    script = (
        "import loadlib.plugin.sandbox as s\n"
        "from loadlib.errors import LoadlibError\n"
        "p = s.SandboxProcess(timeout_s=0.01)\n"
        "try:\n"
        "    p.start()\n"
        "except LoadlibError as e:\n"
        "    print('ERROR:', e)\n"
        "print('GONE:', p.proc is None)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=child_env(), capture_output=True,
                            text=True, timeout=60)
    assert "ERROR: the embedded sandbox did not start within 0 s" in result.stdout, result.stdout + result.stderr
    assert "pass --host to test another target" in result.stdout
    assert "GONE: True" in result.stdout
