"""A real soak: does the generator's memory grow over a long steady run? (not part of make test)

    .venv/bin/python bench/soak.py                      # 30 minutes, 50 users, tribble_payments
    .venv/bin/python bench/soak.py --minutes 5 --users 20
    .venv/bin/python bench/soak.py --locustfile locustfiles/mina_read.py

Runs ``locust --headless`` against the embedded sandbox with a flat stage
(``--stage <minutes>m:<users>``, users ramp in over the first minute), samples the
generator process's RSS every 10 s, and prints the samples, the RSS slope (least
squares, MB/hour) over the steady part (after ``--warmup`` minutes: histograms,
connection pools and per-second windows fill up first) and a verdict.

The registry's memory is bounded by design: one histogram per series (tag set) whose
sparse bucket dict holds at most ~23,500 buckets, and per-second windows kept for a
fixed horizon. The histograms fill in slowly over a long run (every new microsecond-wide
latency bucket is a dict entry), so the generator also writes the registry's bucket
count every 10 s (a wrapper locustfile around ``--locustfile``), and the verdict is on
RSS *beyond* the histograms: RSS minus ``BUCKET_BYTES`` per bucket. A slope within
``--max-slope`` MB/hour (default 5) over the steady part is "no growth"; more is a leak.
Exit status: 0 no growth, 1 growth, 2 the run failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
LOCUST = str(Path(sys.executable).parent / "locust")
MB = 1 << 20
BUCKET_BYTES = 72  # one bucket: dict entry + slack (~44 B) and its int key (28 B); measured 3.1 MB per 45k buckets

WRAPPER = """
import runpy, sys, time
sys.path.insert(0, {dir!r})
globals().update({{k: v for k, v in runpy.run_path({path!r}, run_name="soak_target").items()
                  if not k.startswith("__")}})

import gevent
from locust import events


def _buckets():
    from loadlib.metrics import current_registry
    n = 0
    for cells in current_registry()._cells.values():
        for cell in cells.values():
            n += len(getattr(cell, "counts", ()) or ())
    return n


def _watch():
    while True:
        with open({out!r}, "a") as f:
            f.write(f"{{time.time():.1f}} {{_buckets()}}\\n")
        gevent.sleep(10)


@events.test_start.add_listener
def _start(**_):
    gevent.spawn(_watch)
