"""What a suite run produced: one ``EntryResult`` per entry, one ``SuiteResult``.

The overall exit code (``overall_exit_code``) is the most severe entry code,
using k6's numbers, so a CI script written for k6 reads it the same way::

    0 (passed) < 99 (thresholds failed) < 104 (invalid config) < 105 (interrupted)
    107 (script error) and 108 (aborted by the script) rank between 99 and 104

Any other non-zero code (Locust crashed, a signal) counts as 107. Skipped
entries (``on_failure = "stop"``) do not count. So a suite where one entry
crossed a threshold and another had a bad config exits 104; one where only
thresholds failed exits 99.

>>> overall_exit_code([0, 99, 0])
99
>>> overall_exit_code([99, 104])
104
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from loadlib import exitcodes

Verdict = Literal["passed", "failed", "error", "interrupted", "aborted", "skipped"]
K6_CODES = (exitcodes.OK, exitcodes.THRESHOLDS_FAILED, exitcodes.INVALID_CONFIG, exitcodes.EXTERNAL_ABORT,
            exitcodes.SCRIPT_EXCEPTION, exitcodes.TEST_ABORTED)
# severity rank of each k6 code (higher wins)
_SEVERITY = {exitcodes.OK: 0, exitcodes.THRESHOLDS_FAILED: 1, exitcodes.SCRIPT_EXCEPTION: 2,
             exitcodes.TEST_ABORTED: 3, exitcodes.INVALID_CONFIG: 4, exitcodes.EXTERNAL_ABORT: 5}
SLO_KEYS = ("p50_met", "p95_met", "p99_met", "error_rate_met")


def k6_code(code: int | None) -> int | None:
    """An entry's exit code as one of k6's (anything unknown and non-zero -> 107)."""
    if code is None:
        return None
    return code if code in K6_CODES else exitcodes.SCRIPT_EXCEPTION


def verdict_for(code: int | None) -> Verdict:
    """The entry's status badge for its exit code (None: it did not run)."""
    code = k6_code(code)
    return {None: "skipped", exitcodes.OK: "passed", exitcodes.THRESHOLDS_FAILED: "failed",
            exitcodes.EXTERNAL_ABORT: "interrupted", exitcodes.TEST_ABORTED: "aborted"}.get(code, "error")  # type: ignore[return-value]


def overall_exit_code(codes: Iterable[int | None]) -> int:
    """The suite's exit code: the most severe entry code (see the module docstring)."""
    worst = exitcodes.OK
    for code in codes:
        c = k6_code(code)
        if c is not None and _SEVERITY[c] > _SEVERITY[worst]:
            worst = c
    return worst


@dataclass(frozen=True)
class EntryResult:
    """One entry's outcome: its exit code, headline numbers, SLO verdicts and report files."""

    name: str
    locustfile: str
    profile: str | None
    exit_code: int | None  # the locust process's code; None when skipped
    duration_s: float = 0.0
    description: str = ""
    metrics: Mapping[str, object] = field(default_factory=dict)  # the entry's SLO JSON "metrics" block
    slo_compliance: Mapping[str, bool | None] = field(default_factory=dict)
    thresholds: tuple[Mapping[str, object], ...] = ()  # {"metric", "expression", "ok", "observed"}
    reports: Mapping[str, str] = field(default_factory=dict)  # kind -> file name in the results folder
    time_scale: float = 1.0
    message: str = ""  # why it errored / was skipped, for the report

    @property
    def k6_exit_code(self) -> int | None:
        return k6_code(self.exit_code)

    @property
    def verdict(self) -> Verdict:
        return verdict_for(self.exit_code)

    @property
    def passed(self) -> bool:
        return self.exit_code == exitcodes.OK

    @property
    def failed_thresholds(self) -> tuple[Mapping[str, object], ...]:
        return tuple(t for t in self.thresholds if not t.get("ok"))


@dataclass(frozen=True)
class SuiteResult:
    """The whole run: rendered by ``outputs.suite_json``, ``outputs.suite_html`` and ``suites.comment``."""

    suite: str
    source: str
    started_at: float  # epoch seconds
    ended_at: float
    entries: tuple[EntryResult, ...]
    description: str = ""
    environment: str | None = None  # the --env name or file
    time_scale: float = 1.0
    host: str | None = None  # the target, or the embedded sandbox's URL
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        codes = [e.exit_code for e in self.entries]
        if self.interrupted:
            codes.append(exitcodes.EXTERNAL_ABORT)
        return overall_exit_code(codes)

    @property
    def passed(self) -> bool:
        return self.exit_code == exitcodes.OK and all(e.passed for e in self.entries)

    @property
    def status(self) -> str:
        return "passed" if self.passed else ("interrupted" if self.interrupted else "failed")

    @property
    def duration_s(self) -> float:
        return max(0.0, self.ended_at - self.started_at)

    def counts(self) -> dict[str, int]:
        out = {v: 0 for v in ("passed", "failed", "error", "interrupted", "aborted", "skipped")}
        for e in self.entries:
            out[e.verdict] += 1
        return out
