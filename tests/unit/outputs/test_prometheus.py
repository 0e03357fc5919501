"""The Prometheus exposition of a registry snapshot: names, labels, units, quantiles, buckets, thresholds."""

from __future__ import annotations

import numpy as np
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from loadlib.metrics import MetricType, Registry, ValueKind, tagset
from loadlib.outputs.prometheus import SnapshotCollector, exposed_names, families, label_name
from loadlib.results import ThresholdVerdict


def _registry() -> Registry:
    reg = Registry(clock=lambda: 1_000.0)
    reqs = reg.define("http_reqs", MetricType.COUNTER)
    dur = reg.define("http_req_duration", MetricType.TREND, ValueKind.TIME)
    failed = reg.define("http_req_failed", MetricType.RATE)
    vus = reg.define("vus", MetricType.GAUGE)
    data = reg.define("data_received", MetricType.COUNTER, ValueKind.DATA)
    custom = reg.define("basket_items", MetricType.TREND)
    ok = tagset({"name": "buy", "method": "GET", "status": "200", "scenario": "shop"})
    bad = tagset({"name": "buy", "method": "GET", "status": "500", "scenario": "shop", "error_kind": "HTTPError"})
    for i in range(100):
        tags = bad if i % 10 == 0 else ok
        reg.add(reqs, 1.0, tags)
        reg.add(dur, 1.0 + i * 7.0, tags)  # 1 .. 694 ms
        reg.add(failed, i % 10 == 0, tags)
        reg.add(custom, float(i % 5), tagset({"scenario": "shop"}))
    reg.add(vus, 7.0)
    reg.add(data, 2048.0, tagset({"scenario": "shop"}))
    return reg


def _text(verdicts=(), info=None) -> str:
    snap = _registry().snapshot(duration_s=10.0, extra={"workers": 2})
    reg = CollectorRegistry(auto_describe=False)
    reg.register(SnapshotCollector(lambda: (snap, verdicts, info or {"role": "master", "test": "shop"})))
    return generate_latest(reg).decode()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _get(samples: dict, sample_name: str, /, **labels: str) -> float:
    hits = [v for (n, ls), v in samples.items() if n == sample_name and all(dict(ls).get(k) == x for k, x in labels.items())]
    assert len(hits) == 1, (sample_name, labels, hits)
    return hits[0]


def test_counters_carry_every_tag_as_a_label_union_filled_with_empty() -> None:
    s = _samples(_text())
    assert _get(s, "loadlib_http_reqs_total", status="200", name="buy", method="GET", scenario="shop",
                error_kind="") == 90
    assert _get(s, "loadlib_http_reqs_total", status="500", error_kind="HTTPError") == 10
    assert _get(s, "loadlib_data_received_bytes_total", scenario="shop") == 2048
    assert _get(s, "loadlib_vus") == 7


def test_rates_export_share_passes_and_fails() -> None:
    s = _samples(_text())
    assert _get(s, "loadlib_http_req_failed_rate", status="500") == 1.0
    assert _get(s, "loadlib_http_req_failed_passes_total", status="500") == 10
    assert _get(s, "loadlib_http_req_failed_fails_total", status="200") == 90


def test_time_trends_are_seconds_with_hdr_quantiles_and_cumulative_buckets() -> None:
    s = _samples(_text())
    values = [1.0 + i * 7.0 for i in range(100) if i % 10]
    for q in (0.5, 0.9, 0.95, 0.99):
        got = _get(s, "loadlib_http_req_duration_seconds", status="200", quantile=str(q))
        assert got == pytest.approx(np.percentile(values, q * 100) / 1000, rel=0.0006, abs=1e-6)
    assert _get(s, "loadlib_http_req_duration_seconds_count", status="200") == 90
    assert _get(s, "loadlib_http_req_duration_seconds_sum", status="200") == pytest.approx(sum(values) / 1000)
    buckets = sorted(((float(dict(ls)["le"]), v) for (n, ls), v in s.items()
                      if n == "loadlib_http_req_duration_hist_seconds_bucket" and dict(ls)["status"] == "200"))
    counts = [v for _, v in buckets]
    assert counts == sorted(counts) and counts[-1] == 90  # cumulative, +Inf = count
    le_100ms = dict(buckets)[0.1]
    assert le_100ms == sum(1 for v in values if v <= 100.0)


def test_non_time_trend_keeps_its_unit_and_name() -> None:
    s = _samples(_text())
    assert _get(s, "loadlib_basket_items", quantile="0.5", scenario="shop") == 2.0
    assert _get(s, "loadlib_basket_items_count", scenario="shop") == 100


def test_thresholds_and_run_facts() -> None:
    verdicts = (ThresholdVerdict("http_req_duration", "p(95)<500", False, 650.0, "p(95)"),
                ThresholdVerdict("http_req_failed", "rate<0.5", True, 0.1, "rate"))
    usage = [("master", 12.5, 1e8), ("worker-0", 87.0, 2e8)]
    s = _samples(_text(verdicts, {"role": "master", "test": "shop", "partial": True, "usage": usage}))
    assert _get(s, "loadlib_threshold_ok", metric="http_req_duration", threshold="p(95)<500") == 0.0
    assert _get(s, "loadlib_threshold_ok", metric="http_req_failed") == 1.0
    assert _get(s, "loadlib_threshold_observed", metric="http_req_duration") == 650.0
    assert _get(s, "loadlib_run_info", role="master", test="shop") == 1.0
    assert _get(s, "loadlib_workers") == 2
    assert _get(s, "loadlib_run_partial") == 1.0
    assert _get(s, "loadlib_run_duration_seconds") == 10.0
    assert _get(s, "loadlib_generator_cpu_percent", process="worker-0") == 87.0
    assert _get(s, "loadlib_generator_memory_bytes", process="master") == 1e8


def test_label_names_are_sanitized_and_never_reserved() -> None:
    assert label_name("content-type") == "content_type"
    assert label_name("le") == "tag_le" and label_name("quantile") == "tag_quantile"
    assert label_name("9lives") == "_9lives"


def test_exposed_names_lists_sample_names() -> None:
    snap = _registry().snapshot(duration_s=1.0)
    names = exposed_names(families(snap))
    assert {"loadlib_http_reqs_total", "loadlib_http_req_duration_hist_seconds_bucket",
            "loadlib_http_req_duration_seconds_count", "loadlib_threshold_ok"} - names == {"loadlib_threshold_ok"}
