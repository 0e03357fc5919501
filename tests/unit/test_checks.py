"""check(): the checks rate, per-check counts, raising predicates.

Both Locust clients' responses are exercised in tests/integration/test_distributed_metrics.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from loadlib import check
from loadlib.metrics import Registry, set_current_registry
from loadlib.metrics.current import current_registry


@pytest.fixture()
def reg():
    old = current_registry()
    r = set_current_registry(Registry())
    yield r
    set_current_registry(old)


def test_checks_feed_the_rate_and_per_check_counts(reg):
    ok = SimpleNamespace(status_code=201, text='{"id": 1}')
    bad = SimpleNamespace(status_code=500, text="oops")
    rules = {"status is 201": lambda r: r.status_code == 201, "has id": lambda r: "id" in r.text}
    assert check(ok, rules) is True
    assert check(bad, rules) is False
    assert check(ok, rules, tags={"step": "pay"}) is True
    snap = reg.snapshot(1.0)
    assert snap.metrics["checks"].select().summary() == {"passes": 4.0, "fails": 2.0, "value": pytest.approx(4 / 6)}
    assert [(c.name, c.path, c.passes, c.fails) for c in snap.checks] == [
        ("status is 201", "::status is 201", 2, 1), ("has id", "::has id", 2, 1)]
    assert snap.metrics["checks"].select({"check": "has id", "step": "pay"}).stat("rate") == 1.0


def test_raising_predicate_is_a_failed_check_not_an_error(reg):
    def boom(r):
        raise ValueError("no json")

    assert check(object(), {"json ok": boom, "always": lambda r: True}) is False
    (c1, c2) = reg.snapshot(1.0).checks
    assert (c1.name, c1.passes, c1.fails) == ("json ok", 0, 1)
    assert (c2.passes, c2.fails) == (1, 0)


def test_plain_booleans_are_accepted(reg):
    assert check(None, {"computed": True, "also": 0}) is False
    assert [(c.passes, c.fails) for c in reg.snapshot(1).checks] == [(1, 0), (0, 1)]
