"""The benchmark's pure parts: records, parsing generator output, ratios, targets, the table.

Nothing here starts a process or touches the network, so it is unit-tested
(tests/unit/bench/) and shared by ``bench/run.py`` and the other benchmarks.

    >>> m = Measurement("hello", "k6", requests=150_000, cpu_seconds=15.0, peak_rss_bytes=60 << 20, vus=50)
    >>> round(m.req_per_cpu_second)
    10000
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

MB = 1 << 20

# Generators in table order. "loadlib" is loadlib's own user class (loadlib.FastUser);
# "loadlib-layer" is plain FastHttpUser with loadlib imported (every hub listener and
# metric on): the difference to "locust-fast" is what loadlib's layer costs.
GENERATORS: tuple[str, ...] = ("k6", "locust-http", "locust-fast", "bare-ghc", "loadlib-layer", "loadlib")
LOADLIB_GENERATORS: tuple[str, ...] = ("loadlib", "loadlib-layer")

# Issue 8's targets.
HELLO_REQ_PER_CPU_S = 5_000.0
SLEEPY_MAX_RSS_BYTES = 100 * MB
LAYER_MAX_OVERHEAD = 0.05


@dataclass(frozen=True)
class Measurement:
    """One generator's run of one scenario, as measured from outside the generator.

    ``status`` is "ok", "failed" (ran but produced no usable numbers) or
    "unavailable" (the generator does not exist yet, e.g. a loadlib part not landed).
    """

    scenario: str
    generator: str
    requests: int = 0
    failures: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    peak_rss_bytes: int = 0
    vus: int = 0
    p95_ms: float | None = None
    checks_passed: float | None = None  # share of checks that passed, when the generator reports checks
    # steady state: requests the target served and CPU the generator used between the end of the
    # warm-up and the end of traffic (0 when the target cannot count, e.g. the sandbox)
    steady_requests: int = 0
    steady_cpu_seconds: float = 0.0
    steady_seconds: float = 0.0
    status: str = "ok"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.requests > 0 and self.cpu_seconds > 0

    @property
    def req_per_cpu_second(self) -> float | None:
        return self.requests / self.cpu_seconds if self.ok else None

    @property
    def steady_req_per_cpu_second(self) -> float | None:
        return self.steady_requests / self.steady_cpu_seconds if self.ok and self.steady_cpu_seconds > 0 else None

    @property
    def efficiency(self) -> float | None:
        """Requests per CPU-second: steady state when measured, else over the whole run."""
        steady = self.steady_req_per_cpu_second
        return steady if steady is not None else self.req_per_cpu_second

    @property
    def cpu_per_request(self) -> float | None:
        e = self.efficiency
        return 1.0 / e if e else None

    @property
    def req_per_second(self) -> float | None:
        """Throughput: steady state when measured, else requests over the whole run's wall time."""
        if self.ok and self.steady_seconds > 0:
            return self.steady_requests / self.steady_seconds
        return self.requests / self.wall_seconds if self.ok and self.wall_seconds > 0 else None

    @property
    def rss_per_vu_bytes(self) -> float | None:
        return self.peak_rss_bytes / self.vus if self.ok and self.vus > 0 and self.peak_rss_bytes else None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["req_per_cpu_second"] = _round(self.req_per_cpu_second)
        out["steady_req_per_cpu_second"] = _round(self.steady_req_per_cpu_second)
        out["efficiency"] = _round(self.efficiency)
        out["req_per_second"] = _round(self.req_per_second)
        out["rss_per_vu_bytes"] = _round(self.rss_per_vu_bytes)
        out["peak_rss_mb"] = _round(self.peak_rss_bytes / MB) if self.peak_rss_bytes else None
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Measurement:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in names})


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class GeneratorReport:
    """What a generator says about its own run (counts and latency), before CPU/RSS are added."""

    requests: int
    failures: int = 0
    p95_ms: float | None = None
    checks_passed: float | None = None


def parse_k6_summary(text: str) -> GeneratorReport:
    """Parse the JSON that ``handleSummary(data)`` wrote (k6's end-of-test data object).

    >>> parse_k6_summary('{"metrics": {"http_reqs": {"values": {"count": 7}}}}').requests
    7
    """
    data = json.loads(text)
    metrics = data.get("metrics", {})

    def values(name: str) -> dict[str, Any]:
        m = metrics.get(name) or {}
        return m.get("values", m)  # k6 >= 0.30 nests under "values"; --summary-export does not

    reqs = int(values("http_reqs").get("count", 0))
    failed = values("http_req_failed")
    # http_req_failed is a rate: "passes" counts the true values, i.e. the failed requests
    failures = int(failed.get("passes", 0)) if failed else 0
    p95 = values("http_req_duration").get("p(95)")
    checks = values("checks")
    checks_passed = None
    if checks and (checks.get("passes", 0) + checks.get("fails", 0)) > 0:
        checks_passed = checks["passes"] / (checks["passes"] + checks["fails"])
    return GeneratorReport(reqs, failures, None if p95 is None else float(p95), checks_passed)


