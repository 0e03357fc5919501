"""Re-splitting the rate between workers, the mergeable histogram, the sizing advice."""

from __future__ import annotations

import pytest

from loadlib.arrival.histogram import LogHistogram
from loadlib.arrival.report import merge, summary_lines
from loadlib.arrival.schedule import RateCurve
from loadlib.arrival.sizing import ScenarioOutcome, advise
from loadlib.arrival.split import Assignment, Assignments, plan
from loadlib.profiles.model import Scenario


def test_resplit_keeps_every_start_exactly_once() -> None:
    times = list(RateCurve.constant(20, 10).start_times())
    # 2 workers from the start; a third joins at t=4.2, then one leaves at t=7.7
    splits = [plan(["a", "b"], float("-inf")), plan(["a", "b", "c"], 4.2), plan(["a", "c"], 7.7)]
    books = {w: Assignments() for w in "abc"}
    for p in splits:
        for w, a in p.items():
            books[w].add(a)
    # b is gone after 7.7 (a dead worker gets no message; its book no longer matters)
    owners = [[w for w in "abc" if books[w].owns(k, t) and not (w == "b" and t >= 7.7)]
              for k, t in enumerate(times)]
    assert all(len(o) == 1 for o in owners)
    assert {o[0] for o, t in zip(owners, times, strict=True) if t < 4.2} == {"a", "b"}
    assert {o[0] for o, t in zip(owners, times, strict=True) if 4.2 <= t < 7.7} == {"a", "b", "c"}
    assert {o[0] for o, t in zip(owners, times, strict=True) if t >= 7.7} == {"a", "c"}


def test_a_worker_told_to_stand_down_owns_nothing() -> None:
    book = Assignments([Assignment(float("-inf"), 0, 2), Assignment(5.0, -1, 1)])
    assert book.owns(0, 1.0) and not book.owns(0, 6.0) and not book.owns(1, 6.0)


def test_assignment_wire_roundtrip() -> None:
    a = Assignment(3.5, 1, 4)
    assert Assignment.from_wire(a.to_wire()) == a


def test_histogram_percentiles_within_one_percent_and_merge() -> None:
    a, b, both = LogHistogram(), LogHistogram(), []
    for i in range(1, 5001):
        v = i * 0.37
        (a if i % 2 else b).add(v)
        both.append(v)
    m = LogHistogram.from_wire(a.merge(b).to_wire())
    both.sort()
    for p in (50, 90, 99):
        exact = both[int(p / 100 * len(both)) - 1]
        assert m.percentile(p) == pytest.approx(exact, rel=0.01)
    assert m.count == 5000


def test_advice_shows_the_computation() -> None:
    lines = advise(ScenarioOutcome("pay", 50.0, 5, 10, dropped=12, peak_busy=10, iteration_p99_ms=480.0))
    assert "set maxVUs >= ceil(50/s x 0.480 s) = 24" in lines[0]
    assert "preAllocatedVUs=5" in lines[1]
    assert advise(ScenarioOutcome("pay", 50.0, 5, 10, dropped=0, peak_busy=3, iteration_p99_ms=40.0)) == []


def test_summary_line_reports_achieved_and_dropped() -> None:
    s = Scenario("pay", "constant-arrival-rate", rate=10, time_unit_s=1, duration_s=5, pre_allocated_vus=1,
                 max_vus=2)
    m = merge([{"started": 30, "dropped": 5, "peak_busy": 2}, {"started": 15, "dropped": 0, "peak_busy": 1}])
    text = "\n".join(summary_lines(s, m))
    assert "achieved 9.00/s" in text and "45 of 50 iterations started, 5 dropped" in text
    assert "set maxVUs >=" in text
