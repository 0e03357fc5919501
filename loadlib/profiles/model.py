"""The immutable profile model: what the loader produces and shapes/executors read.

Field names are the snake_case of k6's ``options`` keys; every duration is in
seconds (float) after parsing. Thresholds stay unparsed strings here: the
threshold grammar lives in ``loadlib.thresholds`` (profiles are declarations).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

EXECUTORS = (
    "ramping-vus",
    "constant-vus",
    "per-vu-iterations",
    "shared-iterations",
    "constant-arrival-rate",
    "ramping-arrival-rate",
)
ARRIVAL_EXECUTORS = ("constant-arrival-rate", "ramping-arrival-rate")
ITERATION_EXECUTORS = ("per-vu-iterations", "shared-iterations")


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

    @property
    def is_iterations(self) -> bool:
        return self.executor in ITERATION_EXECUTORS

    @property
    def run_duration_s(self) -> float:
        """How long the scenario runs after its startTime (maxDuration for the iteration executors)."""
        if self.executor in ("ramping-vus", "ramping-arrival-rate"):
            return sum(s.duration_s for s in self.stages)
        if self.executor in ITERATION_EXECUTORS:
            return self.max_duration_s if self.max_duration_s is not None else 600.0
        return self.duration_s or 0.0

    @property
    def end_s(self) -> float:
        return self.start_time_s + self.run_duration_s

    @property
    def peak_vus(self) -> int:
        """Most users this scenario ever asks for (maxVUs for arrival-rate scenarios)."""
        if self.executor == "ramping-vus":
            return int(max([self.start_vus or 0, *(s.target for s in self.stages)]))
        if self.is_arrival_rate:
            return int(self.max_vus or self.pre_allocated_vus or 0)
        return int(self.vus or 0)

    @property
    def peak_rate(self) -> float | None:
        """Iterations per second at the peak (arrival-rate scenarios only)."""
        if not self.is_arrival_rate:
            return None
        unit = self.time_unit_s or 1.0
        if self.executor == "constant-arrival-rate":
            return (self.rate or 0.0) / unit
        return max([self.start_rate or 0.0, *(s.target for s in self.stages)]) / unit

    def scaled(self, time_scale: float) -> Scenario:
        """Every duration multiplied by ``time_scale`` (timeUnit is a rate unit and stays)."""

        def mul(v: float | None) -> float | None:
            return None if v is None else v * time_scale

        return replace(
            self,
            start_time_s=self.start_time_s * time_scale,
            graceful_stop_s=self.graceful_stop_s * time_scale,
            duration_s=mul(self.duration_s),
            max_duration_s=mul(self.max_duration_s),
            graceful_ramp_down_s=mul(self.graceful_ramp_down_s),
            stages=tuple(Stage(s.duration_s * time_scale, s.target) for s in self.stages),
        )


@dataclass(frozen=True)
class ThresholdSpec:
    metric: str  # key as written, may carry a tag filter: "http_req_duration{status:200}"
    expression: str  # "p(95)<500", optionally "p(95)<500 over 1m"
    abort_on_fail: bool = False
    delay_abort_eval_s: float | None = None

    def scaled(self, time_scale: float) -> ThresholdSpec:
        if self.delay_abort_eval_s is None:
            return self
        return replace(self, delay_abort_eval_s=self.delay_abort_eval_s * time_scale)


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
    ignored_options: tuple[str, ...] = ()  # k6 options loadlib accepts but does not act on (pasted JSON)

    @property
    def total_duration_s(self) -> float:
        """When the last scenario ends (graceful stop periods not included), in seconds."""
        return max((s.end_s for s in self.scenarios), default=0.0)

    @property
    def peak_vus(self) -> int:
        """Most users running at once across overlapping scenarios (maxVUs for arrival-rate ones).

        The curves are piecewise linear, so the maximum is at a breakpoint (or just before one).
        """
        from loadlib.shapes.timeline import breakpoints, total_at  # pure math; imported late (it imports us)

        return max((max(total_at(self, b), total_at(self, b - 1e-6)) for b in breakpoints(self)), default=0)

    @property
    def peak_rate(self) -> float | None:
        """Peak iterations per second across overlapping arrival-rate scenarios, or None without any."""
        if not any(s.is_arrival_rate for s in self.scenarios):
            return None
        return max(sum(s.peak_rate or 0.0 for s in self.scenarios if s.is_arrival_rate and _overlaps(s, t))
                   for t in self._starts())

    def _starts(self) -> list[float]:
        return sorted({s.start_time_s for s in self.scenarios})

    def scaled(self, time_scale: float) -> Profile:
        """The same shape compressed or stretched in time: every duration times ``time_scale``.

        >>> Profile("p", "x", (Scenario("default", "constant-vus", vus=5, duration_s=600.0),)).scaled(0.01).total_duration_s
        6.0
        """
        if time_scale == 1:
            return self
        return replace(
            self,
            scenarios=tuple(s.scaled(time_scale) for s in self.scenarios),
            thresholds=tuple(t.scaled(time_scale) for t in self.thresholds),
        )

    def with_stages(self, stages: Iterable[Stage], source: str = "--stage") -> Profile:
        """k6's ``--stage`` override: the run becomes one ramping-vus scenario with these stages.

        A profile that already is a single ramping-vus scenario keeps its name, user class,
        startVUs and graceful periods; anything else is replaced by a ``default`` scenario.
        """
        stages = tuple(stages)
        if len(self.scenarios) == 1 and self.scenarios[0].executor == "ramping-vus":
            scenario = replace(self.scenarios[0], stages=stages, start_time_s=0.0)
        else:
            scenario = Scenario(name="default", executor="ramping-vus", start_vus=1, stages=stages,
                                graceful_ramp_down_s=30.0)
        return replace(self, scenarios=(scenario,), source=f"{self.source} + {source}")


def _overlaps(scenario: Scenario, t: float) -> bool:
    return scenario.start_time_s <= t < scenario.end_s or (scenario.run_duration_s == 0 and t == scenario.start_time_s)
