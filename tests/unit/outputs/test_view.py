"""The numbers renderers show, on hand-made snapshots and on the real registry's snapshots."""

import pytest

from loadlib.metrics.snapshot import MetricType, ValueKind, tagset
from loadlib.outputs.view import metric_values, parse_key, submetric_filters
from tests.unit.outputs.fixtures import snapshot


def test_parse_key():
    assert parse_key("http_req_duration") == ("http_req_duration", ())
    assert parse_key("http_req_duration{status:200, name:http://x/y}") == (
        "http_req_duration", (("name", "http://x/y"), ("status", "200")))


def test_values_per_type_and_submetric():
    snap = snapshot()
    d = metric_values(snap.metrics["http_req_duration"], {"name": "/b"}, duration_s=10)
    assert d["count"] == 10 and d["min"] == 100 and d["max"] == 1000 and d["med"] == 550
    assert metric_values(snap.metrics["http_req_duration"], {"name": "/zzz"}, duration_s=10) is None
    assert metric_values(snap.metrics["http_reqs"], duration_s=10) == {"count": 100, "rate": 10}
    assert metric_values(snap.metrics["http_req_failed"], {"status": "500"}, duration_s=10)["rate"] == 1.0


def test_submetric_filters_skip_single_valued_keys_and_cap():
    filters = submetric_filters(snapshot().metrics["http_req_duration"], per_key=1)
    keys = [f for f, _ in filters]
    assert keys[0] == (("expected_response", "true"),)
    assert (("scenario", "default"),) not in keys
    assert ((("name", "/a"),), 1) in filters


def test_real_registry_snapshot_matches_its_own_select():
    metrics = pytest.importorskip("loadlib.metrics")
    reg = metrics.Registry()
    trend = reg.define("http_req_duration", MetricType.TREND, ValueKind.TIME)
    counter = reg.define("http_reqs", MetricType.COUNTER)
    for i in range(1, 1001):
        tags = tagset({"name": "/a" if i % 4 else "/b", "status": "200"})
        reg.add(trend, float(i), tags)
        reg.add(counter, 1, tags)
    snap = reg.snapshot(duration_s=10.0)
    m = snap.metrics["http_req_duration"]
    mine = metric_values(m, {"name": "/b"}, duration_s=10.0, trend_stats=("p(99)",))
    theirs = m.select({"name": "/b"})
    assert mine["count"] == 250
    for stat in ("avg", "min", "max", "med", "p(95)", "p(99)"):
        assert mine[stat] == pytest.approx(theirs.stat(stat), rel=1e-3), stat
    assert metric_values(snap.metrics["http_reqs"], duration_s=10.0) == {"count": 1000, "rate": 100}
