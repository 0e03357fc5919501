"""A tiny mergeable histogram (1 % relative precision) for the executor's own percentiles.

The metric registry holds the user-facing trends; this one only feeds the
executor's end-of-run sizing advice and the live web UI row, and crosses the
worker -> master link as a plain ``{bucket: count}`` dict.

>>> h = LogHistogram()
>>> for v in range(1, 101):
...     h.add(float(v))
>>> round(h.percentile(99), -0)
99.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping

_BASE = math.log(1.01)
_FLOOR = 0.01  # ms: anything smaller lands in bucket 0


def _bucket(value: float) -> int:
    if value <= _FLOOR:
        return 0
    return 1 + int(math.log(value / _FLOOR) / _BASE)


def _value(bucket: int) -> float:
    if bucket <= 0:
        return 0.0
    # midpoint of the bucket, so the relative error stays below 0.5 %
    return _FLOOR * math.exp((bucket - 0.5) * _BASE)


class LogHistogram:
    def __init__(self, counts: Mapping[int, int] | None = None, maximum: float = 0.0) -> None:
        self.counts: dict[int, int] = {int(k): int(v) for k, v in (counts or {}).items()}
        self.max = maximum

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def add(self, value: float) -> None:
        b = _bucket(value)
        self.counts[b] = self.counts.get(b, 0) + 1
        if value > self.max:
            self.max = value

    def merge(self, other: LogHistogram) -> LogHistogram:
        out = LogHistogram(self.counts, max(self.max, other.max))
        for b, n in other.counts.items():
            out.counts[b] = out.counts.get(b, 0) + n
        return out

    def percentile(self, p: float) -> float:
        """The value below which ``p`` % of the samples fall (0 when empty)."""
        total = self.count
        if total == 0:
            return 0.0
        rank = max(1, math.ceil(p / 100.0 * total))
        seen = 0
        for b in sorted(self.counts):
            seen += self.counts[b]
            if seen >= rank:
                return min(_value(b), self.max)
        return self.max

    def to_wire(self) -> dict[str, object]:
        return {"counts": {str(k): v for k, v in self.counts.items()}, "max": self.max}

    @classmethod
    def from_wire(cls, data: Mapping[str, object]) -> LogHistogram:
        counts = data.get("counts") or {}
        assert isinstance(counts, Mapping)
        return cls({int(k): int(v) for k, v in counts.items()}, float(data.get("max") or 0.0))  # type: ignore[arg-type]
