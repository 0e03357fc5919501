"""Reference generator: a bare geventhttpclient loop, no framework at all.

Each VU is a greenlet with its own keep-alive connection, doing the same work
as the locustfiles (bench/locustfiles/bench_work.py) for ``--duration`` seconds.
It prints one line ``BENCH {"requests": ..., "failures": ..., "p95_ms": ...}``.

    python bench/bare_loop.py --host http://127.0.0.1:8080 --scenario hello --vus 50 --duration 15
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gevent
from geventhttpclient import URL, HTTPClient

sys.path.insert(0, str(Path(__file__).resolve().parent / "locustfiles"))
import bench_work  # noqa: E402  (after the path tweak: bench_work lives beside the locustfiles)
from common import percentile  # noqa: E402


class _Response:
    """What the shared checks read: ``status_code`` and ``content``, as on a Locust response."""

    __slots__ = ("status_code", "content")

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--scenario", choices=("hello", "sleepy", "payments"), default="hello")
    ap.add_argument("--vus", type=int, default=50)
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--think", type=float, default=1.0)
    args = ap.parse_args(argv)

    url = URL(args.host)
    deadline = time.monotonic() + args.duration
    latencies: list[float] = []
    counts = {"requests": 0, "failures": 0, "checks_ok": 0, "checks": 0}
    path = bench_work.PAYMENT_PATH

    def vu() -> None:
        client = HTTPClient(url.host, url.port, concurrency=1, connection_timeout=10, network_timeout=30)
        try:
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                try:
                    if args.scenario == "payments":
                        body, headers = bench_work.signed_payment(path)
                        r = client.post(path, body=body, headers=headers)
                    else:
                        r = client.get("/hello")
                    r = _Response(r.status_code, r.read())
                except Exception:  # noqa: BLE001  (a reference loop: count it and go on)
                    counts["failures"] += 1
                    counts["requests"] += 1
                    continue
                latencies.append((time.perf_counter() - t0) * 1000.0)
                counts["requests"] += 1
                if args.scenario == "payments":
                    for ok in bench_work.PAYMENT_CHECKS.values():
                        counts["checks"] += 1
                        counts["checks_ok"] += bool(ok(r))
                if r.status_code >= 400:
                    counts["failures"] += 1
                if args.scenario == "sleepy":
                    gevent.sleep(args.think)
        finally:
            client.close()

    gevent.joinall([gevent.spawn(vu) for _ in range(args.vus)])
    out = {
        "requests": counts["requests"],
        "failures": counts["failures"],
        "p95_ms": percentile(latencies, 95),
        "checks_passed": counts["checks_ok"] / counts["checks"] if counts["checks"] else None,
    }
    print("BENCH " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
