"""``bench/run.py --profile``: where a generator's CPU goes, from py-spy samples.

Each profiled generator runs the scenario once more (pinned like the measured runs);
after a warm-up py-spy attaches (``--nonblocking``, so it does not stop the
generator to sample it) and records collapsed stacks. ``top_functions`` folds them
into the functions with the most samples on top of the stack ("self") and on the
stack at all ("total"); the text lands in ``profile-<scenario>-<generator>.txt``.

    >>> top = top_functions("t;a (x.py:1);b (y.py:2) 3\\nt;a (x.py:1) 1\\n", limit=2)
    >>> top.self_[0], top.samples
    (('b (y.py)', 3), 4)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators import SCENARIOS, plan
from measure import pin_prefix
from servers import find_py_spy

PROFILED = ("locust-fast", "loadlib-layer", "loadlib")
PROFILE_SECONDS = 12
_LINE_NO = re.compile(r":\d+\)$")


@dataclass(frozen=True)
class Top:
    samples: int
    self_: list[tuple[str, int]]
    total: list[tuple[str, int]]
    packages: list[tuple[str, int]] = field(default_factory=list)  # self samples by top-level package

    def render(self, title: str) -> str:
        lines = [f"{title}: {self.samples:,} samples", "", "self %  package"]
        lines += [f"{100 * n / self.samples:5.1f}  {p}" for p, n in self.packages] if self.samples else []
        lines += ["", "self %  function (file)"]
        lines += [f"{100 * n / self.samples:5.1f}  {f}" for f, n in self.self_] if self.samples else []
        lines += ["", "total %  function (file)"]
        lines += [f"{100 * n / self.samples:6.1f}  {f}" for f, n in self.total] if self.samples else []
        return "\n".join(lines) + "\n"


def top_functions(collapsed: str, limit: int = 25) -> Top:
    """Fold py-spy's raw (collapsed) output: ``frame;frame;... count`` per line, first frame the thread."""
    self_: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_LINE_NO.sub(")", f.strip()) for f in stack.split(";")[1:]]  # [0] is the thread
        if not frames:
            continue
        samples += n
        self_[frames[-1]] += n
        for f in set(frames):
            total[f] += n
    packages: Counter[str] = Counter()
    for f, n in self_.items():
        packages[package_of(f)] += n
    return Top(samples, self_.most_common(limit), total.most_common(limit), packages.most_common())


def package_of(frame: str) -> str:
    """``"Registry.add (loadlib/metrics/registry.py)"`` -> ``"loadlib"``; stdlib files -> ``"python"``.

    >>> package_of("recv (gevent/_socketcommon.py)"), package_of("get (bench_work.py)"), package_of("x (<frozen os>)")
    ('gevent', 'bench', 'python')
    """
    path = frame.rsplit(" (", 1)[-1].rstrip(")")
    if "/" not in path:
        return "bench" if path.startswith("bench") else "python"
    return path.split("/", 1)[0]


def _wait_for_traffic(target: Any, proc: subprocess.Popen, timeout: float) -> None:
    """Until the target's request counter moves (start-up over), or ``timeout``."""
    counter = target.request_counter()
    if counter is None:
        time.sleep(5.0)
        return
    try:
        first = counter()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None and counter() <= first:
            time.sleep(0.1)
    finally:
        counter.close()


def profile_loadlib(args: argparse.Namespace, target: Any, gen_core: int | None, workroot: Path,
                    out_dir: Path) -> list[Path]:
    """Profile the Locust-based generators on hello and sleepy; returns the files written."""
    py_spy = find_py_spy()
    if py_spy is None:
        print("bench: --profile needs py-spy (pip install py-spy)", flush=True)
        return []
    written: list[Path] = []
    duration = max(args.duration, 30.0)  # leaves room for start-up and PROFILE_SECONDS of traffic
    for scenario_name in ("hello", "sleepy"):
        scenario = SCENARIOS[scenario_name]
        for gen in PROFILED:
            inv = plan(gen, scenario, base_url=target.url, payment_path=target.payment_path, duration=duration,
                       workdir=workroot / f"profile-{scenario_name}-{gen}", k6=None)
            if isinstance(inv, str):
                continue
            raw = inv.workdir / "py-spy.txt"
            with open(inv.workdir / "generator.log", "wb") as log:
                proc = subprocess.Popen([*pin_prefix(gen_core), *inv.cmd], env=inv.env, cwd=inv.workdir,
                                        stdout=log, stderr=subprocess.STDOUT)
                _wait_for_traffic(target, proc, timeout=20.0)
                time.sleep(3.0)  # past spawning and connection set-up
                if proc.poll() is not None:
                    print(f"bench: profile {scenario_name}/{gen}: generator exited early "
                          f"(exit {proc.returncode}); see its log", flush=True)
                    continue
                spy = subprocess.run([py_spy, "record", "--pid", str(proc.pid), "--duration",
                                      str(PROFILE_SECONDS), "--rate", "200", "--nonblocking", "--format", "raw",
                                      "--output", str(raw)], capture_output=True, text=True)
                proc.wait(timeout=duration + 60)
            if spy.returncode != 0 or not raw.exists():
                print(f"bench: py-spy failed on {gen}: {spy.stderr.strip()[-300:]}", flush=True)
                continue
            top = top_functions(raw.read_text(), limit=40)
            path = out_dir / f"profile-{scenario_name}-{gen}.txt"
            path.write_text(top.render(f"py-spy: {gen}, scenario {scenario_name} ({scenario.title})"))
            written.append(path)
            print(f"\n{path.name}: self time by package: "
                  + ", ".join(f"{p} {100 * n / max(top.samples, 1):.0f}%" for p, n in top.packages[:6]))
            print("top self:")
            for f, n in top.self_[:10]:
                print(f"  {100 * n / max(top.samples, 1):5.1f}%  {f}")
    return written
