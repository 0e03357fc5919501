import json

import pytest

from loadlib.errors import LoadlibError
from loadlib.outputs import html, k6_summary, result_json, slo, text
from tests.unit.outputs.fixtures import result


def test_schema_and_numbers():
    doc = json.loads(result_json.render(result()))
    assert doc["schema"] == "loadlib.result/v1"
    assert doc["status"] == "failed" and doc["exit_code"] == 99 and doc["passed"] is False
    assert doc["meta"]["test_name"] == "payments<script>" and doc["meta"]["interrupted"] is False
    assert doc["meta"]["started_at_iso"] == "2026-01-01T00:00:00Z"
    d = doc["metrics"]["http_req_duration"]
    assert d["type"] == "trend" and d["contains"] == "time"
    assert d["values"]["count"] == 100 and d["values"]["p(99)"] == pytest.approx(901.0)
    sub = d["submetrics"]["http_req_duration{status:500}"]
    assert sub["tags"] == {"status": "500"} and sub["values"]["count"] == 10 and sub["values"]["min"] == 100.0
    assert "http_req_duration{expected_response:true}" in d["submetrics"]
    assert doc["metrics"]["http_reqs"]["values"] == {"count": 100.0, "rate": 10.0}
    assert doc["metrics"]["http_req_failed"]["values"]["rate"] == 0.1
    assert [t["ok"] for t in doc["thresholds"]] == [False, True, True, False]
    assert doc["thresholds"][3]["abort_on_fail"] is True
    assert doc["checks"][0] == {"name": "status is 200", "path": "::status is 200", "passes": 90, "fails": 10}
    assert len(doc["timeline"]) == 10 and doc["timeline"][3]["p99"] is None


def test_round_trip_renders_the_same_reports():
    original = result()
    loaded = result_json.from_dict(json.loads(result_json.render(original)))
    assert loaded.meta == original.meta
    assert loaded.thresholds == original.thresholds and loaded.timeline == original.timeline
    assert loaded.status == original.status and loaded.exit_code == original.exit_code
    assert text.render(loaded) == text.render(original)
    assert k6_summary.render(loaded) == k6_summary.render(original)
    assert slo.render(loaded, test_type="t") == slo.render(original, test_type="t")
    assert html.render(loaded) == html.render(original)
    assert result_json.render(loaded) == result_json.render(original)


def test_interrupted_status_is_recorded():
    doc = json.loads(result_json.render(result(status="interrupted", exit_code=105, interrupted=True)))
    assert doc["status"] == "interrupted" and doc["exit_code"] == 105 and doc["meta"]["interrupted"] is True


@pytest.mark.parametrize("content, needle", [
    ("{not json", "not valid JSON"),
    ('{"schema": "something/v9"}', "schema = 'something/v9'"),
    ('{"schema": "loadlib.result/v1", "meta": {}}', "malformed loadlib result"),
])
def test_bad_files_name_the_file(tmp_path, content, needle):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(LoadlibError) as err:
        result_json.load(path)
    assert str(path) in str(err.value) and needle in str(err.value)
    with pytest.raises(LoadlibError, match="cannot read"):
        result_json.load(tmp_path / "missing.json")
