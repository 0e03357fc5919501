"""Ctrl-C (SIGINT) and SIGTERM mid-run: exit 105 and every report written, marked interrupted.

Covered with and without a LoadTestShape: while a shape runs, Locust has no
SIGTERM handler of its own yet, so loadlib's handler must stop the run itself.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from tests.integration.test_reports import (
    BASIC,
    SHAPE,
    loopback_server,
    no_temp_files,
    read_reports,
    report_args,
)
from tests.support import LOCUST, ROOT, child_env

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("locustfile, extra", [(BASIC, ["-u", "3", "-r", "3", "-t", "60s"]), (SHAPE, [])],
                         ids=["users", "shape"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_run_exits_105_with_reports_marked_interrupted(tmp_path, sig, locustfile, extra):
    with loopback_server() as server:
        cmd = [LOCUST, "-f", locustfile, "--headless", "--host", server.url, *extra, *report_args(tmp_path)]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            deadline = time.monotonic() + 90
            while server.count < 30 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert server.count >= 30, "the run never got going"
            started = time.monotonic()
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 105, out[-2000:] + err[-3000:]
    assert time.monotonic() - started < 45  # stopped promptly, not at the end of the 60 s / 120 s run
    r = read_reports(tmp_path)
    assert len(set(r["counts"].values())) == 1, r["counts"]
    assert r["counts"]["result"] >= 30 - 5
    assert r["result"]["status"] == "interrupted" and r["result"]["exit_code"] == 105
    assert r["result"]["meta"]["interrupted"] is True
    assert r["slo"]["pass"] is False
    assert next(a for t, a in r["html"].tags if t == "header")["class"] == "interrupted"
    assert "RESULT: INTERRUPTED (exit code 105)" in out
    assert no_temp_files(tmp_path)
    json.loads((tmp_path / "k6.json").read_text())  # complete JSON
