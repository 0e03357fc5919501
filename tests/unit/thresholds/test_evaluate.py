"""Verdicts on real registry snapshots: aggregations per type, sub-metrics, windows, abortOnFail timing."""

from __future__ import annotations

import pytest

from loadlib.errors import ThresholdSyntaxError
from loadlib.metrics import MetricType, Registry, ValueKind, tagset
from loadlib.profiles.model import ThresholdSpec
from loadlib.thresholds import ThresholdSet, evaluate, should_abort

T0 = 1_700_000_000.0


class Clock:
    t = T0

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def reg():
    r = Registry()
    dur = r.define("http_req_duration", MetricType.TREND, ValueKind.TIME)
    reqs = r.define("http_reqs", MetricType.COUNTER)
    failed = r.define("http_req_failed", MetricType.RATE)
    vus = r.define("vus", MetricType.GAUGE)
    for i in range(1, 101):  # 1..100 ms; /slow adds 10 samples at 1000 ms
        r.add(dur, float(i), tagset({"name": "/fast", "status": "200"}))
        r.add(reqs, 1, tagset({"name": "/fast"}))
        r.add(failed, i > 95, tagset({"name": "/fast"}))
    for _ in range(10):
        r.add(dur, 1000.0, tagset({"name": "/slow", "status": "500"}))
    r.add(vus, 12)
    r.define("orders", MetricType.COUNTER)  # defined, never incremented
    r.define("payment_duration", MetricType.TREND, ValueKind.TIME)  # defined, no samples
    return r


def _verdicts(reg, pairs, duration_s=10.0, final=True):
    ts = ThresholdSet.parse([ThresholdSpec(k, e) for k, e in pairs])
    ts.bind({n: d.type for n, d in reg.definitions.items()})
    return evaluate(ts, reg.snapshot(duration_s), final=final)


def test_trend_aggregations(reg):
    v = _verdicts(reg, [
        ("http_req_duration{name:/fast}", "avg==50.5"),
        ("http_req_duration{name:/fast}", "min==1"),
        ("http_req_duration{name:/fast}", "max==100"),
        ("http_req_duration{name:/fast}", "med<51"),
        ("http_req_duration{name:/fast}", "p(95)<96"),
        ("http_req_duration", "p(95)<500"),  # the /slow samples push the whole metric's p(95) up
        ("http_req_duration{status:500}", "p(50)==1000"),
    ])
    assert [x.ok for x in v] == [True, True, True, True, True, False, True]
    assert v[4].observed == pytest.approx(95.05, rel=5e-4)
    assert v[5].observed == 1000.0 and v[5].aggregation == "p(95)"


def test_counter_rate_gauge(reg):
    v = _verdicts(reg, [
        ("http_reqs", "count==100"), ("http_reqs", "rate==10"), ("http_reqs{name:/nope}", "count>0"),
        ("orders", "count>0"),
        ("http_req_failed", "rate<0.01"), ("http_req_failed{name:/fast}", "rate<=0.05"),
        ("vus", "value>=12"),
    ])
    assert [(x.ok, x.observed) for x in v] == [
        (True, 100), (True, 10), (False, 0), (False, 0), (False, 0.05), (True, 0.05), (True, 12)]


def test_metric_without_samples_is_skipped_during_the_run_and_zero_at_the_end(reg):
    pairs = [("payment_duration", "p(95)<1"), ("payment_duration", "avg>0"), ("orders", "count>0"),
             ("http_req_failed{name:/none}", "rate>0.5")]
    during = _verdicts(reg, pairs, final=False)
    assert [(v.ok, v.observed) for v in during] == [(True, None)] * 4
    end = _verdicts(reg, pairs, final=True)  # as k6: empty sinks are judged at the end, with zeros
    assert [(v.ok, v.observed) for v in end] == [(True, 0.0), (False, 0.0), (False, 0.0), (False, 0.0)]


def test_binding_rejects_unknown_metrics_and_wrong_aggregations(reg):
    types = {n: d.type for n, d in reg.definitions.items()}
    with pytest.raises(ThresholdSyntaxError, match="did you mean 'http_req_duration'"):
        ThresholdSet.parse([ThresholdSpec("http_req_duraton", "p(95)<1")]).bind(types)
    for key, expr, caret in [("http_req_failed", "p(95)<1", 0), ("http_reqs", "  avg<1", 2),
                             ("vus", "rate<1", 0), ("http_req_duration", "rate<1", 0), ("http_req_duration", "count<1", 0)]:
        with pytest.raises(ThresholdSyntaxError) as info:
            ThresholdSet.parse([ThresholdSpec(key, expr)]).bind(types)
        assert "does not apply" in str(info.value)
        assert str(info.value).splitlines()[-1] == "    " + " " * caret + "^"


def test_rolling_window_judges_only_the_last_window():
    clock = Clock()
    r = Registry(clock)
    ts = ThresholdSet.parse([ThresholdSpec("lat{k:a}", "p(95)<500 over 10s"), ThresholdSpec("lat", "p(95)<500"),
                             ThresholdSpec("hits", "rate>=5 over 10s")])
    for name, horizon in ts.windows().items():
        r.track_window(name, horizon)
    lat, hits = r.define("lat", MetricType.TREND), r.define("hits", MetricType.COUNTER)
    for sec in range(60):
        clock.t = T0 + sec
        for _ in range(10):
            r.add(lat, 1000.0 if sec < 30 else 10.0, tagset({"k": "a"}))
            r.add(hits, 1)

    def window_source(name, seconds):
        now = clock.t + 1
        return r.window(name, now - seconds, now)

    v = evaluate(ts, r.snapshot(60.0), window_source)
    assert [x.ok for x in v] == [True, False, True]  # the bad first half is outside the last 10 s
    assert v[0].window == "10s" and v[0].observed == pytest.approx(10.0, rel=5e-4)
    assert v[2].observed == pytest.approx(10.0)


def test_abort_on_fail_honours_delay(reg):
    ts = ThresholdSet.parse([ThresholdSpec("http_req_duration", "p(95)<500", abort_on_fail=True, delay_abort_eval_s=30),
                             ThresholdSpec("vus", "value<1")])
    ts.bind({n: d.type for n, d in reg.definitions.items()})
    v = evaluate(ts, reg.snapshot(10.0))
    assert not v[0].ok and v[0].abort_on_fail
    assert should_abort(ts, v, elapsed_s=10.0) is None
    assert should_abort(ts, v, elapsed_s=30.0) is ts.thresholds[0]