"""


def slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per hour (0 for fewer than two samples).

    >>> round(slope_per_hour([(0, 100.0), (1800, 101.0), (3600, 102.0)]), 3)
    2.0
    """
    n = len(samples)
    if n < 2:
        return 0.0
    mx = sum(t for t, _ in samples) / n
    my = sum(v for _, v in samples) / n
    var = sum((t - mx) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    return sum((t - mx) * (v - my) for t, v in samples) / var * 3600.0


def run(args: argparse.Namespace) -> int:
    out_dir = Path(tempfile.mkdtemp(prefix="loadlib-soak-"))
    log = out_dir / "locust.log"
    target = (ROOT / args.locustfile).resolve()
    buckets_file = out_dir / "buckets.txt"
    wrapper = out_dir / "soak_locustfile.py"
    wrapper.write_text(WRAPPER.format(dir=str(target.parent), path=str(target), out=str(buckets_file)))
    cmd = [LOCUST, "-f", str(wrapper), "--headless", "--stage", f"1m:{args.users}",
           "--stage", f"{max(1, args.minutes - 1)}m:{args.users}", "--only-summary",
           "--summary-export", str(out_dir / "summary.json")]
    print(f"soak: {' '.join(cmd)}", flush=True)
    samples: list[tuple[float, float]] = []
    wall: list[float] = []  # time.time() of each sample (joins the bucket counts)
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
        gen = psutil.Process(proc.pid)
        t0 = time.monotonic()
        try:
            while proc.poll() is None:
                try:
                    rss = gen.memory_info().rss / MB
                except psutil.Error:
                    break
                elapsed = time.monotonic() - t0
                samples.append((elapsed, rss))
                wall.append(time.time())
                print(f"  {elapsed / 60:6.1f} min  RSS {rss:7.1f} MB", flush=True)
                time.sleep(args.interval)
        except KeyboardInterrupt:
            proc.terminate()
        proc.wait(timeout=120)
    if proc.returncode not in (0, 99) or len(samples) < 3:
        print(f"soak: the run failed (exit {proc.returncode}); log: {log}")
        print(log.read_text(errors="replace")[-3000:])
        return 2
    steady = [s for s in samples if s[0] >= args.warmup * 60] or samples
    slope = slope_per_hour(steady)
    first, last = steady[0][1], steady[-1][1]
    peak = max(v for _, v in samples)
    print(f"\nRSS: start {samples[0][1]:.1f} MB, steady from {first:.1f} MB to {last:.1f} MB, peak {peak:.1f} MB")
    print(f"RSS slope over the steady part ({len(steady)} samples, after {args.warmup:g} min): "
          f"{slope:+.2f} MB/hour")
    buckets = _bucket_counts(buckets_file)
    if buckets:
        beyond = [(t, rss - _at(buckets, w) * BUCKET_BYTES / MB) for (t, rss), w in zip(samples, wall, strict=True)
                  if t >= args.warmup * 60]
        grown = _at(buckets, wall[-1]) - _at(buckets, wall[len(samples) - len(steady)])
        print(f"histogram buckets: {_at(buckets, wall[-1]):,} at the end, +{grown:,} over the steady part "
              f"(~{grown * BUCKET_BYTES / MB:.1f} MB at {BUCKET_BYTES} B each)")
        print(f"RSS beyond the histograms: slope {slope_per_hour(beyond):+.2f} MB/hour")
        steady = beyond or steady
    verdict, grew = judge(steady, args.max_slope)
    print(f"verdict: {verdict}")
    print(f"log and summary: {out_dir}")
    return 1 if grew else 0


def _bucket_counts(path: Path) -> list[tuple[float, int]]:
    """(unix time, buckets) rows the wrapper wrote; [] when there are none."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            rows.append((float(parts[0]), int(parts[1])))
    return rows


def _at(rows: list[tuple[float, int]], t: float) -> int:
    """The last bucket count written at or before ``t`` (0 before the first)."""
    value = 0
    for when, n in rows:
        if when > t:
            break
        value = n
    return value


def judge(steady: list[tuple[float, float]], max_slope: float) -> tuple[str, bool]:
    """The verdict on the steady part's RSS: flat, bounded (slowing down), or growing (a leak).

    The registry's histograms keep only the buckets in use (at most ~23,500 per histogram), so
    they fill in over a long run as rarer latencies appear: growth that slows down (the second
    half's slope under half the first half's) is that fixed size being approached, not a leak.

    >>> judge([(t * 60.0, 100.0) for t in range(30)], 5.0)[1]
    False
    >>> judge([(t * 60.0, 100.0 + t) for t in range(30)], 5.0)[1]
    True
    """
    slope = slope_per_hour(steady)
    if slope <= max_slope:
        return (f"NO GROWTH: {slope:+.2f} MB/hour within {max_slope:g} MB/hour", False)
    half = len(steady) // 2
    early, late = slope_per_hour(steady[:half]), slope_per_hour(steady[half:])
    if late <= max_slope or late < early / 2:
        return (f"BOUNDED: {slope:+.2f} MB/hour overall, slowing from {early:+.2f} to {late:+.2f} MB/hour "
                "(histograms filling towards their fixed size)", False)
    return (f"GROWTH: {slope:+.2f} MB/hour (first half {early:+.2f}, second half {late:+.2f}) exceeds "
            f"{max_slope:g} MB/hour and is not slowing down", True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=int, default=30, help="run length in minutes (default 30)")
    p.add_argument("--users", type=int, default=50, help="steady user count (default 50)")
    p.add_argument("--locustfile", default="locustfiles/tribble_payments.py")
    p.add_argument("--interval", type=float, default=10.0, help="RSS sampling interval in seconds (default 10)")
    p.add_argument("--warmup", type=float, default=5.0, help="minutes left out of the slope (default 5)")
    p.add_argument("--max-slope", type=float, default=5.0, help="MB/hour still counted as no growth (default 5)")
    args = p.parse_args(argv)
    args.warmup = min(args.warmup, args.minutes / 3)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
