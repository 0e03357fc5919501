"""targets_at agrees with a transcription of k6's ramping-vus planner at random instants.

The reference below follows lib/executor/ramping_vus.go ``getRawExecutionSteps`` for a
single (unsegmented) instance: integer nanoseconds, Go's truncating division, the
index carried across stages, and a final step to 0 VUs at the end of the stages.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from loadlib.profiles.model import Scenario, Stage
from loadlib.shapes.timeline import scenario_target

NS = 1_000_000_000


def k6_steps(start_vus: int, stages: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[(time_offset_ns, planned_vus)] as k6 plans them; stages are (duration_ns, target)."""
    steps = [(0, start_vus)]

    def add(offset: int, vus: int) -> None:
        if steps[-1][1] != vus:
            steps.append((offset, vus))

    def godiv(a: int, b: int) -> int:  # Go integer division truncates toward zero
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q

    from_vus, unscaled, till_end = start_vus, start_vus, 0
    for duration, end_vus in stages:
        till_end += duration
        diff = end_vus - from_vus
        if diff == 0:
            continue
        if duration == 0:
            unscaled = end_vus
            add(till_end, end_vus)
            from_vus = end_vus
            continue
        if unscaled > end_vus:  # ramp down
            while unscaled > end_vus:
                add(till_end - godiv(duration * (end_vus - unscaled + 1), diff), unscaled - 1)
                unscaled -= 1
        else:
            while unscaled <= end_vus:
                add(till_end - godiv(duration * (end_vus - unscaled), diff), unscaled)
                unscaled += 1
        from_vus = end_vus
    if steps[-1][1] != 0:
        steps.append((till_end, 0))
    return steps


def k6_vus_at(steps: list[tuple[int, int]], t_ns: int) -> int:
    vus = 0
    for offset, planned in steps:
        if offset <= t_ns:
            vus = planned
    return vus


stage = st.tuples(st.integers(min_value=0, max_value=20_000), st.integers(min_value=0, max_value=30))


@settings(max_examples=300, deadline=None)
@given(start_vus=st.integers(min_value=0, max_value=15), stages=st.lists(stage, min_size=1, max_size=6),
       fractions=st.lists(st.floats(min_value=0, max_value=1.05), min_size=1, max_size=25))
def test_matches_k6_execution_steps(start_vus, stages, fractions):
    ns_stages = [(ms * 1_000_000, target) for ms, target in stages]
    steps = k6_steps(start_vus, ns_stages)
    scenario = Scenario("s", "ramping-vus", start_vus=start_vus,
                        stages=tuple(Stage(ms / 1000, target) for ms, target in stages))
    total_ns = sum(d for d, _ in ns_stages)
    change_points = {offset for offset, _ in steps}
    for f in fractions:
        t_ns = int(total_ns * f)
        if any(abs(t_ns - c) < 1000 for c in change_points):  # float seconds vs integer ns at a step edge
            continue
        assert scenario_target(scenario, t_ns / NS) == k6_vus_at(steps, t_ns), (t_ns, steps)
