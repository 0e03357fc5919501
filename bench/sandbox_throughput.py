"""How fast is the sandbox? Requests/s on /health and on a Flux-Gate order (a real write transaction).

Run it to know when the target, not the generator, is the bottleneck: a load test that
approaches these numbers measures the sandbox.

    .venv/bin/python bench/sandbox_throughput.py [--duration 10] [--connections 50] [--client wrk|threads]

The sandbox runs as ``python -m loadlib.sandbox --port 0`` (uvicorn + httptools + uvloop,
one process) with the admission limit lifted so every order is a real stock transaction.
The client is ``wrk`` when installed (``apt-get install wrk``), else a threaded keep-alive
``http.client`` loop (which measures less: the GIL caps it well below the server).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
ORDER_BODY = '{"productId": "bench", "userId": "u"}'
WRK_ORDER_LUA = r"""
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/fluxgate/order",
    {["Content-Type"] = "application/json", ["x-idempotency-key"] = "bench-" .. tid .. "-" .. n},
    '""" + ORDER_BODY + r"""')
end
"""


def start_sandbox() -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen([sys.executable, "-m", "loadlib.sandbox", "--port", "0", "--admission-rate", "1e12"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode().strip()
    if not line.startswith("LOADLIB_SANDBOX_URL="):
        proc.kill()
        raise SystemExit(f"sandbox did not start: {line!r}")
    return proc, line.split("=", 1)[1]


def post(url: str, path: str, body: dict) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    return status


def run_wrk(url: str, path: str, duration: int, connections: int, threads: int, lua: str | None) -> dict:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    script = None
    if lua:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write(lua)
        script.close()
        args += ["-s", script.name]
    try:
        out = subprocess.run([*args, url + path], capture_output=True, text=True, timeout=duration + 60).stdout
    finally:
        if script:
            os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {"rps": rps, "requests": total, "errors": int(non2xx.group(1)) if non2xx else 0,
            "p99": p99.group(1) if p99 else "?"}


def run_threads(url: str, path: str, duration: int, connections: int, order: bool) -> dict:
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + duration
    counts = [0] * connections
    errors = [0] * connections

    def loop(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if order:
                conn.request("POST", path, ORDER_BODY, {"Content-Type": "application/json",
                                                        "x-idempotency-key": f"bench-{i}-{n}"})
            else:
                conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            counts[i] += 1
            errors[i] += response.status >= 300
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=loop, args=(i,)) for i in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    return {"rps": sum(counts) / elapsed, "requests": sum(counts), "errors": sum(errors), "p99": "n/a"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    ap.add_argument("--connections", type=int, default=50, help="concurrent connections (default 50)")
    ap.add_argument("--client", choices=("auto", "wrk", "threads"), default="auto")
    args = ap.parse_args()
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "threads"
    if client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk), use --client threads")
    proc, url = start_sandbox()
    try:
        assert post(url, "/fluxgate/init", {"productId": "bench", "quantity": 1_000_000_000}) == 200
        results = {}
        server = psutil.Process(proc.pid)
        for name, path, lua in (("GET /health", "/health", None),
                                ("POST /fluxgate/order", "/fluxgate/order", WRK_ORDER_LUA)):
            before = server.cpu_times()
            if client == "wrk":
                results[name] = run_wrk(url, path, args.duration, args.connections, 2, lua)
            else:
                results[name] = run_threads(url, path, args.duration, args.connections, order=lua is not None)
            after = server.cpu_times()
            cpu = (after.user - before.user) + (after.system - before.system)
            results[name]["per_cpu_s"] = results[name]["requests"] / cpu if cpu > 0 else float("nan")
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", "/fluxgate/orders?productId=bench")
        orders = json.loads(conn.getresponse().read())["count"]
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    print(f"sandbox throughput: 1 uvicorn process (httptools + uvloop), SQLite WAL; client {client}, "
          f"{args.connections} connections, {args.duration} s each, {os.cpu_count()} CPUs shared by client and server")
    print(f"{'endpoint':<24}{'req/s':>10}{'req/server-CPU-s':>18}{'requests':>11}{'non-2xx':>9}{'p99':>10}")
    for name, r in results.items():
        print(f"{name:<24}{r['rps']:>10.0f}{r['per_cpu_s']:>18.0f}{r['requests']:>11}{r['errors']:>9}{r['p99']:>10}")
    print("req/server-CPU-s is what one fully used core of the sandbox serves: the ceiling on an idle machine")
    print(f"orders recorded by the sandbox: {orders} (every accepted order is one committed transaction)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
