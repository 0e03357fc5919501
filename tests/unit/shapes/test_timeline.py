"""Target users at many instants, for every executor, against k6's planning rules.

Expected values follow lib/executor/ramping_vus.go getRawExecutionSteps: ramping up,
VU n starts when the line reaches n (floor); ramping down, the count drops to n
when the line reaches n (ceil); zero-length stages jump at their instant; the
scenario ends at startTime + sum(durations).
"""

import pytest

from loadlib.profiles.model import Profile, Scenario, Stage
from loadlib.shapes.timeline import (
    breakpoints,
    class_targets,
    end_time,
    iterations_goal,
    scenario_target,
    split_by_weight,
    targets_at,
    total_at,
)


def ramping(stages, start_vus=1, start_time=0.0, name="r", exec_=None):
    return Scenario(name=name, executor="ramping-vus", exec=exec_, start_vus=start_vus, start_time_s=start_time,
                    stages=tuple(Stage(d, t) for d, t in stages), graceful_ramp_down_s=30.0)


def profile(*scenarios):
    return Profile("p", "test", tuple(scenarios))


def at(s, *times, done_at=None):
    return [scenario_target(s, t, done_at) for t in times]


def test_ramp_up_from_zero_is_floor_of_the_line():
    s = ramping([(10, 10)], start_vus=0)
    assert at(s, 0, 0.5, 0.99, 1.0, 2.5, 5.0, 9.99) == [0, 0, 0, 1, 2, 5, 9]
    assert at(s, 10.0, 11.0) == [0, 0]  # scenario over


def test_start_vus_is_the_starting_point():
    s = ramping([(10, 11)], start_vus=1)  # 1 -> 11: one more VU per second
    assert at(s, 0, 0.9, 1.0, 4.2, 9.5) == [1, 1, 2, 5, 10]
    s = ramping([(4, 0)], start_vus=8)  # ramp down from startVUs
    assert at(s, 0, 0.4, 0.5, 1.9, 2.0, 3.9) == [8, 8, 7, 5, 4, 1]


def test_ramp_down_is_ceil_of_the_line():
    s = ramping([(5, 10), (10, 0)], start_vus=10)
    # 10 -> 0 over 10 s from t=5: drops to 9 at t=6, to 0 only when the stage (and scenario) ends.
    assert at(s, 5.0, 5.5, 5.99, 6.0, 10.0, 14.0, 14.99, 15.0) == [10, 10, 10, 9, 5, 1, 1, 0]


def test_hold_and_fractional_slopes():
    s = ramping([(4, 2), (3, 2), (2, 7)], start_vus=0)
    assert at(s, 1.9, 2.0, 3.99, 4.0, 6.9, 7.0, 7.39, 7.4, 8.99) == [0, 1, 1, 2, 2, 2, 2, 3, 6]


def test_zero_length_stages_jump_at_their_instant():
    s = ramping([(5, 5), (0, 50), (5, 50), (0, 2), (5, 2)], start_vus=5)
    assert at(s, 4.99, 5.0, 9.99, 10.0, 14.99, 15.0) == [5, 50, 50, 2, 2, 0]


def test_ramp_down_to_zero_then_up_again():
    s = ramping([(2, 0), (2, 4)], start_vus=4)
    assert at(s, 0, 0.5, 1.0, 1.5, 1.99, 2.0, 2.5, 3.0, 3.5) == [4, 3, 2, 1, 1, 0, 1, 2, 3]


def test_start_time_offsets():
    s = ramping([(10, 10)], start_vus=0, start_time=30)
    assert at(s, 0, 29.99, 30, 35, 39.99, 40) == [0, 0, 0, 5, 9, 0]


def test_constant_vus():
    s = Scenario("c", "constant-vus", vus=7, duration_s=60, start_time_s=5)
    assert at(s, 0, 4.99, 5, 30, 64.99, 65) == [0, 0, 7, 7, 7, 0]


@pytest.mark.parametrize("executor", ["per-vu-iterations", "shared-iterations"])
def test_iteration_executors_run_until_done_or_max_duration(executor):
    s = Scenario("i", executor, vus=4, iterations=20, max_duration_s=60, start_time_s=10)
    assert at(s, 9.9, 10, 40, 69.99, 70) == [0, 4, 4, 4, 0]
    assert at(s, 20, 25, done_at=25.0) == [4, 0]
    p = profile(s)
    assert end_time(p) == 70 and end_time(p, {"i": 25.0}) == 25.0
    assert iterations_goal(s) == (80 if executor == "per-vu-iterations" else 20)


def test_arrival_rate_keeps_max_vus_for_its_duration():
    c = Scenario("c", "constant-arrival-rate", rate=400, time_unit_s=1, duration_s=600, pre_allocated_vus=100,
                 max_vus=800)
    r = Scenario("r", "ramping-arrival-rate", start_rate=0, time_unit_s=1, pre_allocated_vus=10, max_vus=50,
                 stages=(Stage(60, 100), Stage(0, 5), Stage(30, 0)), start_time_s=10)
    assert at(c, 0, 599.9, 600) == [800, 800, 0]
    assert at(r, 9.9, 10, 99.9, 100) == [0, 50, 50, 0]


