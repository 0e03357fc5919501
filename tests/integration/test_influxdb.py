"""A real InfluxDB 1.x (Debian's package) receives ``--out influxdb=URL`` points; outages don't stop the run.

Points are per-second aggregates: ``sum("value")`` of ``http_reqs`` over the
run equals the run's request count. A restart of InfluxDB mid-run loses no
point (the buffer keeps them and delivery resumes); InfluxDB gone for good
still ends the run normally, with the undelivered points in the summary.
"""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest

from tests.support import LOCUST, child_env, process, run_locust
from tests.support_services import Target, start_influxdb

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

LOCUSTFILE = textwrap.dedent('''
    from locust import HttpUser, constant, task
    from loadlib import Trend, check

    basket = Trend("basket_value")


    class Shopper(HttpUser):
        wait_time = constant(0.05)

        @task
        def shop(self):
            r = self.client.get("/shop", name="shop")
            check(r, {"is 200": lambda r: r.status_code == 200})
            basket.add(42.5, tags={"currency": "EUR"})
''')


def _run(tmp_path: Path, url: str, seconds: int, during=None) -> tuple[int, str, dict]:
    """Run locust headless against a target; ``during(elapsed)`` is called ~every 0.2 s while it runs."""
    lf = tmp_path / "lf.py"
    lf.write_text(LOCUSTFILE)
    summary = tmp_path / "result.json"
    log = tmp_path / "locust.log"
    with Target() as target:
        args = [LOCUST, "-f", str(lf), "--headless", "--host", target.url, "-u", "3", "-r", "3", "-t", f"{seconds}s",
                "--out", f"influxdb={url}", "--results-json", str(summary), "--threshold", "http_req_failed:rate<0.1"]
        with process(args, log=log, env=child_env()) as proc:
            t0 = time.monotonic()
            while proc.poll() is None and time.monotonic() - t0 < seconds + 40:
                if during is not None:
                    during(time.monotonic() - t0)
                time.sleep(0.2)
            code = proc.wait(timeout=30)
    return code, log.read_text(errors="replace"), json.loads(summary.read_text())


def test_points_reach_influxdb_and_a_restart_loses_none(tmp_path: Path) -> None:
    with start_influxdb(tmp_path) as influx:
        state = {"stopped": False, "restarted": False}

        def outage(elapsed: float) -> None:
            if elapsed > 4 and not state["stopped"]:
                influx.stop()
                state["stopped"] = True
            elif elapsed > 8 and not state["restarted"]:
                influx.start()
                state["restarted"] = True

        code, log, result = _run(tmp_path, f"{influx.url}/loadtest", 13, outage)
        assert state["restarted"]
        assert code == 0, log[-3000:]
        assert "unreachable" in log  # the outage was seen and survived
        total = result["metrics"]["http_reqs"]["values"]["count"]
        assert total > 50
        series = influx.query("loadtest", 'SELECT sum("value") FROM "http_reqs"')
        assert series and series[0]["values"][0][1] == pytest.approx(total)
        by_name = influx.query("loadtest", 'SELECT sum("value") FROM "http_reqs" GROUP BY "name","status"')
        assert {s["tags"]["name"] for s in by_name} == {"shop"}
        trend = influx.query("loadtest", 'SELECT sum("count"), max("p95") FROM "basket_value" WHERE "currency"=\'EUR\'')
        assert trend[0]["values"][0][1] == pytest.approx(total)
        assert trend[0]["values"][0][2] == pytest.approx(42.5, rel=0.001)
        vus = influx.query("loadtest", 'SELECT max("value") FROM "vus"')
        assert vus[0]["values"][0][1] == 3
        assert not any("not delivered" in n for n in result["meta"]["notes"]), result["meta"]["notes"]


def test_influxdb_gone_mid_run_does_not_stop_the_test(tmp_path: Path) -> None:
    with start_influxdb(tmp_path) as influx:
        state = {"stopped": False}

        def outage(elapsed: float) -> None:
            if elapsed > 3 and not state["stopped"]:
                influx.stop()
                state["stopped"] = True

        t0 = time.monotonic()
        code, log, result = _run(tmp_path, f"{influx.url}/loadtest", 8, outage)
        took = time.monotonic() - t0
    assert code == 0, log[-3000:]  # thresholds decide, not the output
    assert took < 8 + 25
    assert result["metrics"]["http_reqs"]
    notes = " ".join(result["meta"]["notes"])
    assert "points not delivered" in notes and "/loadtest" in notes
    assert "note: InfluxDB" in log and "points not delivered" in log  # the text summary says so too


def test_bad_influxdb_url_exits_104_before_any_request(tmp_path: Path) -> None:
    lf = tmp_path / "lf.py"
    lf.write_text(LOCUSTFILE)
    with Target() as target:
        r = run_locust(["-f", str(lf), "--headless", "--host", target.url, "-u", "1", "-t", "2s",
                        "--out", "influxdb=http://127.0.0.1:8086"], timeout=60)
    assert r.returncode == 104, r.stderr[-2000:]
    assert "influxdb=http://127.0.0.1:8086" in r.stderr and "database" in r.stderr
    assert "Traceback" not in r.stderr
    assert target.count == 0