def parse_locust_stats_csv(text: str) -> GeneratorReport:
    """Parse Locust's ``<prefix>_stats.csv``: the "Aggregated" row.

    >>> head = "Type,Name,Request Count,Failure Count,95%"
    >>> parse_locust_stats_csv(head + "\\n,Aggregated,10,1,4\\n").p95_ms
    4.0
    """
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("Name") == "Aggregated":
            p95 = row.get("95%", "")
            return GeneratorReport(
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                p95_ms=float(p95) if p95 not in ("", "N/A", None) else None,
            )
    raise ValueError("no Aggregated row in Locust stats CSV")


def parse_json_line(text: str, marker: str) -> dict[str, Any]:
    """The JSON object on the last line of ``text`` that starts with ``marker``.

    >>> parse_json_line("noise\\nBENCH {\\"requests\\": 3}\\n", "BENCH ")["requests"]
    3
    """
    for line in reversed(text.splitlines()):
        if line.startswith(marker):
            return json.loads(line[len(marker):])
    raise ValueError(f"no line starting with {marker!r}")


# --------------------------------------------------------------------------- math


@dataclass(frozen=True)
class Steady:
    requests: int
    cpu_seconds: float
    seconds: float


def steady_state(samples: Sequence[tuple[float, float, int]], warmup: float = 3.0,
                 min_seconds: float = 3.0) -> Steady | None:
    """Requests and generator CPU between the end of warm-up and the end of traffic.

    ``samples`` are (seconds since start, generator CPU seconds so far, target's request
    counter) in time order; a counter of -1 is a missed reading. The window starts
    ``warmup`` seconds after the counter first moved (imports, spawning and connection
    set-up are behind it) and ends at the last sample before the counter stopped moving.

    >>> s = [(t, 0.5 + 0.9 * max(t - 1, 0), 1000 * max(t - 1, 0)) for t in range(0, 12)] + [(12, 10.5, 10000)]
    >>> steady_state(s)
    Steady(requests=5000, cpu_seconds=4.5, seconds=5)
    """
    valid = [x for x in samples if x[2] >= 0]
    if len(valid) < 3:
        return None
    base, final = valid[0][2], valid[-1][2]
    moved = next((t for t, _, n in valid if n > base), None)
    if moved is None:
        return None
    end = next(i for i, (_, _, n) in enumerate(valid) if n == final) - 1
    start = next((i for i, (t, _, _) in enumerate(valid) if t >= moved + warmup), None)
    if start is None or end <= start or valid[end][0] - valid[start][0] < min_seconds:
        return None
    (t0, c0, n0), (t1, c1, n1) = valid[start], valid[end]
    if c1 <= c0:
        return None
    return Steady(n1 - n0, round(c1 - c0, 6), round(t1 - t0, 6))


def percentile(samples: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (what k6 and HdrHistogram report), q in [0, 100].

    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)
    10
    """
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def layer_overhead(layer: Measurement, bare: Measurement) -> float | None:
    """Extra CPU per request of ``layer`` over ``bare``: 0.05 means 5% more CPU per request.

    >>> bare = Measurement("hello", "locust-fast", requests=1000, cpu_seconds=1.0)
    >>> layer = Measurement("hello", "loadlib-layer", requests=1000, cpu_seconds=1.04)
    >>> round(layer_overhead(layer, bare), 3)
    0.04
    """
    if not (layer.ok and bare.ok):
        return None
    if layer.steady_cpu_seconds > 0 and bare.steady_cpu_seconds > 0:
        return (bare.steady_req_per_cpu_second or 0.0) / (layer.steady_req_per_cpu_second or 1.0) - 1.0
    return (layer.cpu_seconds / layer.requests) / (bare.cpu_seconds / bare.requests) - 1.0


def headline_loadlib(rows: Iterable[Measurement], scenario: str) -> Measurement | None:
    """loadlib's row for a scenario: its own user class when available, else the layer on FastHttpUser."""
    by_gen = {m.generator: m for m in rows if m.scenario == scenario}
    for gen in LOADLIB_GENERATORS:
        m = by_gen.get(gen)
        if m is not None and m.ok:
            return m
    return None


