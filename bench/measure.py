"""Run one generator pinned to a core and measure it from outside: CPU seconds and peak RSS.

CPU is user+sys of the whole process tree: the larger of what ``wait4`` reports
for the reaped child (it includes descendants the child reaped) and the sum of the
last psutil sample of every process seen in the tree. Peak RSS is the largest sum of
the tree's resident set sizes over the samples (every 0.2 s).

    >>> r = run_measured(["true"], cpu_core=0, timeout=10)
    >>> r.returncode
    0
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_INTERVAL = 0.2


@dataclass(frozen=True)
class ProcessRun:
    returncode: int
    cpu_seconds: float
    peak_rss_bytes: int
    wall_seconds: float
    stdout: str
    stderr: str
    timed_out: bool = False
    # (seconds since start, generator CPU seconds so far, target's request counter or -1) every sample
    samples: tuple[tuple[float, float, int], ...] = ()
    machine_busy_cpu_seconds: float = 0.0  # every process on the machine, for judging contention
    load_average: float = 0.0  # 1-minute load average when the run started


def _machine_busy() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def pin_prefix(core: int | None) -> list[str]:
    """``taskset -c CORE`` when taskset exists (util-linux); the harness checks this up front."""
    if core is None:
        return []
    taskset = shutil.which("taskset")
    if taskset is None:
        raise RuntimeError("taskset not found (package util-linux): cannot pin the generator to a core")
    return [taskset, "-c", str(core)]


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return [root]


def run_measured(cmd: list[str], *, cpu_core: int | None, timeout: float, env: dict[str, str] | None = None,
                 cwd: Path | None = None, log_dir: Path | None = None, name: str = "run",
                 probe: Callable[[], int] | None = None) -> ProcessRun:
    """Start ``cmd`` pinned to ``cpu_core``, sample it until it exits (or ``timeout``), return the numbers."""
    log_dir = log_dir or Path("/tmp")
    out_path, err_path = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        load = os.getloadavg()[0]
        busy0 = _machine_busy()
        started = time.monotonic()
        proc = subprocess.Popen([*pin_prefix(cpu_core), *cmd], env=env, cwd=cwd, stdout=out, stderr=err,
                                start_new_session=True)
        root = psutil.Process(proc.pid)
        cpu_by_pid: dict[int, float] = {}
        peak_rss = 0
        timed_out = False
        status = None
        rusage = None
        samples: list[tuple[float, float, int]] = []
        while True:
            rss = 0
            for p in _tree(root):
                try:
                    with p.oneshot():
                        t = p.cpu_times()
                        cpu_by_pid[p.pid] = t.user + t.system
                        rss += p.memory_info().rss
                except psutil.Error:
                    continue
            peak_rss = max(peak_rss, rss)
            samples.append((time.monotonic() - started, sum(cpu_by_pid.values()), probe() if probe else -1))
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                timed_out = True
                _kill_group(proc.pid)
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(SAMPLE_INTERVAL)
        wall = time.monotonic() - started
        busy = _machine_busy() - busy0
        proc.returncode = os.waitstatus_to_exitcode(status)  # we reaped it ourselves
    _kill_group(proc.pid)  # nothing of the run outlives it
    waited_cpu = rusage.ru_utime + rusage.ru_stime
    return ProcessRun(
        returncode=proc.returncode,
        cpu_seconds=max(waited_cpu, sum(cpu_by_pid.values())),
        peak_rss_bytes=peak_rss,
        wall_seconds=wall,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
        timed_out=timed_out,
        samples=tuple(samples),
        machine_busy_cpu_seconds=busy,
        load_average=load,
    )


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
