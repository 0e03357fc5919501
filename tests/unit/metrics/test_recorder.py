"""Registry.recorder (the request hot path) records exactly what Registry.add records."""

from __future__ import annotations

import math

from loadlib.metrics import MetricType, Registry, ValueKind
from loadlib.metrics.histogram import Histogram

TAGS = (("name", "/hello"), ("status", "200"))


def _both(windows: bool = False, keep_tags: bool = True, tap: bool = False) -> tuple[Registry, Registry, list, list]:
    regs, seen = [], []
    for _ in range(2):
        clock = iter(range(1000, 2000)).__next__
        reg = Registry(clock=lambda c=clock: float(c()) / 3)  # a new second every third sample
        samples: list = []
        if windows:
            reg.track_window("http_req_duration", 30, keep_tags=keep_tags)
        if tap:
            reg.add_tap(lambda m, v, t, out=samples: out.append((m.name, v, t)))
        regs.append(reg)
        seen.append(samples)
    return regs[0], regs[1], seen[0], seen[1]


def _record(reg: Registry, via_recorder: bool) -> None:
    dur = reg.define("http_req_duration", MetricType.TREND, ValueKind.TIME)
    failed = reg.define("http_req_failed", MetricType.RATE)
    values = [0.0, 0.0, 1.5, 2047.9, 3000.25, -1.0, float("nan"), 0.4]
    if via_recorder:
        rec_d, rec_f = reg.recorder(dur, TAGS), reg.recorder(failed, TAGS)
        for i, v in enumerate(values):
            rec_d(v)
            rec_f(i % 3 == 0)
    else:
        for i, v in enumerate(values):
            reg.add(dur, v, TAGS)
            reg.add(failed, i % 3 == 0, TAGS)


def _state(reg: Registry) -> object:
    snap = reg.snapshot(duration_s=1.0)
    out = {}
    for name, m in snap.metrics.items():
        agg = m.select()
        out[name] = (sorted(m.series), agg.summary() if m.type is not MetricType.TREND
                     else agg.stats(("count", "avg", "min", "max", "p(50)", "p(95)")))
    return out, reg.take_delta()


def test_recorder_equals_add_plain_windowed_and_tapped() -> None:
    for windows, keep, tap in ((False, True, False), (True, True, False), (True, False, False), (True, True, True)):
        a, b, seen_a, seen_b = _both(windows, keep, tap)
        _record(a, via_recorder=False)
        _record(b, via_recorder=True)
        assert _state(a) == _state(b), (windows, keep, tap)
        assert [(n, str(v), t) for n, v, t in seen_a] == [(n, str(v), t) for n, v, t in seen_b]
        if tap:
            assert len(seen_b) == 16


def test_generation_moves_when_add_does_more() -> None:
    reg = Registry()
    g0 = reg.generation
    reg.track_window("http_req_duration", 10)
    g1 = reg.generation
    reg.add_tap(lambda *a: None)
    assert g0 < g1 < reg.generation


def test_histogram_zero_fast_path_matches_the_general_path() -> None:
    h = Histogram()
    for v in (0.0, 0.0, -0.0, 0.0005, 0.0):
        h.record(v)
    assert h.count == 5 and h.counts == {0: 4, 1: 1}
    assert h.min == 0.0 and h.max == 0.0005 and math.isclose(h.sum, 0.0005)
    assert h.clamped == 0
