"""The generator CPU watch: decisions from injected CPU samples, no timing."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from loadlib.plugin import efficiency, state
from loadlib.plugin.efficiency import CpuWatch, Watcher, suggest_processes


def feed(watch: CpuWatch, samples: list[tuple[float, float]]) -> list[str | None]:
    return [watch.observe(t, cpu) for t, cpu in samples]


def every_3s(*cpus: float) -> list[tuple[float, float]]:
    """Samples 3 s apart; the first (t=0) only starts the clock, as psutil's first reading does."""
    return [(0.0, 0.0)] + [(3.0 * (i + 1), c) for i, c in enumerate(cpus)]


# ---------------------------------------------------------------- CpuWatch


def test_sustained_saturation_warns_once_per_episode() -> None:
    events = feed(CpuWatch(), every_3s(95, 97, 99, 100, 98, 96))
    assert events.count("start") == 1
    assert events.index("start") == 2  # 6 s hot >= 5 s sustain; not at the first hot sample
    assert "end" not in events


def test_a_short_spike_is_not_an_episode() -> None:
    watch = CpuWatch()
    assert feed(watch, every_3s(99, 40, 99, 40, 99, 40)) == [None] * 7
    assert watch.episodes == []


def test_exactly_at_threshold_counts_and_just_below_does_not() -> None:
    assert "start" in feed(CpuWatch(), every_3s(90.0, 90.0))
    assert "start" not in feed(CpuWatch(), every_3s(89.9, 89.9, 89.9, 89.9))


def test_episode_ends_only_below_the_recovery_level() -> None:
    watch = CpuWatch()
    events = feed(watch, every_3s(95, 95, 85, 88, 85, 79))
    assert events == [None, None, "start", None, None, None, "end"]
    ep = watch.episodes[0]
    assert ep.started_at == 0.0 and ep.ended_at == 15.0  # the cool interval began at the previous sample
    assert ep.peak == 95


def test_a_new_episode_after_recovery_warns_again() -> None:
    events = feed(CpuWatch(), every_3s(95, 95, 30, 30, 96, 97))
    assert events.count("start") == 2 and events.count("end") == 1


def test_episode_statistics_cover_every_hot_sample() -> None:
    watch = CpuWatch()
    feed(watch, every_3s(92, 96, 100, 96))
    ep = watch.episode
    assert ep is not None
    assert ep.peak == 100 and ep.samples == 4 and ep.mean == pytest.approx(96.0)


def test_close_ends_an_open_episode_at_the_given_time() -> None:
    watch = CpuWatch()
    feed(watch, every_3s(99, 99))
    ep = watch.close(42.0)
    assert ep is not None and ep.ended_at == 42.0 and watch.episode is None
    assert watch.close(43.0) is None


# ---------------------------------------------------------------- suggestions


@pytest.mark.parametrize(("cpus", "expected"), [
    ([100.0], 2),  # ceil(100/70) = 2
    ([91.0], 2),
    ([50.0], 1),
    ([100.0, 100.0], 3),  # ceil(200/70) = 3
    ([100.0, 100.0, 100.0, 100.0], 6),  # ceil(400/70) = 6
    ([99.0, 10.0, 10.0], 4),  # saturated: at least one more than now, though the total would fit in 2
    ([], 1),
])
def test_suggest_processes(cpus: list[float], expected: int) -> None:
    assert suggest_processes(cpus) == expected


# ---------------------------------------------------------------- wiring (fake runner)


class FakeRunner:
    def __init__(self, clients: dict[str, Any] | None = None) -> None:
        self.sent: list[tuple[str, Any]] = []
        self.clients = clients or {}

    def send_message(self, name: str, data: Any = None, client_id: str | None = None) -> None:
        self.sent.append((name, data))

    def get_worker_index(self, client_id: str) -> int:
        return list(self.clients).index(client_id)


@pytest.fixture
def run() -> Any:
    yield state.reset()
    state.reset()


def test_local_process_warns_in_plain_words_and_records_a_note(run: Any, caplog: Any) -> None:
    w = Watcher(SimpleNamespace(runner=FakeRunner()), "local", clock=lambda: 30.0)
    with caplog.at_level(logging.WARNING, logger="loadlib.efficiency"):
        for t, cpu in every_3s(99, 100, 100, 99):
            w.feed(t, cpu)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per episode, not once per sample
    assert "no longer trustworthy" in warnings[0] and "--processes 2" in warnings[0]
    assert len(run.notes) == 1 and "Generator CPU saturated" in run.notes[0]
    w.stop()
    assert len(run.notes) == 1  # the same note, updated with the episode's length
    assert "for 30 s" in run.notes[0] and "--processes 2" in run.notes[0]


def test_quiet_process_leaves_no_note(run: Any, caplog: Any) -> None:
    w = Watcher(SimpleNamespace(runner=FakeRunner()), "local", clock=lambda: 30.0)
    with caplog.at_level(logging.WARNING, logger="loadlib.efficiency"):
        for t, cpu in every_3s(60, 70, 85, 40):
            w.feed(t, cpu)
        w.stop()
    assert run.notes == [] and not caplog.records