@dataclass(frozen=True)
class Comparison:
    """loadlib against one other generator in one scenario (>1 means loadlib is better)."""

    scenario: str
    loadlib: str  # which loadlib generator stands for loadlib
    other: str
    efficiency: float | None  # loadlib req/CPU-s over the other's
    memory: float | None  # the other's RSS per VU over loadlib's (>1: loadlib uses less)


def comparisons(rows: Sequence[Measurement]) -> list[Comparison]:
    out: list[Comparison] = []
    for scenario in dict.fromkeys(m.scenario for m in rows):
        mine = headline_loadlib(rows, scenario)
        if mine is None:
            continue
        for other in rows:
            if other.scenario != scenario or other.generator in LOADLIB_GENERATORS or not other.ok:
                continue
            out.append(
                Comparison(
                    scenario,
                    mine.generator,
                    other.generator,
                    ratio(mine.efficiency, other.efficiency),
                    ratio(other.rss_per_vu_bytes, mine.rss_per_vu_bytes),
                )
            )
    return out


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class TargetResult:
    name: str
    verdict: str  # PASS, MISS, or N/A (not measured)
    measured: str
    target: str


def check_targets(rows: Sequence[Measurement]) -> list[TargetResult]:
    """Issue 8's three targets against a finished run."""
    by = {(m.scenario, m.generator): m for m in rows}
    out: list[TargetResult] = []

    hello = headline_loadlib(rows, "hello")
    if hello is None:
        out.append(TargetResult("hello GET req per CPU-second", "N/A", "loadlib not measured",
                                f">= {HELLO_REQ_PER_CPU_S:,.0f}"))
    else:
        v = hello.efficiency or 0.0
        out.append(TargetResult(
            f"hello GET req per CPU-second ({hello.generator})",
            "PASS" if v >= HELLO_REQ_PER_CPU_S else "MISS", f"{v:,.0f}", f">= {HELLO_REQ_PER_CPU_S:,.0f}"))

    sleepy = headline_loadlib(rows, "sleepy")
    if sleepy is None:
        out.append(TargetResult("2,000 sleeping VUs peak RSS", "N/A", "loadlib not measured",
                                f"<= {SLEEPY_MAX_RSS_BYTES // MB} MB"))
    else:
        out.append(TargetResult(
            f"{sleepy.vus:,} sleeping VUs peak RSS ({sleepy.generator})",
            "PASS" if sleepy.peak_rss_bytes <= SLEEPY_MAX_RSS_BYTES else "MISS",
            f"{sleepy.peak_rss_bytes / MB:.1f} MB", f"<= {SLEEPY_MAX_RSS_BYTES // MB} MB"))

    for scenario in dict.fromkeys(m.scenario for m in rows):
        layer, bare = by.get((scenario, "loadlib-layer")), by.get((scenario, "locust-fast"))
        if layer is None or bare is None:
            continue
        over = layer_overhead(layer, bare)
        name = f"loadlib layer CPU over FastHttpUser ({scenario})"
        if over is None:
            out.append(TargetResult(name, "N/A", "not measured", f"<= {LAYER_MAX_OVERHEAD:.0%}"))
        else:
            out.append(TargetResult(name, "PASS" if over <= LAYER_MAX_OVERHEAD else "MISS", f"{over:+.1%}",
                                    f"<= {LAYER_MAX_OVERHEAD:.0%}"))
    return out


# --------------------------------------------------------------------------- rendering


def _fmt(x: float | None, spec: str, none: str = "-") -> str:
    return none if x is None else format(x, spec)


