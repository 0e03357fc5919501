import csv
import json
import os

import pytest

from loadlib.errors import ConfigError
from loadlib.outputs.points import CSV_HEADER, CSVWriter, NDJSONWriter, Sample, rfc3339
from loadlib.outputs.spec import OutputSpec, parse_out

TAGS = {"method": "GET", "name": "/x", "status": "200", "expected_response": "true", "tenant": "a&b"}
SAMPLES = [
    Sample("http_reqs", "counter", "default", 1_767_225_600.123456, 1.0, TAGS),
    Sample("http_req_duration", "trend", "time", 1_767_225_600.123456, 459.86, TAGS),
    Sample("http_reqs", "counter", "default", 1_767_225_601.5, 1.0, TAGS),
]


def test_ndjson_is_k6_metric_and_point_lines(tmp_path):
    path = tmp_path / "out" / "points.ndjson"
    w = NDJSONWriter(path, {"http_req_duration": ["p(95)<500"]})
    w.write(SAMPLES[:2])
    assert not path.exists()  # streamed to a temporary file until close()
    w.write(SAMPLES[2:])
    w.close()
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["type"] for x in lines] == ["Metric", "Point", "Metric", "Point", "Point"]
    assert lines[0] == {"type": "Metric", "data": {"name": "http_reqs", "type": "counter", "contains": "default",
                                                   "thresholds": [], "submetrics": None}, "metric": "http_reqs"}
    assert lines[2]["data"]["thresholds"] == ["p(95)<500"] and lines[2]["data"]["contains"] == "time"
    assert lines[3] == {"type": "Point", "data": {"time": "2026-01-01T00:00:00.123456Z", "value": 459.86,
                                                  "tags": TAGS}, "metric": "http_req_duration"}
    assert os.listdir(path.parent) == ["points.ndjson"]


def test_csv_has_k6_columns(tmp_path):
    path = tmp_path / "points.csv"
    w = CSVWriter(path)
    w.write(SAMPLES)
    w.close()
    rows = list(csv.DictReader(path.open()))
    assert tuple(rows[0]) == CSV_HEADER
    assert CSV_HEADER[:3] == ("metric_name", "timestamp", "metric_value")
    assert len(rows) == 3
    assert rows[1]["metric_name"] == "http_req_duration" and rows[1]["timestamp"] == "1767225600"
    assert float(rows[1]["metric_value"]) == 459.86
    assert rows[1]["method"] == "GET" and rows[1]["status"] == "200" and rows[1]["name"] == "/x"
    assert rows[1]["extra_tags"] == "tenant=a&b"


def test_abort_leaves_nothing(tmp_path):
    w = NDJSONWriter(tmp_path / "p.ndjson")
    w.write(SAMPLES)
    w.abort()
    assert os.listdir(tmp_path) == []


def test_out_specs():
    assert parse_out("json=results/p.ndjson") == OutputSpec("json", "results/p.ndjson")
    assert parse_out("csv=a.csv").is_file
    assert not parse_out("influxdb=http://127.0.0.1:8086/k6").is_file
    with pytest.raises(ConfigError) as err:
        parse_out("jsn=x.json")
    assert err.value.exit_code == 104
    assert "one of json, csv, influxdb" in str(err.value)
    assert "did you mean json=x.json" in str(err.value)
    with pytest.raises(ConfigError, match="json=TARGET"):
        parse_out("json=")


def test_validate_outputs(tmp_path):
    from loadlib.outputs.spec import validate_outputs

    specs = validate_outputs({"--summary-export": str(tmp_path / "new" / "k6.json")},
                             [f"json={tmp_path / 'p.ndjson'}", "influxdb=http://127.0.0.1:8086/k6"])
    assert [s.kind for s in specs] == ["json", "influxdb"]
    assert (tmp_path / "new").is_dir()  # parents are created up front, as the final write would
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=r"--summary-export = .*cannot create directory"):
        validate_outputs({"--summary-export": str(blocker / "k6.json")}, [])
    with pytest.raises(ConfigError, match=r"--out = 'csv=.*' is not valid; expected a writable file path"):
        validate_outputs({}, [f"csv={blocker / 'x' / 'p.csv'}"])
    with pytest.raises(ConfigError, match="a path no other report uses.*--results-json writes it too"):
        validate_outputs({"--results-json": str(tmp_path / "r.json")}, [f"json={tmp_path / 'r.json'}"])
    with pytest.raises(ConfigError, match="directory"):
        validate_outputs({"--html-report": str(tmp_path)}, [])


def test_hand_built_point_lines_equal_json_dumps(tmp_path):
    samples = [Sample("m", "counter", "default", 1_767_225_600 + f, v, {"a": "x\"y", "ü": "1"})
               for f, v in ((0.0, 1), (0.5, 2.5), (0.9999999, 459.86), (1.25, 1e-7))]
    w = NDJSONWriter(tmp_path / "p.ndjson")
    w.write(samples)
    w.close()
    lines = (tmp_path / "p.ndjson").read_text().splitlines()[1:]
    expected = [json.dumps({"type": "Point", "data": {"time": rfc3339(s.time), "value": s.value, "tags": s.tags},
                            "metric": "m"}, separators=(",", ":")) for s in samples]
    assert [json.loads(x) for x in lines] == [json.loads(x) for x in expected]
    assert lines[0] == expected[0] and w.count == 4


def test_summary_trend_stats():
    from loadlib.outputs.spec import parse_trend_stats

    assert parse_trend_stats("avg,min,med,max,p(90),p(99.9),count") == (
        "avg", "min", "med", "max", "p(90)", "p(99.9)", "count")
    with pytest.raises(ConfigError, match=r"'p\(101\)'"):
        parse_trend_stats("avg,p(101)")
    with pytest.raises(ConfigError, match="did you mean avg"):
        parse_trend_stats("avgg")


def test_gz_paths_are_gzipped(tmp_path):
    import gzip

    for cls, name in ((NDJSONWriter, "p.ndjson.gz"), (CSVWriter, "p.csv.gz")):
        w = cls(tmp_path / name)
        w.write(SAMPLES)
        w.close()
        text = gzip.decompress((tmp_path / name).read_bytes()).decode()
        assert text.count("http_reqs") >= 2
    assert sorted(os.listdir(tmp_path)) == ["p.csv.gz", "p.ndjson.gz"]
