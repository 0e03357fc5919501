"""Registry: counters, rates, gauges, sub-metrics, and deltas that merge to a single process's numbers."""

from __future__ import annotations

import random

import msgpack
import pytest

from loadlib.errors import ConfigError
from loadlib.metrics import MetricType, Registry, ValueKind, tagset

PCTS = ("med", "p(90)", "p(95)", "p(99)", "p(99.9)")


class FakeClock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _workload(seed: int = 7):
    """A fixed sample stream: (metric, type, value, tags)."""
    rng = random.Random(seed)
    out = []
    for i in range(30_000):
        status = rng.choice(["200", "200", "200", "201", "500"])
        tags = {"name": rng.choice(["/a", "/b", "/c"]), "status": status, "method": "GET"}
        out.append(("http_req_duration", MetricType.TREND, rng.lognormvariate(3, 1.2), tags))
        out.append(("http_reqs", MetricType.COUNTER, 1.0, tags))
        out.append(("http_req_failed", MetricType.RATE, status == "500", tags))
        if i % 10 == 0:
            out.append(("orders", MetricType.COUNTER, float(rng.randint(0, 3)), {}))
    return out


def _record(reg: Registry, samples) -> None:
    for name, type_, value, tags in samples:
        d = reg.define(name, type_, ValueKind.TIME if type_ is MetricType.TREND else ValueKind.DEFAULT)
        reg.add(d, value, tagset(tags))


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_merged_deltas_equal_one_registry(workers):
    samples = _workload()
    single = Registry()
    _record(single, samples)

    master = Registry()
    parts = [Registry() for _ in range(workers)]
    # interleave: each worker ships several deltas during the "run", as report_to_master does
    chunk = len(samples) // 7
    for start in range(0, len(samples), chunk):
        for i, s in enumerate(samples[start:start + chunk]):
            _record(parts[(start + i) % workers], [s])
        for w, reg in enumerate(parts):
            delta = msgpack.loads(msgpack.dumps(reg.take_delta()), raw=False, strict_map_key=False)
            master.merge_delta(delta, source=f"w{w}")
    for w, reg in enumerate(parts):
        master.merge_delta(reg.take_delta(), source=f"w{w}")

    a, b = single.snapshot(10.0), master.snapshot(10.0)
    assert set(a.metrics) == set(b.metrics)
    for flt in ({}, {"status": "500"}, {"name": "/b", "status": "200"}):
        ta, tb = a.metrics["http_req_duration"].select(flt), b.metrics["http_req_duration"].select(flt)
        assert ta.stat("count") == tb.stat("count")
        assert ta.stats(PCTS) == tb.stats(PCTS)  # same buckets: exactly equal, not just close
        assert (ta.stat("min"), ta.stat("max")) == (tb.stat("min"), tb.stat("max"))
        assert ta.stat("avg") == pytest.approx(tb.stat("avg"), rel=1e-9)
        assert a.metrics["http_reqs"].select(flt).stat("count") == b.metrics["http_reqs"].select(flt).stat("count")
        assert a.metrics["http_req_failed"].select(flt).summary() == b.metrics["http_req_failed"].select(flt).summary()
    assert a.metrics["orders"].select().stat("count") == b.metrics["orders"].select().stat("count")
    assert master.sources == {f"w{i}" for i in range(workers)}


def test_delta_is_empty_when_nothing_changed_and_merging_twice_double_counts():
    reg = Registry()
    c = reg.define("c", MetricType.COUNTER)
    reg.add(c, 2)
    d1 = reg.take_delta()
    assert reg.take_delta()["series"] == []
    m = Registry()
    m.merge_delta(d1)
    m.merge_delta(d1)
    assert m.snapshot(1).metrics["c"].select().stat("count") == 4  # deltas, not states


def test_counter_rate_and_sub_metrics():
    reg = Registry()
    c = reg.define("http_reqs", MetricType.COUNTER)
    for status in ("200", "200", "404"):
        reg.add(c, 1, tagset({"status": status, "name": "/x"}))
    snap = reg.snapshot(duration_s=2.0)
    m = snap.metrics["http_reqs"]
    assert m.select().stat("count") == 3
    assert m.select().stat("rate") == 1.5
    assert m.select({"status": "404"}).stat("count") == 1
    assert m.select({"status": "503"}).empty
    assert m.tag_values("status") == ("200", "404")


def test_rate_counts_non_zero_as_pass():
    reg = Registry()
    r = reg.define("ok", MetricType.RATE)
    for v in (True, False, 1, 0, 0.5):
        reg.add(r, v)
    agg = reg.snapshot(1).metrics["ok"].select()
    assert agg.stat("rate") == pytest.approx(3 / 5)
    assert agg.summary() == {"passes": 3.0, "fails": 2.0, "value": pytest.approx(0.6)}


def test_gauge_latest_value_wins_with_min_max_across_processes():
    a, b, master = Registry(), Registry(), Registry()
    ga, gb = a.define("queue", MetricType.GAUGE), b.define("queue", MetricType.GAUGE)
    a.add(ga, 10)
    a.add(ga, 3)
    b.add(gb, 50)
    b.add(gb, 7)  # set last
    master.merge_delta(a.take_delta())
    master.merge_delta(b.take_delta())
    agg = master.snapshot(1).metrics["queue"].select()
    assert agg.summary() == {"value": 7, "min": 3, "max": 50}


def test_type_conflict_and_bad_name_are_config_errors():
    reg = Registry()
    reg.define("x", MetricType.TREND)
    with pytest.raises(ConfigError, match="only one type"):
        reg.define("x", MetricType.COUNTER)
    with pytest.raises(ConfigError, match="metric name"):
        reg.define("9 bad", MetricType.COUNTER)


def test_windows_keep_per_second_data_and_ship_it():
    clock = FakeClock()
    worker, master = Registry(clock), Registry(clock)
    for reg in (worker, master):
        reg.track_window("lat", horizon_s=60)
    d = worker.define("lat", MetricType.TREND)
    for sec in range(100):
        clock.t = 1_000_000.0 + sec
        worker.add(d, 10.0 if sec < 90 else 1000.0, tagset({"k": "v"}))
        if sec % 3 == 0:
            master.merge_delta(worker.take_delta())
    master.merge_delta(worker.take_delta())
    now = clock.t + 1
    last10 = master.window("lat", now - 10, now)
    assert last10 is not None
    assert last10.select().stat("min") == 1000.0 and last10.select().stat("count") == 10
    assert last10.select({"k": "v"}).stat("count") == 10
    whole = master.snapshot(100).metrics["lat"].select()
    assert whole.stat("count") == 100 and whole.stat("med") == pytest.approx(10.0, rel=5e-4)
    # seconds older than the horizon are dropped
    assert master.window("lat", now - 100, now - 70).select().empty