def test_overlapping_scenarios():
    p = profile(
        ramping([(10, 10), (10, 0)], start_vus=0, name="a"),
        Scenario("b", "constant-vus", vus=3, duration_s=10, start_time_s=5),
        ramping([(4, 8)], start_vus=0, start_time=12, name="c"),
    )
    assert targets_at(p, 0) == {"a": 0, "b": 0, "c": 0}
    assert targets_at(p, 6) == {"a": 6, "b": 3, "c": 0}
    assert targets_at(p, 13) == {"a": 7, "b": 3, "c": 2}
    assert targets_at(p, 15.5) == {"a": 5, "b": 0, "c": 7}
    assert total_at(p, 15.5) == 12
    assert end_time(p) == 20
    assert breakpoints(p) == [0.0, 5.0, 10.0, 12.0, 15.0, 16.0, 20.0]


def test_time_scale_keeps_the_shape():
    p = profile(ramping([(100, 50), (200, 50), (100, 0)], start_vus=0, start_time=40))
    fast = p.scaled(0.1)
    for t in (0, 41.3, 45, 73, 120, 260, 333, 439):
        assert total_at(fast, t * 0.1) == total_at(p, t), t
    assert end_time(fast) == pytest.approx(end_time(p) * 0.1)


def test_split_by_weight_is_exact_and_total_preserving():
    for n in range(0, 40):
        split = split_by_weight(n, [("A", 3), ("B", 1), ("C", 0)])
        assert sum(split.values()) == n and split["C"] == 0
        assert abs(split["A"] - n * 0.75) < 1
    assert split_by_weight(3, [("A", 0), ("B", 0)]) in ({"A": 2, "B": 1}, {"A": 1, "B": 2})


def test_class_targets_exec_and_generic_scenarios():
    p = profile(
        ramping([(10, 10)], start_vus=0, name="a", exec_="Alpha"),
        Scenario("b", "constant-vus", exec="Beta", vus=4, duration_s=10),
        Scenario("g", "constant-vus", vus=4, duration_s=10),  # no exec: shared by weight
    )
    classes = [("Alpha", 1.0), ("Beta", 1.0)]
    assert class_targets(p, 5, classes) == {"Alpha": 5 + 2, "Beta": 4 + 2}
    assert class_targets(p, 10, classes) == {"Alpha": 0, "Beta": 0}


def test_peak_vus_counts_only_what_overlaps():
    p = profile(
        ramping([(10, 10), (10, 0)], start_vus=0, name="a"),  # peak 10 at t=10
        ramping([(5, 6)], start_vus=0, start_time=15, name="b"),  # at t=15 a is 5; a+b peaks at t~17.5
    )
    assert p.peak_vus == max(total_at(p, t / 10) for t in range(0, 200))
    assert p.peak_vus == 10


def test_arrival_rates_ramp_linearly_in_iterations_per_second():
    from loadlib.shapes.timeline import rate_at, rates_at

    r = Scenario("r", "ramping-arrival-rate", start_rate=0, time_unit_s=60, pre_allocated_vus=1, max_vus=2,
                 stages=(Stage(60, 600), Stage(60, 600), Stage(0, 60), Stage(30, 60)), start_time_s=10)
    assert [rate_at(r, t) for t in (0, 10, 40, 70, 129.9, 130, 159.9, 160)] == [0, 0, 5, 10, 10, 1, 1, 0]
    c = Scenario("c", "constant-arrival-rate", rate=400, time_unit_s=1, duration_s=10, pre_allocated_vus=1)
    assert rates_at(profile(c, ramping([(5, 5)])), 3) == {"c": 400.0}


def test_generic_scenario_honours_fixed_count_first():
    from loadlib.shapes.timeline import split_users

    classes = [("A", 3.0), ("B", 1.0), ("Admin", 1.0)]
    assert split_users(1, classes, {"Admin": 2}) == {"A": 0, "B": 0, "Admin": 1}
    assert split_users(10, classes, {"Admin": 2}) == {"A": 6, "B": 2, "Admin": 2}
    p = profile(Scenario("g", "constant-vus", vus=6, duration_s=10))
    assert class_targets(p, 1, classes, fixed={"Admin": 2}) == {"A": 3, "B": 1, "Admin": 2}


def test_graceful_timeout_is_the_longest_graceful_period():
    from loadlib.shapes.timeline import graceful_timeout

    a = Scenario("a", "ramping-vus", start_vus=1, stages=(Stage(1, 1),), graceful_ramp_down_s=45.0,
                 graceful_stop_s=5.0)
    b = Scenario("b", "constant-vus", vus=1, duration_s=5, graceful_stop_s=10.0)
    assert graceful_timeout(profile(a, b)) == 45.0
    assert graceful_timeout(profile(a, b).scaled(0.1)) == pytest.approx(4.5)
