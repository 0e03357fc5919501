import hashlib
import json

from loadlib.outputs import k6_summary
from tests.unit.outputs.fixtures import result


def _doc(**kw):
    return json.loads(k6_summary.render(result(**kw)))


def test_root_group_and_checks_with_md5_ids():
    doc = _doc()
    root = doc["root_group"]
    assert root["name"] == "" and root["path"] == "" and root["groups"] == {}
    assert root["id"] == hashlib.md5(b"").hexdigest()
    check = root["checks"]["status is 200"]
    assert check == {"name": "status is 200", "path": "::status is 200",
                     "id": hashlib.md5(b"::status is 200").hexdigest(), "passes": 90, "fails": 10}


def test_metric_values_per_type():
    m = _doc()["metrics"]
    assert m["http_reqs"] == {"count": 100, "rate": 10.0}
    assert m["vus"] == {"value": 5, "min": 1, "max": 5}
    assert m["checks"] == {"passes": 190, "fails": 10, "value": 0.95}
    failed = m["http_req_failed"]
    assert failed["passes"] == 10 and failed["fails"] == 90 and failed["value"] == 0.1
    d = m["http_req_duration"]
    assert set(d) == {"avg", "min", "med", "max", "p(90)", "p(95)", "thresholds"}
    assert d["avg"] == 95.95 and d["min"] == 1.0 and d["max"] == 1000.0 and d["med"] == 50.5
    assert abs(d["p(95)"] - 505.0) < 1e-9


def test_thresholds_are_inverted_true_means_failed():
    m = _doc()["metrics"]
    assert m["http_req_duration"]["thresholds"] == {"p(95)<500": True, "p(50)<300": False}
    assert m["http_req_failed"]["thresholds"] == {"rate<0.05": True}
    # a threshold on a sub-metric makes the sub-metric appear under its k6 key
    assert m["http_req_duration{name:/a}"]["thresholds"] == {"p(99)<100": False}
    assert m["http_req_duration{name:/a}"]["max"] == 90.0
    assert "http_req_duration{expected_response:true}" in m


def test_trend_stats_follow_summary_trend_stats():
    doc = json.loads(k6_summary.render(result(), trend_stats=("min", "p(99)")))
    assert set(doc["metrics"]["payment_duration"]) == {"min", "p(99)"}


def test_checks_inside_groups_nest_like_k6():
    import dataclasses

    from loadlib.metrics.snapshot import CheckSnapshot

    r = result()
    snap = dataclasses.replace(r.snapshot, checks=(CheckSnapshot("ok", "::login::ok", 3, 1),))
    doc = json.loads(k6_summary.render(dataclasses.replace(r, snapshot=snap)))
    group = doc["root_group"]["groups"]["login"]
    assert group["path"] == "::login" and group["id"] == hashlib.md5(b"::login").hexdigest()
    assert group["checks"]["ok"]["passes"] == 3 and doc["root_group"]["checks"] == {}
