"""Pure computation: how many users each scenario wants at run time ``t``, exactly as k6 plans it.

ramping-vus (lib/executor/ramping_vus.go ``getRawExecutionSteps``): the count
starts at ``startVUs`` and follows the straight line from the previous target
to each stage's target; going up a VU starts when the line reaches it
(``floor``), going down a VU stops when the line reaches the count below
(``ceil``); a zero-length stage jumps at its instant; the scenario ends (0
users) at ``startTime + sum(stage durations)``. constant-vus runs ``vus`` for
``duration``; the iteration executors run ``vus`` until their iterations are done
or ``maxDuration``; arrival-rate scenarios keep ``maxVUs`` users alive for their
duration (the arrival executor decides when each one starts an iteration).

>>> from loadlib.profiles.model import Profile, Scenario, Stage
>>> p = Profile("x", "x", (Scenario("s", "ramping-vus", start_vus=0, stages=(Stage(10.0, 10),)),))
>>> targets_at(p, 2.5), targets_at(p, 10.0)
({'s': 2}, {'s': 0})
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from loadlib.profiles.model import Profile, Scenario

_EPS = 1e-9


def scenario_target(scenario: Scenario, t: float, done_at: float | None = None) -> int:
    """Users ``scenario`` wants at run time ``t`` (seconds since the test started).

    ``done_at`` is when an iteration-count scenario finished its iterations (None = not yet).
    """
    u = t - scenario.start_time_s
    if u < -_EPS:
        return 0
    if scenario.executor == "ramping-vus":
        return _ramping(scenario, u)
    if u >= scenario.run_duration_s - _EPS:
        return 0
    if scenario.is_iterations:
        if done_at is not None and t >= done_at - _EPS:
            return 0
        return int(scenario.vus or 0)
    if scenario.is_arrival_rate:
        return int(scenario.max_vus or 0)
    return int(scenario.vus or 0)  # constant-vus


def _ramping(scenario: Scenario, u: float) -> int:
    total = scenario.run_duration_s
    if u >= total - _EPS:
        return 0
    start = float(scenario.start_vus or 0)
    elapsed = 0.0
    for stage in scenario.stages:
        end = elapsed + stage.duration_s
        if stage.duration_s > 0 and u < end - _EPS:
            line = start + (stage.target - start) * (u - elapsed) / stage.duration_s
            if stage.target >= start:
                return int(math.floor(line + _EPS))
            return int(math.ceil(line - _EPS))
        start = float(stage.target)
        elapsed = end
    return int(start)


def rate_at(scenario: Scenario, t: float) -> float | None:
    """Target iterations per second of an arrival-rate scenario at run time ``t`` (None for others).

    Linear between stage targets, as k6's ramping-arrival-rate; 0 outside the scenario's window.
    """
    if not scenario.is_arrival_rate:
        return None
    u = t - scenario.start_time_s
    unit = scenario.time_unit_s or 1.0
    if u < -_EPS or u >= scenario.run_duration_s - _EPS:
        return 0.0
    if scenario.executor == "constant-arrival-rate":
        return (scenario.rate or 0.0) / unit
    start = float(scenario.start_rate or 0.0)
    elapsed = 0.0
    for stage in scenario.stages:
        end = elapsed + stage.duration_s
        if stage.duration_s > 0 and u < end - _EPS:
            return (start + (stage.target - start) * (u - elapsed) / stage.duration_s) / unit
        start, elapsed = float(stage.target), end
    return start / unit


def rates_at(profile: Profile, t: float) -> dict[str, float]:
    """Arrival-rate scenario name -> target iterations per second at ``t``."""
    return {s.name: r for s in profile.scenarios if (r := rate_at(s, t)) is not None}


def targets_at(profile: Profile, t: float, done_at: Mapping[str, float] | None = None) -> dict[str, int]:
    """Scenario name -> users wanted at run time ``t`` (every scenario, 0 when inactive)."""
    done_at = done_at or {}
    return {s.name: scenario_target(s, t, done_at.get(s.name)) for s in profile.scenarios}


def total_at(profile: Profile, t: float, done_at: Mapping[str, float] | None = None) -> int:
    return sum(targets_at(profile, t, done_at).values())


def end_time(profile: Profile, done_at: Mapping[str, float] | None = None) -> float:
    """When the last scenario is over, counting iteration scenarios that finished early."""
    done_at = done_at or {}
    ends = []
    for s in profile.scenarios:
        end = s.end_s
        if s.name in done_at:
            end = min(end, max(done_at[s.name], s.start_time_s))
        ends.append(end)
    return max(ends, default=0.0)


def iterations_goal(scenario: Scenario) -> int | None:
    """How many completed iterations end an iteration-count scenario (None for others)."""
    if scenario.executor == "shared-iterations":
        return int(scenario.iterations or 1)
    if scenario.executor == "per-vu-iterations":
        return int(scenario.iterations or 1) * int(scenario.vus or 1)
    return None


def split_by_weight(count: int, weights: Sequence[tuple[str, float]]) -> dict[str, int]:
    """Share ``count`` users between classes in proportion to their weights, exactly (largest remainder).

    >>> split_by_weight(10, [("A", 3), ("B", 1)])
    {'A': 8, 'B': 2}
    """
    out = {name: 0 for name, _ in weights}
    positive = [(n, w) for n, w in weights if w > 0] or [(n, 1.0) for n, _ in weights]
    total_w = sum(w for _, w in positive)
    if count <= 0 or not positive:
        return out
    exact = [(n, count * w / total_w) for n, w in positive]
    for n, e in exact:
        out[n] = int(math.floor(e))
    left = count - sum(out.values())
    order = sorted(exact, key=lambda ne: (-(ne[1] - math.floor(ne[1])), ne[0]))
    for n, _ in order[:left]:
        out[n] += 1
    return out


def split_users(count: int, classes: Sequence[tuple[str, float]], fixed: Mapping[str, int] | None = None,
                ) -> dict[str, int]:
    """Locust's rule for a scenario without ``exec``: classes with ``fixed_count`` get theirs first
    (in class-name order, while users last), the rest is shared by weight among the other classes.

    >>> split_users(10, [("A", 1), ("B", 1), ("F", 1)], {"F": 3})
    {'A': 4, 'B': 3, 'F': 3}
    """
    fixed = {k: v for k, v in (fixed or {}).items() if v > 0}
    out = {name: 0 for name, _ in classes}
    left = count
    for name in sorted(fixed):
        if name in out:
            out[name] = min(fixed[name], left)
            left -= out[name]
    rest = [(n, w) for n, w in classes if n not in fixed]
    if left > 0 and rest:
        for name, k in split_by_weight(left, rest).items():
            out[name] += k
    return out


def class_targets(profile: Profile, t: float, classes: Sequence[tuple[str, float]],
                  done_at: Mapping[str, float] | None = None, fixed: Mapping[str, int] | None = None,
                  ) -> dict[str, int]:
    """User class name -> users wanted at ``t``.

    A scenario with ``exec`` drives that class; one without drives every class of the
    locustfile (``split_users``: fixed_count first, then by weight). Scenarios naming the
    same class add up. ``classes`` is ``[(class_name, weight), ...]`` of the locustfile's
    user classes, ``fixed`` their ``fixed_count`` where set.
    """
    out = {name: 0 for name, _ in classes}
    for scenario in profile.scenarios:
        n = scenario_target(scenario, t, (done_at or {}).get(scenario.name))
        if n <= 0:
            continue
        if scenario.exec is not None:
            out[scenario.exec] = out.get(scenario.exec, 0) + n
        else:
            for name, k in split_users(n, classes, fixed).items():
                out[name] += k
    return out


def breakpoints(profile: Profile) -> list[float]:
    """Every instant where some scenario's curve changes slope or jumps (for tables and charts)."""
    pts = {0.0}
    for s in profile.scenarios:
        pts.add(s.start_time_s)
        pts.add(s.end_s)
        elapsed = s.start_time_s
        for st in s.stages:
            elapsed += st.duration_s
            pts.add(elapsed)
    return sorted(pts)


def graceful_timeout(profile: Profile) -> float:
    """Seconds a stopped user may take to finish its current iteration: k6's gracefulRampDown/gracefulStop.

    Locust has one ``stop_timeout`` for the whole run, so the longest period of any scenario applies.
    """
    periods = [s.graceful_stop_s for s in profile.scenarios]
    periods += [s.graceful_ramp_down_s for s in profile.scenarios if s.graceful_ramp_down_s is not None]
    return max(periods, default=0.0)
