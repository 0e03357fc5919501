"""k6's ``check()``: named predicates on a response, feeding the ``checks`` rate.

Each predicate adds one sample to the ``checks`` Rate, tagged ``check:<name>``
(plus the scenario and any ``tags``), so per-check pass/fail counts are the
sub-metrics ``checks{check:<name>}``. A predicate that raises counts as a
failed check and never stops the user. Checks never change the exit code;
put a threshold on ``checks`` (``rate>0.99``) to make them do so.

Works with any object: Locust's ``HttpUser`` and ``FastHttpUser`` responses,
or a parsed JSON body::

    r = self.client.post("/tribble/payments", json=body)
    check(r, {
        "status is 201": lambda r: r.status_code == 201,
        "has id": lambda r: "id" in r.json(),
    })
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from loadlib.metrics.current import current_registry, default_tags
from loadlib.metrics.snapshot import MetricType, tagset

logger = logging.getLogger(__name__)
_warned: set[str] = set()

Predicate = Callable[[Any], Any]


def check(value: Any, checks: Mapping[str, Predicate | bool], tags: Mapping[str, object] | None = None) -> bool:
    """Run every named predicate on ``value``; True when all of them pass.

    A non-callable entry is taken as an already computed result (k6 allows both).
    """
    registry = current_registry()
    metric = registry.define("checks", MetricType.RATE)
    base = default_tags()
    if tags:
        base.update({str(k): str(v) for k, v in tags.items()})
    all_ok = True
    for name, predicate in checks.items():
        try:
            ok = bool(predicate(value)) if callable(predicate) else bool(predicate)
        except Exception as exc:  # a broken predicate is a failed check, never a dead user
            ok = False
            if name not in _warned:
                _warned.add(name)
                logger.warning("check %r raised %s: %s (counted as failed; reported once)", name,
                               type(exc).__name__, exc)
        registry.add(metric, ok, tagset({**base, "check": name}))
        all_ok = all_ok and ok
    return all_ok


__all__ = ["check"]
