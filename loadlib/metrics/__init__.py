"""The metric registry: k6's metric types with tags, mergeable histograms, deltas.

Public: ``Counter``, ``Gauge``, ``Rate``, ``Trend`` (what locustfiles use),
``Registry`` and ``current_registry()`` (what the hub and tests use). The
immutable view outputs and thresholds read is ``loadlib.metrics.snapshot``.

>>> from loadlib.metrics import Trend
>>> Trend("payment_duration", time=True).add(182.4)
"""

from __future__ import annotations

from loadlib.metrics.api import Counter, Gauge, Rate, Trend
from loadlib.metrics.current import current_registry, set_current_registry, set_default_tags_provider
from loadlib.metrics.histogram import Histogram
from loadlib.metrics.registry import MetricDef, Registry
from loadlib.metrics.snapshot import MetricType, Snapshot, ValueKind, tagset

__all__ = [
    "Counter",
    "Gauge",
    "Histogram",
    "MetricDef",
    "MetricType",
    "Rate",
    "Registry",
    "Snapshot",
    "Trend",
    "ValueKind",
    "current_registry",
    "set_current_registry",
    "set_default_tags_provider",
    "tagset",
]
