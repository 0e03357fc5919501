"""Every fault the target can throw becomes a failed request with a stable error kind.

One real run (a FastUser and an HttpUser side by side, 1 s ``httpTimeout``)
against ``loadlib.faults.target`` on loopback; each fault path is requested a
known number of times through the workload helpers and, for the transport
faults, through Locust's raw client. The tests then read the run's final
metrics, its k6 summary (thresholds on ``http_req_failed{error_kind:...}``),
its exit code and its console.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from loadlib.faults.target import FaultTarget
from tests.support import child_env, run_locust

pytestmark = pytest.mark.integration

ROUNDS = 2
RUN_S = 14

LOCUSTFILE = '''
import os

import gevent
from locust import constant

from loadlib import FastUser, HttpUser

BASE = os.environ["FAULT_BASE"]
PLAN = [  # (name, url); request names are "<client> <name>"
    ("refused", os.environ["FAULT_REFUSED"]),
    ("reset", BASE + "/reset"),
    ("stall", BASE + "/stall?s=5"),
    ("drip", BASE + "/drip?n=10&every=0.3"),
    ("tls", os.environ["FAULT_TLS"]),
    ("dns", "http://something.invalid/ok"),
    ("4xx", BASE + "/status/404"),
    ("5xx", BASE + "/status/503"),
    ("badjson", BASE + "/badjson"),
    ("truncated", BASE + "/truncated"),
    ("wronglength", BASE + "/wronglength"),
    ("ok", BASE + "/ok"),
]
RAW = ("refused", "reset", "stall", "tls", "dns", "5xx", "truncated", "ok")
ROUNDS = int(os.environ["FAULT_ROUNDS"])


def every_fault(user):
    user.rounds = getattr(user, "rounds", 0)
    if user.rounds >= ROUNDS:
        gevent.sleep(0.5)
        return
    user.rounds += 1
    for name, url in PLAN:
        user.request_json("GET", url, name=f"{user.label} {name}", expect=(200,))
    user.request_json("GET", BASE + "/drip?n=4&every=0.2", name=f"{user.label} deadline", timeout=0.5)
    for name, url in PLAN:
        if name in RAW:
            user.client.get(url, name=f"{user.label} raw {name}")
    # a script that trusts the target: the exception escapes the task (Locust would log a traceback each time)
    user.client.get(BASE + "/badjson", name=f"{user.label} raw json").json()


class Fast(FastUser):
    label = "fast"
    wait_time = constant(0)
    insecure = False  # FastHttpUser skips certificate checks by default; k6 does not
    tasks = [every_fault]


class Requests(HttpUser):
    label = "requests"
    wait_time = constant(0)
    tasks = [every_fault]
'''

PROFILE = f'''
description = "fault kinds"
httpTimeout = "1s"
stages = [{{ duration = "1s", target = 2 }}, {{ duration = "{RUN_S - 1}s", target = 2 }}]

[thresholds]
"http_req_failed{{error_kind:timeout}}" = ["rate<0.01"]
"http_reqs{{error_kind:dns}}" = ["count<1000"]
'''

# name -> error kind; None = success
EXPECTED = {
    "refused": "connect_refused", "reset": "reset", "stall": "timeout", "drip": "timeout", "tls": "tls",
    "dns": "dns", "4xx": "http_4xx", "5xx": "http_5xx", "badjson": "bad_body", "truncated": "bad_body",
    "wronglength": "bad_body", "ok": None,
}
# a per-request timeout (0.5 s, under the profile's 1 s) is a total deadline: a body dripping for 0.8 s fails
EXPECTED_DEADLINE = "timeout"
RAW_EXPECTED = {"refused": "connect_refused", "reset": "reset", "stall": "timeout", "tls": "tls", "dns": "dns",
                "5xx": "http_5xx", "truncated": "bad_body", "ok": None,
                "json": None}  # invalid JSON nobody asked to parse is a success; the script's .json() raises
CLIENTS = ("fast", "requests")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("faults")
    (d / "faults_locustfile.py").write_text(LOCUSTFILE)
    (d / "faults.toml").write_text(PROFILE)
    with FaultTarget() as target:
        env = child_env(FAULT_BASE=target.base_url, FAULT_TLS=target.tls_url, FAULT_REFUSED=target.refused_url,
                        FAULT_ROUNDS=str(ROUNDS), LOADLIB_DEBUG_SNAPSHOT=str(d / "snapshot.json"))
        t0 = time.monotonic()
        proc = run_locust(["-f", str(d / "faults_locustfile.py"), "--headless", "--host", target.base_url,
                           "--load-profile", str(d / "faults.toml"), "--summary-export", str(d / "summary.json"),
                           "--only-summary"], env=env, timeout=120)
        wall = time.monotonic() - t0
    snap = json.loads((d / "snapshot.json").read_text())
    by_name: dict[str, dict[str, float]] = {}
    for tags, summary in snap["series"]["http_reqs"]:
        kinds = by_name.setdefault(tags["name"], {})
        kind = tags.get("error_kind", "ok")
        kinds[kind] = kinds.get(kind, 0) + summary["count"]
    return {"proc": proc, "wall": wall, "by_name": by_name, "snap": snap,
            "summary": json.loads((d / "summary.json").read_text())}


def _assert_kind(run: dict, name: str, kind: str | None) -> None:
    got = run["by_name"].get(name)
    assert got is not None, f"no request named {name!r}: {sorted(run['by_name'])}"
    assert got == {kind or "ok": ROUNDS}, f"{name}: {got}"


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_fault_kind_through_helpers(run: dict, client: str, fault: str) -> None:
    _assert_kind(run, f"{client} {fault}", EXPECTED[fault])


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("fault", sorted(RAW_EXPECTED))
def test_fault_kind_through_raw_client(run: dict, client: str, fault: str) -> None:
    _assert_kind(run, f"{client} raw {fault}", RAW_EXPECTED[fault])


@pytest.mark.parametrize("client", CLIENTS)
def test_per_request_timeout_is_a_total_deadline(run: dict, client: str) -> None:
    _assert_kind(run, f"{client} deadline", EXPECTED_DEADLINE)
    durations = [s for tags, s in run["snap"]["series"]["http_req_duration"] if tags["name"] == f"{client} deadline"]
    assert durations and all(0.4 * 1000 < s["max"] < 0.75 * 1000 for s in durations), durations


def test_dns_failure_does_not_wait_for_a_resolver_timeout(run: dict) -> None:
    durations = [s["max"] for tags, s in run["snap"]["series"]["http_req_duration"] if tags["name"].endswith(" dns")]
    assert len(durations) == 4 and max(durations) < 3000, durations  # ms: `.invalid` fails at once, no lookup


def test_thresholds_see_error_kinds_and_decide_the_exit_code(run: dict) -> None:
    proc = run["proc"]
    assert proc.returncode == 99, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = run["summary"]["metrics"]
    timeouts = metrics["http_req_failed{error_kind:timeout}"]
    assert timeouts["thresholds"]["rate<0.01"] is True  # k6's summary: true = crossed (failed)
    assert timeouts["passes"] == 4 * 2 * ROUNDS  # stall, drip, deadline via helpers, stall raw; two clients
    dns = metrics["http_reqs{error_kind:dns}"]
    assert dns["count"] == 2 * 2 * ROUNDS and dns["thresholds"]["count<1000"] is False


def test_total_counts_add_up(run: dict) -> None:
    per_client = (len(EXPECTED) + 1 + len(RAW_EXPECTED)) * ROUNDS
    total = sum(sum(k.values()) for k in run["by_name"].values())
    assert total == 2 * per_client
    failed = run["snap"]["metrics"]["http_req_failed"]
    ok_names = sum(1 for v in EXPECTED.values() if v is None) + sum(1 for v in RAW_EXPECTED.values() if v is None)
    assert failed["passes"] == 2 * (per_client - ok_names * ROUNDS)


def test_run_ends_on_time_with_no_dead_user_and_a_clean_console(run: dict) -> None:
    proc = run["proc"]
    assert run["wall"] < RUN_S + 25, f"run took {run['wall']:.1f}s"
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out[-4000:]
    assert not re.search(r"Unhandled exception|Uncaught exception|greenlet.*died", out), out[-4000:]
    # every fault ran every round: no user died before finishing its rounds (counted above), nor after
    assert run["snap"]["script_exception"] is False
    # the script's own .json() on a bad body raised every round: counted, logged once as one line
    assert run["snap"]["metrics"]["script_errors"]["count"] == 2 * ROUNDS
    assert out.count("task exception (bad_body): JSONDecodeError") == 1, out[-4000:]
    assert f"{2 * ROUNDS - 1} more task exception(s)" in out


def test_target_runs_as_a_process() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "loadlib.faults.target", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().strip() for _ in range(3)]  # type: ignore[union-attr]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", lines[0])
        assert lines[1].startswith("https://127.0.0.1:") and lines[2].startswith("http://127.0.0.1:")
        import urllib.request

        with urllib.request.urlopen(lines[0] + "/ok", timeout=5) as r:
            assert json.loads(r.read()) == {"ok": True}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
