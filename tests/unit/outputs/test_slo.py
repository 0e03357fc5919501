import json

import pytest

from loadlib.outputs import slo
from loadlib.results import ThresholdVerdict
from tests.unit.outputs.fixtures import result


def test_mina_schema_exactly():
    doc = json.loads(slo.render(result(), test_type="api_read_load"))
    assert list(doc) == ["timestamp", "test_type", "duration_seconds", "metrics", "pass"]
    assert doc["timestamp"] == "2026-01-01T00:00:00Z"
    assert doc["test_type"] == "api_read_load"
    assert doc["duration_seconds"] == 10.0
    m = doc["metrics"]
    assert list(m) == ["requests_total", "requests_per_second", "error_rate", "response_times", "slo_compliance"]
    assert m["requests_total"] == 100 and m["requests_per_second"] == 10.0 and m["error_rate"] == 0.1
    rt = m["response_times"]
    assert list(rt) == ["avg", "min", "max", "p50", "p95", "p99"]
    assert rt["avg"] == 95.95 and rt["min"] == 1.0 and rt["max"] == 1000.0 and rt["p50"] == 50.5
    assert rt["p95"] == pytest.approx(505.0) and rt["p99"] == pytest.approx(901.0)
    assert m["slo_compliance"] == {"p50_met": True, "p95_met": False, "p99_met": True, "error_rate_met": False}
    assert doc["pass"] is False


def test_compliance_is_null_without_thresholds_and_prefers_the_metric_itself():
    doc = json.loads(slo.render(result(thresholds=(), status="passed", exit_code=0), test_type="x"))
    assert doc["metrics"]["slo_compliance"] == {"p50_met": None, "p95_met": None, "p99_met": None,
                                                "error_rate_met": None}
    assert doc["pass"] is True
    verdicts = (ThresholdVerdict("http_req_duration", "p(99)<2000", True, 901.0, "p(99)"),
                ThresholdVerdict("http_req_duration{name:/b}", "p(99)<500", False, 991.0, "p(99)"),
                ThresholdVerdict("http_req_duration", "med<300", True, 50.5, "med"))
    doc = json.loads(slo.render(result(thresholds=verdicts), test_type="x"))
    assert doc["metrics"]["slo_compliance"]["p99_met"] is True
    assert doc["metrics"]["slo_compliance"]["p50_met"] is True


def test_interrupted_run_does_not_pass():
    doc = json.loads(slo.render(result(thresholds=(), status="interrupted", exit_code=105, interrupted=True),
                                test_type="x"))
    assert doc["pass"] is False
