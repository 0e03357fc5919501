"""The immutable profile model: what the loader produces and shapes/executors read.

Field names are the snake_case of k6's ``options`` keys; every duration is in
seconds (float) after parsing. Thresholds stay unparsed strings here: the
threshold grammar lives in ``loadlib.thresholds`` (profiles are declarations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

EXECUTORS = (
    "ramping-vus",
    "constant-vus",
    "per-vu-iterations",
    "shared-iterations",
    "constant-arrival-rate",
    "ramping-arrival-rate",
)
ARRIVAL_EXECUTORS = ("constant-arrival-rate", "ramping-arrival-rate")


@dataclass(frozen=True)
class Stage:
    duration_s: float
    target: float  # VUs for ramping-vus, iterations per time_unit for ramping-arrival-rate


@dataclass(frozen=True)
class Scenario:
    name: str
    executor: str
    exec: str | None = None  # the Locust user class name that runs this scenario; None = the locustfile's default
    start_time_s: float = 0.0
    graceful_stop_s: float = 30.0
    env: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    # closed-model executors
    vus: int | None = None
    duration_s: float | None = None
    iterations: int | None = None
    max_duration_s: float | None = None
    start_vus: int | None = None
    stages: tuple[Stage, ...] = ()
    graceful_ramp_down_s: float | None = None
    # open-model (arrival-rate) executors
    rate: float | None = None
    start_rate: float | None = None
    time_unit_s: float | None = None
    pre_allocated_vus: int | None = None
    max_vus: int | None = None

    @property
    def is_arrival_rate(self) -> bool:
        return self.executor in ARRIVAL_EXECUTORS


@dataclass(frozen=True)
class ThresholdSpec:
    metric: str  # key as written, may carry a tag filter: "http_req_duration{status:200}"
    expression: str  # "p(95)<500", optionally "p(95)<500 over 1m"
    abort_on_fail: bool = False
    delay_abort_eval_s: float | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    source: str  # file path or "<command line>"
    scenarios: tuple[Scenario, ...]
    thresholds: tuple[ThresholdSpec, ...] = ()
    description: str = ""
    http_timeout_s: float = 60.0  # k6's default request timeout
    summary_trend_stats: tuple[str, ...] = ("avg", "min", "med", "max", "p(90)", "p(95)")
    tags: Mapping[str, str] = field(default_factory=dict)
