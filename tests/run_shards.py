"""Run the test suite as two pytest processes at once: unit tests, then integration tests.

Why not pytest-xdist: its workers talk to the controller from a thread, and the
tests import Locust, whose gevent monkey-patching turns that thread into a
greenlet that never runs (INTERNALERROR at start). Two plain processes avoid
it. The integration shard is mostly waiting on real processes (locust runs of
a few seconds each), so the unit shard fits beside it on a 2-core machine.

Each shard's output is kept in its own log and printed whole when it ends,
followed by one closing line ``tests: N passed, N failed`` summed over the
shards. The exit code is non-zero when any shard failed.

    python tests/run_shards.py [extra pytest args...]
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARDS = {"unit": ["tests/unit"], "integration": ["tests/integration"]}
COUNT = re.compile(r"(\d+) (passed|failed|error|errors|skipped|deselected)")


def main(extra: list[str]) -> int:
    started = time.monotonic()
    procs: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    with tempfile.TemporaryDirectory(prefix="loadlib-tests-") as tmp:
        for name, paths in SHARDS.items():
            log = Path(tmp) / f"{name}.log"
            with open(log, "wb") as out:
                cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths, *extra]
                procs[name] = (subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT), log)
        totals = {"passed": 0, "failed": 0, "skipped": 0}
        worst = 0
        for name, (proc, log) in procs.items():
            code = proc.wait()
            text = log.read_text(errors="replace")
            print(f"===== {name} shard (exit {code}) =====")
            print(text.rstrip())
            last = text.strip().splitlines()[-1] if text.strip() else ""
            for n, kind in COUNT.findall(last):
                if kind in ("failed", "error", "errors"):
                    totals["failed"] += int(n)
                elif kind in totals:
                    totals[kind] += int(n)
            if code not in (0, 5):  # 5: a shard with nothing collected is not a failure by itself
                worst = max(worst, code)
    if worst and totals["failed"] == 0:
        totals["failed"] = 1  # a shard crashed without a count: never report it as green
    print(f"shards finished in {time.monotonic() - started:.0f} s")
    line = f"tests: {totals['passed']} passed, {totals['failed']} failed"
    if totals["skipped"]:
        line += f", {totals['skipped']} skipped"
    print(line)
    if totals["passed"] == 0:
        return worst or 1
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