def test_worker_forwards_start_and_end_to_the_master(run: Any) -> None:
    runner = FakeRunner()
    w = Watcher(SimpleNamespace(runner=runner), "worker", clock=lambda: 20.0)
    for t, cpu in every_3s(97, 99, 20):
        w.feed(t, cpu)
    assert [(name, data["event"]) for name, data in runner.sent] == [(efficiency.MESSAGE, "start"),
                                                                     (efficiency.MESSAGE, "end")]
    assert runner.sent[0][1]["peak"] == 99
    assert run.notes == []  # workers write nothing: the master records it


def test_master_names_the_saturated_worker_and_how_many_to_add(run: Any, caplog: Any) -> None:
    clients = {"w-a": SimpleNamespace(cpu_usage=98.0), "w-b": SimpleNamespace(cpu_usage=50.0)}
    master = Watcher(SimpleNamespace(runner=FakeRunner(clients)), "master", clock=lambda: 40.0)
    start = {"event": "start", "started_at": 10.0, "peak": 99.0, "mean": 98.0, "samples": 2, "ended_at": None}
    with caplog.at_level(logging.WARNING, logger="loadlib.efficiency"):
        master.on_worker_message(environment=None, msg=SimpleNamespace(node_id="w-a", data=start))
    text = caplog.records[-1].getMessage()
    assert "worker w-a (index 0)" in text
    assert "2 worker(s)" in text and "3 in all" in text  # ceil(148/70) = 3
    assert len(run.notes) == 1 and "w-a" in run.notes[0] and "still saturated" in run.notes[0]
    end = {**start, "event": "end", "ended_at": 25.0}
    master.on_worker_message(environment=None, msg=SimpleNamespace(node_id="w-a", data=end))
    assert len(run.notes) == 1 and "for 15 s" in run.notes[0] and "still saturated" not in run.notes[0]


def test_master_closes_worker_episodes_at_test_stop(run: Any) -> None:
    master = Watcher(SimpleNamespace(runner=FakeRunner({"w-a": SimpleNamespace(cpu_usage=99.0)})), "master",
                     clock=lambda: 70.0)
    start = {"event": "start", "started_at": 10.0, "peak": 99.0, "mean": 99.0, "samples": 2, "ended_at": None}
    master.on_worker_message(environment=None, msg=SimpleNamespace(node_id="w-a", data=start))
    master.stop()
    assert "for 60 s" in run.notes[0] and "use at least 2" in run.notes[0]


# ---------------------------------------------------------------- starvation (a shared machine)


def test_waiting_for_a_busy_core_counts_as_saturation() -> None:
    watch = CpuWatch()
    events = [watch.observe(t, cpu, wait) for t, cpu, wait in [(0, 0, 0), (3, 35, 60), (6, 33, 62), (9, 30, 20)]]
    assert events == [None, None, "start", "end"]  # demand 95%, then 50% < recovery level
    ep = watch.episodes[0]
    assert ep.starved and ep.mean == pytest.approx(95.0) and ep.mean_cpu == pytest.approx(34.0)


def test_a_busy_generator_with_little_wait_is_not_starved() -> None:
    watch = CpuWatch()
    for t, cpu, wait in [(0, 0, 0), (3, 92, 5), (6, 94, 4)]:
        watch.observe(t, cpu, wait)
    assert watch.episode is not None and not watch.episode.starved


def test_starved_process_is_told_to_get_a_core_not_more_processes(run: Any, caplog: Any) -> None:
    w = Watcher(SimpleNamespace(runner=FakeRunner()), "local", clock=lambda: 9.0)
    with caplog.at_level(logging.WARNING, logger="loadlib.efficiency"):
        for t, cpu, wait in [(0, 0, 0), (3, 35, 60), (6, 35, 60)]:
            w.feed(t, cpu, wait)
    text = caplog.records[-1].getMessage()
    assert "got only 35%" in text and "other processes" in text and "--processes" not in text
    assert "Generator CPU starved" in run.notes[0]


def test_master_relays_a_starved_worker(run: Any, caplog: Any) -> None:
    master = Watcher(SimpleNamespace(runner=FakeRunner({"w-a": SimpleNamespace(cpu_usage=30.0)})), "master",
                     clock=lambda: 20.0)
    start = {"event": "start", "started_at": 10.0, "peak": 96.0, "mean": 95.0, "samples": 2, "ended_at": None,
             "mean_wait": 60.0}
    with caplog.at_level(logging.WARNING, logger="loadlib.efficiency"):
        master.on_worker_message(environment=None, msg=SimpleNamespace(node_id="w-a", data=start))
    assert "worker w-a (index 0)" in caplog.records[-1].getMessage()
    assert "got only 35%" in caplog.records[-1].getMessage()
    assert "starved" in run.notes[0]


def test_run_queue_wait_sums_every_thread(tmp_path: Any) -> None:
    for tid, line in (("100", "5000000000 1500000000 42"), ("101", "10 500000000 3"), ("102", "garbage")):
        (tmp_path / tid).mkdir()
        (tmp_path / tid / "schedstat").write_text(line + "\n")
    assert efficiency.run_queue_wait_seconds(str(tmp_path)) == pytest.approx(2.0)
    assert efficiency.run_queue_wait_seconds(str(tmp_path / "missing")) is None
