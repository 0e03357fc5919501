"""User-defined metrics under k6's names: Counter, Gauge, Rate, Trend.

Create them once at module level in a locustfile and ``add`` samples from
tasks; samples carry the running scenario's tag plus any tags given::

    from loadlib import Counter, Rate, Trend

    payment_duration = Trend("payment_duration", time=True)
    orders_accepted = Counter("orders_accepted")
    fraud_ok = Rate("fraud_score_accuracy")

    payment_duration.add(182.4, tags={"currency": "EUR"})
    orders_accepted.add(1)
    fraud_ok.add(score_matches)

Thresholds can then name them: ``payment_duration: p(95)<300``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from loadlib.metrics.current import current_registry, default_tags
from loadlib.metrics.registry import MetricDef
from loadlib.metrics.snapshot import MetricType, ValueKind, tagset


class _Metric:
    type: ClassVar[MetricType]

    def __init__(self, name: str, time: bool = False) -> None:
        contains = ValueKind.TIME if time else ValueKind.DEFAULT
        self._def: MetricDef = current_registry().define(name, self.type, contains)

    @property
    def name(self) -> str:
        return self._def.name

    def add(self, value: float | bool, tags: Mapping[str, object] | None = None) -> None:
        """Record one sample; ``tags`` add to (and override) the default scenario tag."""
        v = self._check(value)
        merged = default_tags()
        if tags:
            merged.update({str(k): str(t) for k, t in tags.items()})
        current_registry().add(self._def, v, tagset(merged))

    def _check(self, value: float | bool) -> float:
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        try:
            return float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{type(self).__name__}({self.name!r}).add() takes a number, got {value!r}") from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Counter(_Metric):
    """A cumulative sum (k6 ``Counter``): thresholds ``count`` and ``rate`` (per second).

    >>> Counter("orders_accepted").add(1)
    """

    type = MetricType.COUNTER

    def _check(self, value: float | bool) -> float:
        v = super()._check(value)
        if v < 0:
            raise ValueError(f"Counter({self.name!r}) can only be incremented by non-negative amounts, got {v}")
        return v


class Gauge(_Metric):
    """The latest value, with min and max (k6 ``Gauge``): threshold ``value``.

    >>> Gauge("queue_depth").add(17)
    """

    type = MetricType.GAUGE


class Rate(_Metric):
    """The share of non-zero samples (k6 ``Rate``): threshold ``rate``.

    >>> Rate("fraud_score_accuracy").add(True)
    """

    type = MetricType.RATE


class Trend(_Metric):
    """A distribution (k6 ``Trend``): thresholds avg, min, max, med, p(N); ``time=True`` shows ms.

    >>> Trend("payment_duration", time=True).add(182.4, tags={"currency": "EUR"})
    """

    type = MetricType.TREND
