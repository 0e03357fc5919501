"""Locust users under the arrival run loop, in-process: a local runner, no sockets."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

locust = pytest.importorskip("locust")

import gevent  # noqa: E402
from locust import TaskSet, User, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.event import Events  # noqa: E402

from loadlib.arrival import sink  # noqa: E402
from loadlib.arrival.runtime import ArrivalRuntime  # noqa: E402
from loadlib.arrival.user import install, uninstall  # noqa: E402
from loadlib.metrics import Registry, set_current_registry  # noqa: E402
from loadlib.profiles.model import Scenario  # noqa: E402


def scenario(rate: float, duration: float, pre: int, mx: int) -> Scenario:
    return Scenario("s", "constant-arrival-rate", rate=rate, time_unit_s=1.0, duration_s=duration,
                    pre_allocated_vus=pre, max_vus=mx, graceful_stop_s=5.0)


@pytest.fixture
def registry() -> Iterator[Registry]:
    reg = set_current_registry(Registry())
    yield reg
    set_current_registry(Registry())


def run(user_cls: type, sc: Scenario, users: int, seconds: float, *, latency_from_schedule: bool = False
        ) -> ArrivalRuntime:
    env = Environment(user_classes=[user_cls], events=Events())
    runner = env.create_local_runner()
    runtime = ArrivalRuntime().configure([sc], class_names={sc.name: [user_cls.__name__]},
                                         latency_from_schedule=latency_from_schedule)
    env.events.request.add_listener(runtime.on_request)
    install(user_cls, runtime)
    try:
        runtime.start(time.time())
        runner.start(users, spawn_rate=1000)
        gevent.sleep(seconds)
        runtime.stop()
        runner.quit()
    finally:
        uninstall(user_cls)
    return runtime


def trend(reg: Registry, name: str) -> object:
    return reg.snapshot(duration_s=1.0).metrics[name].select({"scenario": "s"})


def test_one_iteration_per_start_evenly_spaced_and_wait_time_ignored(registry: Registry) -> None:
    starts: list[float] = []
    on_start: list[int] = []

    class Paced(User):
        wait_time = constant(100)  # a closed loop would run once and sleep; the schedule paces instead

        def on_start(self) -> None:
            on_start.append(1)

        @task
        def work(self) -> None:
            starts.append(time.monotonic())
            gevent.sleep(0.03)

    run(Paced, scenario(20, 1.0, 2, 5), users=5, seconds=1.3)
    assert len(starts) == 20
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert sum(gaps) / len(gaps) == pytest.approx(0.05, abs=0.005)
    assert len(on_start) == 5  # once per user, not per iteration
    assert trend(registry, sink.LAG).stat("count") == 20
    assert trend(registry, sink.LAG).stat("p(99)") < 20.0
    assert registry.snapshot(1.0).metrics[sink.DROPPED].select({"scenario": "s"}).stat("count") == 0


def test_drops_when_every_vu_is_busy_and_warns_once(registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    ran: list[float] = []

    class Slow(User):
        wait_time = constant(0)

        @task
        def work(self) -> None:
            ran.append(time.monotonic())
            gevent.sleep(0.3)

    with caplog.at_level(logging.WARNING, logger="loadlib.arrival"):
        runtime = run(Slow, scenario(20, 1.0, 1, 2), users=2, seconds=1.4)
    dropped = registry.snapshot(1.0).metrics[sink.DROPPED].select({"scenario": "s"}).stat("count")
    assert 0 < len(ran) < 20
    assert dropped == 20 - len(ran)
    assert runtime.report()["s"]["dropped"] == dropped
    warnings = [r.getMessage() for r in caplog.records if "Insufficient VUs" in r.getMessage()]
    assert warnings == ["Insufficient VUs, reached 2 active VUs and cannot initialize more "
                        "(executor=constant-arrival-rate scenario=s)"]


def test_latency_from_schedule_shows_a_stall_in_percentiles(registry: Registry) -> None:
    class Stalled(User):
        wait_time = constant(0)

        @task
        def work(self) -> None:
            gevent.sleep(0.2)  # the target takes 200 ms; one VU cannot keep 10/s
            self.environment.events.request.fire(request_type="GET", name="/x", response_time=200.0,
                                                 response_length=0, exception=None, context={}, response=None)

    run(Stalled, scenario(10, 1.0, 1, 1), users=1, seconds=2.3, latency_from_schedule=True)
    corrected = trend(registry, sink.CORRECTED)
    assert corrected.stat("count") == 10  # nothing dropped: late starts waited for the VU
    assert 200.0 <= corrected.stat("min") < 260.0  # the first start may wait for the user to spawn
    # the 10th start was due at 0.9 s and ran at ~1.8 s: measured from its schedule it took ~1.1 s
    assert corrected.stat("max") == pytest.approx(1100.0, rel=0.1)
    assert trend(registry, sink.LAG).stat("max") == pytest.approx(900.0, rel=0.1)


def test_nested_taskset_runs_one_task_per_iteration_and_starts_once(registry: Registry) -> None:
    events: list[str] = []

    class Inner(TaskSet):
        def on_start(self) -> None:
            events.append("inner-start")

        @task
        def a(self) -> None:
            events.append("a")

    class Nested(User):
        wait_time = constant(0)
        tasks = [Inner]

    run(Nested, scenario(10, 0.5, 1, 1), users=1, seconds=0.8)
    assert events.count("inner-start") == 1
    assert events.count("a") == 5


def test_uninstall_restores_the_closed_loop() -> None:
    class Plain(User):
        @task
        def t(self) -> None:
            pass

    original = Plain.run
    install(Plain, ArrivalRuntime())
    assert Plain.run is not original
    uninstall(Plain)
    assert Plain.run is original
