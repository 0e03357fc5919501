"""Choosing the run to keep when the matrix ran several times (--repeat)."""

from common import Measurement
from run import best_runs


def row(gen: str, requests: int, status: str = "ok") -> Measurement:
    return Measurement("hello", gen, requests=requests, cpu_seconds=10.0, wall_seconds=15.0, status=status)


def test_best_run_per_generator_keeps_order_and_every_try() -> None:
    rows = [row("k6", 60_000), row("locust-fast", 20_000), row("k6", 70_000), row("locust-fast", 25_000)]
    best = best_runs(rows)
    assert [(m.generator, m.requests) for m in best] == [("k6", 70_000), ("locust-fast", 25_000)]
    assert best[0].extra["efficiency_runs"] == [6_000.0, 7_000.0]


def test_a_usable_run_beats_a_failed_one() -> None:
    best = best_runs([row("loadlib", 0, status="failed"), row("loadlib", 30_000)])
    assert best[0].ok and best[0].requests == 30_000
    assert best_runs([row("loadlib", 0, status="unavailable")])[0].status == "unavailable"
