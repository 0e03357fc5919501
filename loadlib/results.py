"""What a finished (or running) test hands to every output: immutable records.

Outputs in ``loadlib.outputs`` are pure ``render(result: RunResult) -> bytes``
functions over these types, plus an atomic write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from loadlib.metrics.snapshot import Snapshot

RunStatus = Literal["passed", "failed", "interrupted", "aborted", "error"]


@dataclass(frozen=True)
class ThresholdVerdict:
    """One threshold expression judged against the merged data."""

    metric: str  # the key as written, e.g. "http_req_duration{status:200}"
    expression: str  # as written, e.g. "p(95)<500" or "p(95)<500 over 1m"
    ok: bool
    observed: float | None  # None when the metric has no samples yet
    aggregation: str  # "p(95)", "rate", ...
    abort_on_fail: bool = False
    window: str | None = None


@dataclass(frozen=True)
class TimelinePoint:
    """One row of the per-interval timeline the HTML report charts."""

    elapsed_s: float
    vus: int
    rps: float
    error_rate: float
    p50: float | None
    p95: float | None
    p99: float | None
    target_vus: int | None = None
    target_rate: float | None = None
    achieved_rate: float | None = None
    extra: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RunMeta:
    test_name: str  # e.g. "payments" (locustfile stem) or the suite entry name
    locustfile: str
    profile: str | None
    scenarios: tuple[str, ...]
    started_at: float  # unix seconds
    ended_at: float
    workers: int = 0  # 0 = single process
    partial: bool = False  # a worker was lost; its last reported data is included
    interrupted: bool = False
    host: str | None = None
    loadlib_version: str = ""
    notes: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        return max(0.0, self.ended_at - self.started_at)


@dataclass(frozen=True)
class RunResult:
    meta: RunMeta
    snapshot: Snapshot
    thresholds: tuple[ThresholdVerdict, ...]
    timeline: tuple[TimelinePoint, ...]
    exit_code: int
    status: RunStatus

    @property
    def passed(self) -> bool:
        return all(v.ok for v in self.thresholds)
