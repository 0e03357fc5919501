"""What the metric registry costs: CPU per recorded request, memory after 10 million Trend samples.

    .venv/bin/python bench/registry_cost.py [--requests 200000] [--samples 10000000]

1. CPU µs per request through the full hub path: Locust's ``request`` event
   fired with a real-looking response -> loadlib's listener -> ``http_reqs``,
   ``http_req_duration``, ``http_req_failed``, ``data_sent``,
   ``data_received`` (+ the per-second timeline copies), measured with
   ``time.process_time`` (CPU, not wall).
2. RSS growth after recording 10 million samples into Trends (8 tag sets),
   next to what keeping every sample as a float64 (k6's approach) would need,
   and the size of the msgpack delta a worker would ship for all of it.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss / 1e6


def bench_request_path(n: int) -> dict[str, float]:
    import locust  # noqa: F401  (gevent patching first, as under the locust command)
    from locust import events

    import loadlib.plugin  # noqa: F401  (registers the hub's listeners)
    from loadlib.plugin import metrics as hub_metrics

    reg = hub_metrics.hub().registry
    for name in hub_metrics.TIMELINE_METRICS:  # as on a master/local runner
        reg.track_window(name, hub_metrics.TIMELINE_HORIZON_S, keep_tags=False)
    request = SimpleNamespace(body=b'{"amount": 1250, "currency": "EUR"}')
    ok = SimpleNamespace(status_code=201, request=request)
    names = [f"/api/item/{i}" for i in range(8)]
    rng = random.Random(1)
    times = [rng.lognormvariate(3, 0.8) for _ in range(10_000)]

    def run(fire) -> float:
        start = time.process_time()
        for i in range(n):
            fire(request_type="POST", name=names[i & 7], response_time=times[i % 10_000], response_length=512,
                 response=ok, exception=None, context={}, start_time=0.0, url="http://x")
        return (time.process_time() - start) / n * 1e6

    baseline_fire = run(lambda **kw: None)  # the loop itself
    direct = run(hub_metrics.on_request) - baseline_fire
    through_event = run(events.request.fire) - baseline_fire
    listeners = len(events.request._handlers)
    return {"listener_us": direct, "event_us": through_event, "listeners": float(listeners)}


def bench_memory(samples: int) -> dict[str, float]:
    import msgpack

    from loadlib.metrics import MetricType, Registry, ValueKind, tagset

    gc.collect()
    before = rss_mb()
    reg = Registry()
    d = reg.define("payment_duration", MetricType.TREND, ValueKind.TIME)
    tagsets = [tagset({"name": f"/p/{i}", "status": "200"}) for i in range(8)]
    rng = random.Random(2)
    pool = [rng.lognormvariate(3.5, 1.0) for _ in range(100_000)]  # a few ms .. several seconds
    pool_mb = rss_mb() - before
    start = time.process_time()
    add = reg.add
    for i in range(samples):
        add(d, pool[i % 100_000], tagsets[i & 7])
    cpu = time.process_time() - start
    gc.collect()
    after = rss_mb()
    snap = reg.snapshot(1.0)
    agg = snap.metrics["payment_duration"].select()
    delta = msgpack.dumps(reg.take_delta())
    buckets = sum(len(s.dist.counts) for s in snap.metrics["payment_duration"].series.values())  # type: ignore[union-attr]
    return {"samples": float(samples), "rss_growth_mb": after - before - pool_mb, "record_us": cpu / samples * 1e6,
            "buckets": float(buckets), "delta_kb": len(delta) / 1e3, "as_float64_mb": samples * 8 / 1e6,
            "p99_ms": agg.stat("p(99)"), "count": agg.stat("count")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200_000)
    ap.add_argument("--samples", type=int, default=10_000_000)
    args = ap.parse_args()
    r = bench_request_path(args.requests)
    print(f"request path ({args.requests:,} requests, CPU time):")
    print(f"  loadlib listener alone:            {r['listener_us']:.2f} µs/request")
    print(f"  Locust request event -> registry:  {r['event_us']:.2f} µs/request "
          f"({int(r['listeners'])} listener(s) on the event)")
    m = bench_memory(args.samples)
    print(f"trend memory ({int(m['samples']):,} samples, 8 series):")
    print(f"  RSS growth:                        {m['rss_growth_mb']:.2f} MB "
          f"(every sample as float64 would be {m['as_float64_mb']:.0f} MB)")
    print(f"  histogram buckets in use:          {int(m['buckets']):,}")
    print(f"  record cost:                       {m['record_us']:.2f} µs/sample")
    print(f"  worker delta for all of it:        {m['delta_kb']:.1f} kB (msgpack)")
    print(f"  count / p(99):                     {int(m['count']):,} / {m['p99_ms']:.2f} ms")


if __name__ == "__main__":
    main()
