"""The web UI shows each arrival-rate scenario's target and achieved rate while it runs."""

from __future__ import annotations

import json
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import LOCUST, ROOT, free_port, process, wait_http

pytestmark = pytest.mark.integration


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def test_endpoint_and_tab_show_target_and_achieved_rate(tmp_path: Path) -> None:
    tport, wport = free_port(), free_port()
    lf = tmp_path / "lf.py"
    lf.write_text(textwrap.dedent('''
        from locust import FastHttpUser, task, constant
        import loadlib  # noqa: F401

        class Web(FastHttpUser):
            wait_time = constant(0)

            @task
            def work(self):
                self.client.get("/work/web")
    '''))
    profile = tmp_path / "p.toml"
    profile.write_text(textwrap.dedent('''
        [scenarios.browse]
        executor = "constant-arrival-rate"
        exec = "Web"
        rate = 40
        duration = "12s"
        preAllocatedVUs = 2
        maxVUs = 10
    '''))
    target = [sys.executable, str(ROOT / "tests" / "integration" / "arrival_target.py"), str(tport)]
    ui = [LOCUST, "-f", str(lf), "--host", f"http://127.0.0.1:{tport}", "--load-profile", str(profile),
          "--web-host", "127.0.0.1", "--web-port", str(wport), "--autostart", "--autoquit", "1"]
    with process(target, log=tmp_path / "target.log"), process(ui, log=tmp_path / "locust.log"):
        wait_http(f"http://127.0.0.1:{tport}/health")
        wait_http(f"http://127.0.0.1:{wport}/loadlib/arrival", timeout=60)
        deadline = time.monotonic() + 30
        row: dict = {}
        while time.monotonic() < deadline:
            rows = get_json(f"http://127.0.0.1:{wport}/loadlib/arrival")["scenarios"]
            row = rows[0] if rows else {}
            if row.get("started", 0) >= 200:
                break
            time.sleep(0.5)
        assert row["scenario"] == "browse" and row["target_rate"] == pytest.approx(40.0)
        assert row["achieved_rate"] == pytest.approx(40.0, rel=0.1)
        assert row["dropped"] == 0
        stats = get_json(f"http://127.0.0.1:{wport}/stats/requests")
        tab = [x for x in stats.get("extended_stats", []) if x["key"] == "loadlib-arrival"]
        assert tab and tab[0]["data"][0]["scenario"] == "browse"
        with urllib.request.urlopen(f"http://127.0.0.1:{wport}/", timeout=5) as r:
            assert "Arrival rate" in r.read().decode()
