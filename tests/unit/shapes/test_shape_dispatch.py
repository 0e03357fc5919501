"""ProfileShape.tick and the exact dispatcher, driven by a fake clock (no real runner)."""

import pytest

pytest.importorskip("locust")

from locust import User  # noqa: E402
from locust.runners import WorkerNode  # noqa: E402

from loadlib.profiles.model import Profile, Scenario, Stage  # noqa: E402
from loadlib.shapes import progress  # noqa: E402
from loadlib.shapes.shape import ProfileShape  # noqa: E402


class Alpha(User):
    abstract = False


class Beta(User):
    abstract = False
    weight = 3


class FakeRunner:
    user_classes = [Alpha, Beta]

    def __init__(self):
        self.user_classes_count = {"Alpha": 0, "Beta": 0}


def make_shape(profile, clock):
    shape = ProfileShape(profile)
    shape.runner = FakeRunner()
    shape.get_run_time = lambda: clock[0]
    return shape


def two_scenarios():
    return Profile("p", "t", (
        Scenario("a", "ramping-vus", exec="Alpha", start_vus=0, stages=(Stage(10, 10), Stage(10, 0))),
        Scenario("b", "constant-vus", exec="Beta", vus=6, duration_s=8, start_time_s=4),
    ))


def test_tick_ends_when_the_profile_ends():
    clock = [0.0]
    shape = make_shape(two_scenarios(), clock)
    assert shape.tick() is not None
    clock[0] = 19.9
    assert shape.tick() is not None
    clock[0] = 20.0
    assert shape.tick() is None


def test_tick_changes_only_when_a_change_is_upcoming():
    clock = [0.0]
    profile = Profile("p", "t", (Scenario("c", "constant-vus", exec="Alpha", vus=3, duration_s=30),))
    shape = make_shape(profile, clock)
    first = shape.tick()
    assert first is not None and first[0] == 3
    shape.runner.user_classes_count = {"Alpha": 3, "Beta": 0}
    clock[0] = 5.0
    assert shape.tick() == first  # nothing to do: Locust does not call start() again
    clock[0] = 29.0
    assert shape.tick() != first  # the scenario ends within the lookahead


def test_dispatcher_gives_each_class_its_exact_count_across_workers():
    clock = [0.0]
    shape = make_shape(two_scenarios(), clock)
    workers = [WorkerNode("host_w1"), WorkerNode("host_w2"), WorkerNode("other_w3")]
    dispatcher = shape.dispatcher_class()(worker_nodes=workers, user_classes=[Alpha, Beta])
    for t in (0.0, 3.0, 4.0, 6.5, 9.0, 11.9, 12.0, 15.2, 19.9):
        clock[0] = t
        assert dispatcher._apply(shape.class_targets_at(t)) is not None
        totals = dispatcher._class_totals()
        expected = {"Alpha": (int(t) if t <= 10 else int(-(-(20 - t) // 1))), "Beta": 6 if 4 <= t < 12 else 0}
        assert totals == expected, t
        per_worker = [sum(c.values()) for c in dispatcher._snapshot().values()]
        assert max(per_worker) - min(per_worker) <= 1  # evenly spread


def test_dispatcher_rebalances_when_a_worker_leaves():
    clock = [6.0]
    shape = make_shape(two_scenarios(), clock)
    w = [WorkerNode("a_1"), WorkerNode("b_1")]
    dispatcher = shape.dispatcher_class()(worker_nodes=list(w), user_classes=[Alpha, Beta])
    dispatcher._apply(shape.class_targets_at(6.0))
    dispatcher.remove_worker(w[1])
    assert list(dispatcher._snapshot()) == ["a_1"]
    assert dispatcher._class_totals() == {"Alpha": 6, "Beta": 6}


def test_generic_scenario_shares_users_by_weight():
    clock = [1.0]
    profile = Profile("p", "t", (Scenario("c", "constant-vus", vus=8, duration_s=30),))
    shape = make_shape(profile, clock)
    assert shape.class_targets_at(1.0) == {"Alpha": 2, "Beta": 6}


def test_iteration_scenario_stops_when_the_hook_reports_its_iterations():
    clock = [0.0]
    profile = Profile("p", "t", (
        Scenario("batch", "shared-iterations", exec="Alpha", vus=2, iterations=5, max_duration_s=60),
        Scenario("bg", "constant-vus", exec="Beta", vus=1, duration_s=30),
    ))
    shape = make_shape(profile, clock)
    progress.set_completed({})
    clock[0] = 1.0
    assert shape.class_targets_at(1.0) == {"Alpha": 2, "Beta": 1}
    for _ in range(5):
        progress.iteration_completed("batch")
    clock[0] = 2.0
    assert shape.class_targets_at(2.0) == {"Alpha": 0, "Beta": 1}
    progress.set_completed({})
