"""The loadlib tabs in Locust's web UI, in headless Chromium: a threshold turns from PASS to FAIL live.

The run is built to fail: requests are fast for the first seconds, then slow (1.5 s),
against ``http_req_duration: max<1000``. Chromium renders the React UI's
"Thresholds" tab (``/?tab=loadlib-thresholds``, fed by ``/stats/requests``)
and loadlib's standalone ``/loadlib`` page (fed by ``/loadlib/state``), before
and after the switch; the run then exits 99.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import LOCUST, free_port, process, wait_http
from tests.support_services import Target, chromium, dump_dom

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]

SLOW_AFTER_S = 10

LOCUSTFILE = textwrap.dedent(f'''
    import time
    from locust import HttpUser, constant, task
    from loadlib import Counter, check

    START = time.time()
    carts = Counter("carts")


    class Shopper(HttpUser):
        wait_time = constant(0.1)

        @task
        def shop(self):
            slow = time.time() - START > {SLOW_AFTER_S}
            r = self.client.get("/shop?ms=1500" if slow else "/shop", name="shop")
            check(r, {{"is 200": lambda r: r.status_code == 200}})
            carts.add(1)
''')


def _state(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/loadlib/state", timeout=5) as r:
        return json.loads(r.read())


def _cells(dom: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", dom, flags=re.S)]


def test_threshold_turns_from_pass_to_fail_in_the_tab(tmp_path: Path) -> None:
    chromium()  # installs it (or skips) before anything starts
    lf = tmp_path / "lf.py"
    lf.write_text(LOCUSTFILE)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    profile = tmp_path / "chrome"
    with Target() as target:
        args = [LOCUST, "-f", str(lf), "--host", target.url, "--web-host", "127.0.0.1", "--web-port", str(port),
                "-u", "2", "-r", "2", "-t", f"{SLOW_AFTER_S + 12}s", "--autostart", "--autoquit", "2",
                "--threshold", "http_req_duration:max<1000"]
        with process(args, log=tmp_path / "locust.log") as proc:
            wait_http(f"{base}/loadlib/state", timeout=45)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not _state(base)["checks"]:
                time.sleep(0.3)
            before = _state(base)
            assert before["thresholds"][0]["ok"] is True, before

            tab = dump_dom(f"{base}/?tab=loadlib-thresholds", profile)
            cells = _cells(tab)
            assert "PASS" in cells and "max<1000" in cells and "FAIL" not in cells, cells
            page = dump_dom(f"{base}/loadlib", profile)
            assert 'class="pass">PASS<' in page and "is 200" in page and "carts" in page

            deadline = time.monotonic() + SLOW_AFTER_S + 15
            while time.monotonic() < deadline and _state(base)["thresholds"][0]["ok"]:
                time.sleep(0.3)
            after = _state(base)["thresholds"][0]
            assert after["ok"] is False and after["observed"] >= 1000, after

            tab = dump_dom(f"{base}/?tab=loadlib-thresholds", profile)
            cells = _cells(tab)
            assert "FAIL" in cells and "PASS" not in cells, cells
            assert any(c.startswith("max=") and float(c[4:]) >= 1000 for c in cells), cells
            page = dump_dom(f"{base}/loadlib", profile)
            assert 'class="fail">FAIL<' in page
            code = proc.wait(timeout=60)
    assert code == 99, (tmp_path / "locust.log").read_text()[-3000:]
