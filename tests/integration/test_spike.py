"""A 5,000-user spike on one machine completes, and the CPU watch speaks up exactly when it should.

``profiles/spike.toml`` (100 -> 5,000 users in 30 s -> 100 -> 1; 9.5 minutes)
compressed four times with ``--time-scale 0.25`` (a 7.5 s ramp to 5,000) against the embedded sandbox.
Every user is a real FastUser with a 2-4 s think time on ``/health``. The test
samples the generator's CPU demand itself (CPU time + run-queue wait, from
/proc, as ``loadlib.plugin.efficiency`` does) and checks the warning against
it: sustained demand >= 95% of a core must produce the saturation/starvation
warning, demand that never reaches 75% must not. In between, either is right.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.support import LOCUST, ROOT, child_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCALE = 0.25
PROFILE_S = 570 * SCALE  # spike.toml: 2m + 30s + 2m + 5m
PEAK = 5000

LOCUSTFILE = '''
from locust import between, task

from loadlib import FastUser


class Spiker(FastUser):
    wait_time = between(2, 4)

    @task
    def health(self):
        self.client.get("/health", name="GET /health")
'''


def _demand_ms(pid: int) -> float:
    """CPU time + run-queue wait of ``pid`` so far, in ms (Linux schedstat: run ns, wait ns, slices)."""
    run, wait, _ = (int(x) for x in Path(f"/proc/{pid}/schedstat").read_text().split())
    return (run + wait) / 1e6


def test_spike_of_5000_users_completes(tmp_path: Path) -> None:
    (tmp_path / "spiker.py").write_text(LOCUSTFILE)
    log = tmp_path / "out.txt"
    t0 = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen([LOCUST, "-f", str(tmp_path / "spiker.py"), "--headless", "--load-profile", "spike",
                                 "--time-scale", str(SCALE), "--summary-export", str(tmp_path / "summary.json")],
                                cwd=ROOT, env=child_env(), stdout=out, stderr=subprocess.STDOUT)
        samples: list[tuple[float, float]] = []
        deadline = time.monotonic() + PROFILE_S + 240
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError, ValueError):
                    samples.append((time.monotonic(), _demand_ms(proc.pid)))
                time.sleep(1.0)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
    wall = time.monotonic() - t0
    text = log.read_text(errors="replace")
    assert proc.returncode in (0, 99), text[-4000:]
    assert wall < PROFILE_S + 120, f"the run took {wall:.0f}s for a {PROFILE_S:.0f}s profile"
    assert "Traceback" not in text, text[-4000:]

    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["metrics"]["vus_max"]["max"] >= PEAK * 0.98  # every spiking user ran
    assert summary["metrics"]["http_reqs"]["count"] > PEAK  # and sent requests

    # CPU demand in % of one core per second, then its highest 5 s mean (the watch's sustain time)
    pct = [(b[1] - a[1]) / ((b[0] - a[0]) * 1000) * 100 for a, b in zip(samples, samples[1:], strict=False)]
    rolling = [sum(pct[i:i + 5]) / 5 for i in range(max(0, len(pct) - 4))]
    peak = max(rolling, default=0.0)
    warned = "Generator CPU saturated" in text or "Generator CPU starved" in text
    print(f"spike: wall {wall:.0f}s, peak 5 s demand {peak:.0f}% of a core, warned={warned}, "
          f"requests {summary['metrics']['http_reqs']['count']}")
    if peak >= 95:
        assert warned, f"demand peaked at {peak:.0f}% for 5 s but no CPU warning"
    if peak < 75:
        assert not warned, f"CPU warning although demand never passed {peak:.0f}%"


SOAK_SCALE = 60 / (4 * 3600)  # the 4-hour soak in one minute

SOAK_LOCUSTFILE = '''
from locust import between, task

from loadlib import FastUser


class Soaker(FastUser):
    wait_time = between(0.5, 1.0)

    @task
    def health(self):
        self.request_json("GET", "/health", name="GET /health")
'''


def test_compressed_soak_memory_stays_flat(tmp_path: Path) -> None:
    """profiles/soak.toml (4 h, 150 users for 3.5 h) in ~60 s: RSS on the plateau does not keep growing."""
    (tmp_path / "soaker.py").write_text(SOAK_LOCUSTFILE)
    log = tmp_path / "out.txt"
    samples: list[tuple[float, float]] = []
    with open(log, "wb") as out:
        proc = subprocess.Popen([LOCUST, "-f", str(tmp_path / "soaker.py"), "--headless",
                                 "--load-profile", "soak",
                                 "--time-scale", f"{SOAK_SCALE:.6f}", "--summary-export",
                                 str(tmp_path / "summary.json")],
                                cwd=ROOT, env=child_env(), stdout=out, stderr=subprocess.STDOUT)
        gen = psutil.Process(proc.pid)
        t0 = time.monotonic()
        try:
            while proc.poll() is None and time.monotonic() - t0 < 240:
                with contextlib.suppress(psutil.Error):
                    samples.append((time.monotonic() - t0, gen.memory_info().rss / (1 << 20)))
                time.sleep(1.0)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
    text = log.read_text(errors="replace")
    assert proc.returncode in (0, 99), text[-4000:]
    assert "Traceback" not in text, text[-4000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["metrics"]["vus_max"]["max"] >= 145  # the long stage ramps 50 -> 150 (k6 stages ramp)
    # the plateau (150 users) runs from ~4 s to ~56 s after start-up; compare its middle with its end
    started = next(t for t, _ in samples if t > 0) if samples else 0.0
    mid = [v for t, v in samples if started + 25 <= t < started + 35]
    end = [v for t, v in samples if started + 45 <= t < started + 56]
    assert mid and end, samples
    growth = sum(end) / len(end) - sum(mid) / len(mid)
    print(f"soak: RSS mid-plateau {sum(mid) / len(mid):.1f} MB, end {sum(end) / len(end):.1f} MB "
          f"(growth {growth:+.1f} MB in ~20 s); requests {summary['metrics']['http_reqs']['count']}")
    assert growth < 10, f"generator RSS grew {growth:.1f} MB over the last 20 s of the plateau"
