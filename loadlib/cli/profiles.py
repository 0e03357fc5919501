"""``loadlib profiles``: list the shipped load profiles, or show one's timeline.

    loadlib profiles                              name, duration, peak VUs / rate, description
    loadlib profiles show payments-load           scenarios, stages, thresholds, target table
    loadlib profiles show soak --time-scale 0.01  the same shape, compressed
"""

from __future__ import annotations

import argparse
from typing import Any

from loadlib.profiles import (
    Profile,
    Scenario,
    available_profiles,
    format_duration,
    load_profile,
    parse_time_scale,
)
from loadlib.shapes.timeline import breakpoints, rates_at, targets_at


def add_parser(sub: Any) -> None:
    p = sub.add_parser("profiles", help="list the shipped load profiles; `profiles show NAME` prints a timeline",
                       description="List the shipped load profiles (profiles/*.toml) or show one's timeline.")
    p.set_defaults(func=_list)
    inner = p.add_subparsers(dest="profiles_command", metavar="show")
    show = inner.add_parser("show", help="print a profile's scenarios, stages, thresholds and target table")
    show.add_argument("profile", metavar="NAME|PATH", help="a shipped profile name or a .toml/.json file")
    show.add_argument("--time-scale", default="1", metavar="F",
                      help="multiply every duration by F (> 0), as `locust --time-scale` does")
    show.add_argument("--rows", type=int, default=20, metavar="N", help="rows in the target table (default 20)")
    show.set_defaults(func=_show)


def _peak(p: Profile) -> str:
    rate = p.peak_rate
    vus = f"{p.peak_vus} VUs"
    return f"{vus}, {rate:g} it/s" if rate is not None else vus


def _list(args: argparse.Namespace) -> int:
    rows = []
    for name in available_profiles():
        p = load_profile(name)
        rows.append((name, format_duration(p.total_duration_s), _peak(p), p.description))
    if not rows:
        print("no shipped profiles found (looked in profiles/ and $LOADLIB_PROFILES_DIR)")
        return 0
    w0 = max(len(r[0]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    print(f"{'PROFILE':<{w0}}  {'DURATION':>8}  {'PEAK':<{w2}}  DESCRIPTION")
    for name, dur, peak, desc in rows:
        print(f"{name:<{w0}}  {dur:>8}  {peak:<{w2}}  {desc}")
    print("\nrun one:  locust -f LOCUSTFILE --headless --load-profile NAME [--time-scale F]")
    return 0


def _show(args: argparse.Namespace) -> int:
    scale = parse_time_scale(args.time_scale)
    p = load_profile(args.profile).scaled(scale)
    print(render(p, rows=max(2, args.rows), time_scale=scale))
    return 0


def render(p: Profile, rows: int = 20, time_scale: float = 1.0) -> str:
    """The text ``loadlib profiles show`` prints (pure, for tests)."""
    out = [f"profile {p.name}  ({p.source})"]
    if p.description:
        out.append(f"  {p.description}")
    scale = f"  time scale x{time_scale:g}" if time_scale != 1 else ""
    out.append(f"  total {format_duration(p.total_duration_s)}, peak {_peak(p)}{scale}")
    out.append("")
    for s in p.scenarios:
        out.extend(_scenario_lines(s))
    if p.thresholds:
        out.append("thresholds")
        for t in p.thresholds:
            flags = " (abortOnFail" + (f", delay {format_duration(t.delay_abort_eval_s)}"
                                       if t.delay_abort_eval_s is not None else "") + ")" if t.abort_on_fail else ""
            out.append(f"  {t.metric}: {t.expression}{flags}")
        out.append("")
    out.append(_table(p, rows))
    return "\n".join(out)


def _scenario_lines(s: Scenario) -> list[str]:
    head = f"scenario {s.name}: {s.executor}"
    if s.exec:
        head += f", exec {s.exec}"
    if s.start_time_s:
        head += f", starts at {format_duration(s.start_time_s)}"
    lines = [head]
    if s.executor == "ramping-vus":
        lines.append(f"  startVUs {s.start_vus}, gracefulRampDown {format_duration(s.graceful_ramp_down_s or 0)}")
    elif s.executor == "constant-vus":
        lines.append(f"  {s.vus} VUs for {format_duration(s.duration_s or 0)}")
    elif s.is_iterations:
        lines.append(f"  {s.vus} VUs, {s.iterations} iterations, maxDuration {format_duration(s.run_duration_s)}")
    else:
        unit = format_duration(s.time_unit_s or 1)
        if s.executor == "constant-arrival-rate":
            lines.append(f"  {s.rate:g} iterations per {unit} for {format_duration(s.duration_s or 0)}")
        else:
            lines.append(f"  startRate {s.start_rate:g} per {unit}")
        lines.append(f"  preAllocatedVUs {s.pre_allocated_vus}, maxVUs {s.max_vus} (kept running for the scenario)")
    if s.stages:
        t = s.start_time_s
        prev = s.start_rate if s.is_arrival_rate else s.start_vus
        unit = " it/" + format_duration(s.time_unit_s or 1) if s.is_arrival_rate else " VUs"
        for i, st in enumerate(s.stages):
            end = t + st.duration_s
            verb = "jump" if st.duration_s == 0 else ("hold" if st.target == prev else "ramp")
            lines.append(f"  stage {i + 1}: {format_duration(t):>7} -> {format_duration(end):<7} "
                         f"{verb} {prev:g} -> {st.target:g}{unit}")
            t, prev = end, st.target
    lines.append("")
    return lines


def _table(p: Profile, rows: int) -> str:
    total = p.total_duration_s
    step = total / rows if total > 0 else 1.0
    times = sorted({round(i * step, 6) for i in range(rows + 1)} | {b for b in breakpoints(p) if b <= total})
    names = [s.name for s in p.scenarios]
    arrival = [s.name for s in p.scenarios if s.is_arrival_rate]
    cols = [*names, "total", *(f"{n} it/s" for n in arrival)]
    width = max(6, *(len(c) for c in cols))
    out = ["target users (arrival-rate scenarios keep maxVUs running; it/s is their target iteration rate)",
           f"  {'time':>8}  " + "  ".join(f"{c:>{width}}" for c in cols)]
    for t in times:
        tg = targets_at(p, t)
        rates = rates_at(p, t)
        cells = [str(tg[n]) for n in names] + [str(sum(tg.values()))] + [f"{rates[n]:g}" for n in arrival]
        out.append(f"  {format_duration(t):>8}  " + "  ".join(f"{c:>{width}}" for c in cells))
    return "\n".join(out)