def render_table(rows: Sequence[Measurement]) -> str:
    """The plain-text table ``bench/run.py`` prints: one line per run, loadlib's ratios beside."""
    comps = {(c.scenario, c.other): c for c in comparisons(rows)}
    header = ("scenario", "generator", "requests", "fail %", "req/s", "CPU s", "req/CPU-s", "(whole run)",
              "peak RSS MB", "RSS/VU KB", "p95 ms", "loadlib x eff", "loadlib x mem")
    lines: list[tuple[str, ...]] = [header]
    for m in rows:
        if not m.ok:
            lines.append((m.scenario, m.generator, m.status, m.note[:100], *[""] * (len(header) - 4)))
            continue
        c = comps.get((m.scenario, m.generator))
        rss_vu = m.rss_per_vu_bytes
        lines.append((
            m.scenario, m.generator, f"{m.requests:,}", f"{100 * m.failures / m.requests:.1f}",
            _fmt(m.req_per_second, ",.0f"),
            f"{m.cpu_seconds:.2f}", _fmt(m.efficiency, ",.0f"), _fmt(m.req_per_cpu_second, ",.0f"),
            f"{m.peak_rss_bytes / MB:.1f}",
            _fmt(None if rss_vu is None else rss_vu / 1024, ",.1f"), _fmt(m.p95_ms, ".1f"),
            _fmt(c.efficiency if c else None, ".2f"), _fmt(c.memory if c else None, ".2f"),
        ))
    widths = [max(len(r[i]) for r in lines if len(r) > i and not _is_note_row(r, i)) for i in range(len(header))]
    out = []
    for r in lines:
        if r[2] in ("failed", "unavailable"):
            out.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}: {r[3]}")
            continue
        out.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return "\n".join(out)


def _is_note_row(r: tuple[str, ...], i: int) -> bool:
    return i >= 2 and r[2] in ("failed", "unavailable")


def render_targets(results: Sequence[TargetResult]) -> str:
    return "\n".join(f"{r.verdict:<4}  {r.name}: {r.measured} (target {r.target})" for r in results)


def results_document(rows: Sequence[Measurement], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON written to bench/results/: meta, every run, loadlib's ratios, the targets."""
    return {
        "meta": dict(meta),
        "runs": [m.to_json() for m in rows],
        "comparisons": [asdict(c) for c in comparisons(rows)],
        "targets": [asdict(t) for t in check_targets(rows)],
    }


def with_report(m: Measurement, report: GeneratorReport) -> Measurement:
    return replace(m, requests=report.requests, failures=report.failures, p95_ms=report.p95_ms,
                   checks_passed=report.checks_passed)


def render_markdown(doc: Mapping[str, Any]) -> str:
    """A results document as the Markdown table bench/README.md quotes."""
    rows = [Measurement.from_json(r) for r in doc["runs"]]
    comps = {(c.scenario, c.other): c for c in comparisons(rows)}
    meta = doc.get("meta", {})
    out = [f"Run {meta.get('date', '?')} on `{meta.get('host', '?')}` ({meta.get('cpu', '?')}, "
           f"{meta.get('cores', '?')} cores), commit {meta.get('commit', '?')}, {meta.get('duration_s_per_run', '?')} s "
           f"per run; versions {', '.join(f'{k} {v}' for k, v in meta.get('versions', {}).items())}.", "",
           contention_line(rows), "",
           "| scenario | generator | req/CPU-s | req/s | peak RSS MB | RSS/VU KB | p95 ms | loadlib x eff | loadlib x mem |",
           "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for m in rows:
        if not m.ok:
            out.append(f"| {m.scenario} | {m.generator} | {m.status}: {m.note} | | | | | | |")
            continue
        c = comps.get((m.scenario, m.generator))
        rss_vu = m.rss_per_vu_bytes
        out.append(" | ".join([
            f"| {m.scenario}", m.generator, _fmt(m.efficiency, ",.0f"), _fmt(m.req_per_second, ",.0f"),
            f"{m.peak_rss_bytes / MB:.1f}", _fmt(None if rss_vu is None else rss_vu / 1024, ",.1f"),
            _fmt(m.p95_ms, ".1f"), _fmt(c.efficiency if c else None, ".2f"), _fmt(c.memory if c else None, ".2f"),
        ]) + " |")
    out += ["", "| target | verdict | measured | wanted |", "|---|---|---|---|"]
    out += [f"| {t['name']} | {t['verdict']} | {t['measured']} | {t['target']} |" for t in doc.get("targets", [])]
    return "\n".join(out) + "\n"


def contention_line(rows: Sequence[Measurement]) -> str:
    """How much of the machine other work took during the runs (0 = the runs had their cores alone)."""
    shares = [m.extra["contention_cpu_seconds"] / m.wall_seconds for m in rows
              if m.ok and m.wall_seconds > 0 and "contention_cpu_seconds" in (m.extra or {})]
    if not shares:
        return "Contention: not recorded."
    mean = sum(shares) / len(shares)
    verdict = ("the runs had the machine to themselves" if mean < 0.1 else
               "other work shared the machine: CPU-normalised numbers hold, p95 and req/s are pessimistic")
    return f"Contention: other processes used {mean:.2f} cores on average during the runs ({verdict})."
