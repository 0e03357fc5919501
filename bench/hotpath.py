"""What loadlib's layer costs per request: a micro-benchmark of the request listener and a pinned loop.

Two parts (both by default):

``hub``   µs per ``locust.events.request.fire(...)`` with loadlib's hub attached (redaction
          wrapper, the metrics listener with its timing breakdown, the registry and histograms),
          realistic kwargs (FastHttpUser's: ``url``, ``context``, ``response``, a timing stash on the
          greenlet), windows tracked as on a local run. Process CPU time, best of ``--repeat``.
          Also µs per call on the failure path (a 503 with an exception) and with a per-request
          ``context`` tag.
``loop``  requests per CPU-second of a Locust ``FastHttpUser`` running the benchmark's hello
          user code (50 VUs, keep-alive GET of nginx's 40-byte JSON), pinned to one core, with
          and without ``import loadlib`` (``bench/locustfiles/locust_fast.py`` vs
          ``loadlib_layer.py``, exactly as ``run.py`` runs them), round-robin ``--repeat`` times,
          best run each; the layer's cost is their CPU-per-request ratio minus 1.

    .venv/bin/python bench/hotpath.py                      # both parts
    .venv/bin/python bench/hotpath.py --part hub --calls 50000
    .venv/bin/python bench/hotpath.py --part loop --duration 12 --repeat 3

Prints one JSON line per part (``HOTPATH {...}``) after the human-readable lines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))


# -- hub: the request listener in-process ---------------------------------------------------------------

class _Req:
    def __init__(self, payload: bytes | None) -> None:
        self.payload = payload


class _Resp:
    def __init__(self, status: int, payload: bytes | None = None) -> None:
        self.status_code = status
        self.request = _Req(payload)


def _hub_part(calls: int, repeat: int) -> dict[str, Any]:
    from gevent import monkey

    monkey.patch_all()
    import locust
    from gevent import getcurrent

    import loadlib  # noqa: F401  (registers the hub on locust.events)
    from loadlib.plugin import metrics, timings

    h = metrics.hub()
    for name in metrics.TIMELINE_METRICS:  # as on_init does on a local runner
        h.registry.track_window(name, metrics.TIMELINE_HORIZON_S, keep_tags=False)
    fire = locust.events.request.fire
    g = getcurrent()
    ok = _Resp(200)
    bad = _Resp(503)
    from geventhttpclient.useragent import BadStatusCode

    exc = BadStatusCode("http://127.0.0.1:8080/hello", code=503)
    url = "http://127.0.0.1:8080/hello"

    def one(response: Any, exception: Any, context: dict[str, Any]) -> None:
        g.__dict__[timings.ATTR] = [0.00002, 0.0, 0.0, 0.00005, 0.0004, 0.0]
        fire(request_type="GET", name="/hello", response_time=0.61, response_length=40, response=response,
             exception=exception, context=context, url=url, start_time=1.0)

    def timed(response: Any, exception: Any, context: dict[str, Any]) -> float:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.process_time()
            for _ in range(calls):
                one(response, exception, context)
            best = min(best, time.process_time() - t0)
        return best / calls * 1e6

    def stash_only() -> float:  # what building the kwargs and the stash costs without any listener work
        best = float("inf")
        for _ in range(repeat):
            t0 = time.process_time()
            for _ in range(calls):
                g.__dict__[timings.ATTR] = [0.00002, 0.0, 0.0, 0.00005, 0.0004, 0.0]
                dict(request_type="GET", name="/hello", response_time=0.61, response_length=40, response=ok,
                     exception=None, context={}, url=url, start_time=1.0)
            best = min(best, time.process_time() - t0)
        return best / calls * 1e6

    out = {
        "calls": calls,
        "repeat": repeat,
        "success_us": round(timed(ok, None, {}), 3),
        "failure_us": round(timed(bad, exc, {}), 3),
        "context_tag_us": round(timed(ok, None, {"flow": "checkout"}), 3),
        "harness_us": round(stash_only(), 3),
    }
    snap = metrics.current_snapshot()
    out["http_reqs"] = int(snap.metrics["http_reqs"].select().stat("count"))
    return out


# -- loop: pinned FastHttpUser with and without loadlib ---------------------------------------------------

def _loop_part(duration: float, repeat: int, gen_core: int, target_core: int) -> dict[str, Any]:
    from common import steady_state
    from generators import SCENARIOS, plan
    from measure import run_measured
    from servers import nginx

    scenario = SCENARIOS["hello"]
    best: dict[str, dict[str, Any]] = {}
    with nginx(target_core) as target, tempfile.TemporaryDirectory(prefix="loadlib-hotpath-") as tmp:
        for i in range(repeat):
            for gen in ("locust-fast", "loadlib-layer"):
                inv = plan(gen, scenario, base_url=target.url, payment_path=target.payment_path,
                           duration=duration, workdir=Path(tmp) / f"{gen}-{i}", k6=None)
                assert not isinstance(inv, str), inv
                counter = target.request_counter()
                run = run_measured(inv.cmd, cpu_core=gen_core, timeout=duration + 60, env=inv.env,
                                   cwd=inv.workdir, log_dir=inv.workdir, name=gen, probe=counter)
                if counter:
                    counter.close()
                st = steady_state(run.samples)
                if st is None or run.returncode != 0:
                    print(f"{gen} run {i}: no steady state (exit {run.returncode}): {run.stderr[-300:]}",
                          file=sys.stderr)
                    continue
                eff = st.requests / st.cpu_seconds
                print(f"{gen:14s} run {i}: {eff:8.0f} req/CPU-s  ({st.requests} req in {st.cpu_seconds:.2f} "
                      f"CPU-s, peak RSS {run.peak_rss_bytes / 2**20:.0f} MB)")
                if eff > best.get(gen, {}).get("req_per_cpu_s", 0):
                    best[gen] = {"req_per_cpu_s": round(eff), "requests": st.requests,
                                 "cpu_s": st.cpu_seconds, "peak_rss_mb": round(run.peak_rss_bytes / 2**20, 1)}
    out: dict[str, Any] = {"duration_s": duration, "repeat": repeat, "best": best}
    if "locust-fast" in best and "loadlib-layer" in best:
        out["layer_overhead_pct"] = round(
            (best["locust-fast"]["req_per_cpu_s"] / best["loadlib-layer"]["req_per_cpu_s"] - 1) * 100, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="loadlib per-request cost: listener micro-benchmark and pinned loop")
    ap.add_argument("--part", choices=("hub", "loop", "both"), default="both")
    ap.add_argument("--calls", type=int, default=30000, help="request events per timing (hub)")
    ap.add_argument("--repeat", type=int, default=3, help="timings (hub) / round-robin runs (loop); best kept")
    ap.add_argument("--duration", type=float, default=12.0, help="seconds per loop run")
    ap.add_argument("--generator-core", type=int, default=0)
    ap.add_argument("--target-core", type=int, default=1)
    ap.add_argument("--_hub-child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a._hub_child:  # gevent's monkey-patching wants a fresh process
        print("HOTPATH " + json.dumps({"part": "hub", **_hub_part(a.calls, a.repeat)}))
        return 0
    if a.part in ("hub", "both"):
        cmd = [sys.executable, __file__, "--_hub-child", "--calls", str(a.calls), "--repeat", str(a.repeat)]
        env = {**os.environ}
        env.pop("LOCUST_HOST", None)
        pin = ["taskset", "-c", str(a.generator_core)] if a.generator_core >= 0 else []
        res = subprocess.run([*pin, *cmd], capture_output=True, text=True, env=env, check=False)
        line = next((ln for ln in res.stdout.splitlines() if ln.startswith("HOTPATH ")), None)
        if line is None:
            print(res.stdout + res.stderr, file=sys.stderr)
            return 2
        d = json.loads(line[8:])
        print(f"hub: {d['success_us']:.2f} µs/request (success), {d['failure_us']:.2f} (503 failure), "
              f"{d['context_tag_us']:.2f} (context tag); kwargs+stash alone {d['harness_us']:.2f}")
        print(line)
    if a.part in ("loop", "both"):
        d = _loop_part(a.duration, a.repeat, a.generator_core, a.target_core)
        if "layer_overhead_pct" in d:
            print(f"loop: loadlib layer costs {d['layer_overhead_pct']:+.1f}% CPU per request over FastHttpUser")
        print("HOTPATH " + json.dumps({"part": "loop", **d}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
