"""Hand-made snapshots and results for the renderer tests (no registry needed).

``SortedDist`` is the simplest exact ``Distribution``: every sample, sorted,
percentiles by numpy's linear method (as k6 computes them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from loadlib.metrics.snapshot import (
    CheckSnapshot,
    CounterSeries,
    GaugeSeries,
    MetricSnapshot,
    MetricType,
    RateSeries,
    Snapshot,
    TrendSeries,
    ValueKind,
    tagset,
)
from loadlib.results import RunMeta, RunResult, ThresholdVerdict, TimelinePoint


class SortedDist:
    def __init__(self, samples: Iterable[float]) -> None:
        self.samples = sorted(float(s) for s in samples)

    @property
    def count(self) -> int:
        return len(self.samples)

    @property
    def sum(self) -> float:
        return sum(self.samples)

    @property
    def min(self) -> float:
        return self.samples[0]

    @property
    def max(self) -> float:
        return self.samples[-1]

    @property
    def mean(self) -> float:
        return self.sum / self.count

    def percentile(self, p: float) -> float:
        s = self.samples
        rank = p / 100 * (len(s) - 1)
        lo = int(rank)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (rank - lo)

    def merged(self, other: SortedDist) -> SortedDist:
        return SortedDist(self.samples + other.samples)


A = {"name": "/a", "method": "GET", "status": "200", "expected_response": "true", "scenario": "default"}
B = {"name": "/b", "method": "POST", "status": "500", "expected_response": "false", "scenario": "default"}
A_MS = [float(i) for i in range(1, 91)]  # 90 requests to /a, 1..90 ms
B_MS = [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0, 900.0, 1000.0]  # 10 failing requests to /b
DURATION_S = 10.0


def _metric(name: str, type_: MetricType, contains: ValueKind, series: Mapping) -> MetricSnapshot:
    return MetricSnapshot(name, type_, contains, {tagset(t): s for t, s in series})


def _series(name: str, type_: MetricType, contains: ValueKind, items: list[tuple[dict, object]]) -> MetricSnapshot:
    return MetricSnapshot(name, type_, contains, {tagset(t): s for t, s in items})


def snapshot() -> Snapshot:
    a, b = tagset(A), tagset(B)
    metrics = {
        "http_req_duration": _series("http_req_duration", MetricType.TREND, ValueKind.TIME, [
            (A, TrendSeries(a, SortedDist(A_MS))), (B, TrendSeries(b, SortedDist(B_MS)))]),
        "http_reqs": _series("http_reqs", MetricType.COUNTER, ValueKind.DEFAULT, [
            (A, CounterSeries(a, 90)), (B, CounterSeries(b, 10))]),
        "http_req_failed": _series("http_req_failed", MetricType.RATE, ValueKind.DEFAULT, [
            (A, RateSeries(a, 0, 90)), (B, RateSeries(b, 10, 10))]),
        "iterations": _series("iterations", MetricType.COUNTER, ValueKind.DEFAULT, [
            ({"scenario": "default"}, CounterSeries(tagset({"scenario": "default"}), 50))]),
        "vus": _series("vus", MetricType.GAUGE, ValueKind.DEFAULT, [({}, GaugeSeries((), 5, 1, 5))]),
        "data_received": _series("data_received", MetricType.COUNTER, ValueKind.DATA, [
            ({}, CounterSeries((), 3_100_000))]),
        "payment_duration": _series("payment_duration", MetricType.TREND, ValueKind.TIME, [
            ({"currency": "USD"}, TrendSeries(tagset({"currency": "USD"}), SortedDist([10, 20, 30]))),
            ({"currency": "EUR"}, TrendSeries(tagset({"currency": "EUR"}), SortedDist([40, 50])))]),
        "checks": _series("checks", MetricType.RATE, ValueKind.DEFAULT, [
            ({"check": "status is 200"}, RateSeries(tagset({"check": "status is 200"}), 90, 100)),
            ({"check": "body <b>ok</b>"}, RateSeries(tagset({"check": "body <b>ok</b>"}), 100, 100))]),
    }
    checks = (
        CheckSnapshot("status is 200", "::status is 200", 90, 10),
        CheckSnapshot("body <b>ok</b>", "::body <b>ok</b>", 100, 0),
    )
    return Snapshot(taken_at=1_767_225_610.0, duration_s=DURATION_S, metrics=metrics, checks=checks)


VERDICTS = (
    ThresholdVerdict("http_req_duration", "p(95)<500", False, 505.0, "p(95)"),
    ThresholdVerdict("http_req_duration", "p(50)<300", True, 50.5, "p(50)"),
    ThresholdVerdict("http_req_duration{name:/a}", "p(99)<100", True, 89.11, "p(99)"),
    ThresholdVerdict("http_req_failed", "rate<0.05", False, 0.1, "rate", abort_on_fail=True),
)


def timeline() -> tuple[TimelinePoint, ...]:
    return tuple(
        TimelinePoint(elapsed_s=float(i), vus=min(i + 1, 5), rps=10.0 + i, error_rate=0.1 if i > 5 else 0.0,
                      p50=40.0 + i, p95=90.0 + i, p99=None if i == 3 else 120.0 + i, target_vus=5)
        for i in range(10)
    )


def result(*, status: str = "failed", exit_code: int = 99, thresholds=VERDICTS, interrupted: bool = False,
           test_name: str = "payments<script>") -> RunResult:
    meta = RunMeta(test_name=test_name, locustfile="locustfiles/payments.py", profile="smoke",
                   scenarios=("default",), started_at=1_767_225_600.0, ended_at=1_767_225_610.0,
                   interrupted=interrupted, host="http://127.0.0.1:1", loadlib_version="0.1.0")
    return RunResult(meta=meta, snapshot=snapshot(), thresholds=tuple(thresholds), timeline=timeline(),
                     exit_code=exit_code, status=status)  # type: ignore[arg-type]
