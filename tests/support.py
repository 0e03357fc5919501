"""Helpers for integration tests: free ports, readiness waits, real processes.

Every helper binds to loopback only and has a bounded wait with a generous
margin for a loaded 2-core machine.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOCUST = str(VENV_BIN / "locust")


_HANDED_OUT: set[int] = set()


def _port_window() -> tuple[int, int]:
    """Ports outside the kernel's ephemeral range (where outgoing connections take their ports)."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return (20000, low - 1) if low > 21000 else (high + 1, 65000)


def free_port() -> int:
    """A loopback port that is free now and will stay free until the test binds it.

    Port 0 would hand out an ephemeral port, which any outgoing connection (of this
    test or of the unit shard running beside it) may take before the test's server
    binds it; so pick one outside the ephemeral range, never the same twice per process.
    """
    first, last = _port_window()
    for _ in range(500):
        port = random.randint(first, last)
        if port in _HANDED_OUT:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0, expect: int = 200) -> None:
    """Poll ``url`` until it answers ``expect`` or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == expect:
                    return
                last = r.status
        except urllib.error.HTTPError as e:
            last = e.code
            if e.code == expect:
                return
        except OSError as e:
            last = e
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s (last: {last!r})")


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LOCUST_HOST", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@contextlib.contextmanager
def process(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start a process; on exit terminate it (then kill) so nothing outlives the test."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(args, cwd=cwd or ROOT, env=env or child_env(), stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        if log:
            out.close()  # type: ignore[union-attr]


def run_locust(args: list[str], *, timeout: float = 240, env: dict[str, str] | None = None,
               cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``locust`` to completion and return its exit code and output."""
    return subprocess.run([LOCUST, *args], cwd=cwd or ROOT, env=env or child_env(), capture_output=True,
                          text=True, timeout=timeout)
