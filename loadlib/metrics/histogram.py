"""A sparse HDR histogram: mergeable, bounded memory, exact enough for percentiles.

Trend samples are milliseconds; they are recorded as integer microseconds in
HdrHistogram's log-linear buckets with 2048 sub-buckets per power of two (what
HdrHistogram calls 3 significant digits), but the buckets live in a dict that
holds only the buckets in use. That keeps a histogram small (a few hundred
buckets for typical latencies; at most 23,552 for 0 .. 1 h and 28,672 for
the whole 0 .. 19 h range), makes a per-second histogram cheap, and merges by
adding counts.

Precision (what the tests assert): every percentile is within **0.05 %
relative** of numpy's ``percentile(samples, p, method="linear")`` over the
recorded samples (k6's own method), plus **0.5 µs absolute** from rounding
to whole microseconds. Values below 2.048 ms are exact to the microsecond.
``count``, ``sum``/``mean``, ``min`` and ``max`` are exact (kept as floats).

Why not keep samples, like k6? Memory: 10 million samples are 80 MB as
floats; this histogram stays at a few kB. Why not ``hdrh``'s HdrHistogram?
Its dense array (188 kB for this range) is allocated per series and per
second, and recording into it costs ~2.7 µs against ~1 µs here; its encoding
is the same bucket scheme.

>>> h = Histogram()
>>> for v in (0.5, 1.0, 1.5, 2.0):
...     h.record(v)
>>> h.percentile(50)
1.25
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

SUB_BUCKET_BITS = 11  # 2048 sub-buckets: a bucket is at most 1/1024 of its value wide
MAX_US = 1 << 36  # ~19 hours; larger values are clamped (and counted in ``clamped``)
MAX_MS = MAX_US / 1000.0
_SHIFT_BITS = 12  # key = (shift << 12) | sub_bucket; sub_bucket < 4096 keeps keys ordered


def bucket_key(us: int) -> int:
    """The bucket of a non-negative integer number of microseconds."""
    shift = us.bit_length() - SUB_BUCKET_BITS
    if shift <= 0:
        return us
    return (shift << _SHIFT_BITS) | (us >> shift)


def bucket_value_ms(key: int) -> float:
    """The midpoint of a bucket, in milliseconds (the value a percentile reports)."""
    shift = key >> _SHIFT_BITS
    if shift == 0:
        return key / 1000.0
    low = (key & ((1 << _SHIFT_BITS) - 1)) << shift
    return (low + ((1 << shift) - 1) / 2.0) / 1000.0


class Histogram:
    """Trend samples in milliseconds; see the module docstring for precision.

    Implements ``loadlib.metrics.snapshot.Distribution``. Mutable while a
    registry records into it; snapshots hold copies that nobody mutates.
    """

    __slots__ = ("counts", "count", "sum", "min", "max", "clamped")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.count = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.clamped = 0  # samples outside 0 .. MAX_US (or NaN): recorded at the nearest edge / skipped

    # -- recording ---------------------------------------------------------------------------------

    def record(self, ms: float) -> None:
        counts = self.counts
        if ms == 0.0:  # fast path: connecting / TLS on every reused connection (bucket 0, the sum unchanged)
            counts[0] = counts.get(0, 0) + 1
            self.count += 1
            if ms < self.min:
                self.min = ms
            if ms > self.max:
                self.max = ms
            return
        if not 0.0 <= ms <= MAX_MS:  # also catches NaN
            self.clamped += 1
            if ms != ms:
                return
            ms = 0.0 if ms < 0.0 else MAX_MS
        us = int(ms * 1000.0 + 0.5)
        if us < 2048:  # below 2.048 ms the bucket is the microsecond itself (no shift)
            counts[us] = counts.get(us, 0) + 1
        else:
            shift = us.bit_length() - SUB_BUCKET_BITS
            key = (shift << _SHIFT_BITS) | (us >> shift)
            counts[key] = counts.get(key, 0) + 1
        self.count += 1
        self.sum += ms
        if ms < self.min:
            self.min = ms
        if ms > self.max:
            self.max = ms

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s samples to this histogram (in place)."""
        counts = self.counts
        for key, n in other.counts.items():
            counts[key] = counts.get(key, 0) + n
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.clamped += other.clamped

    def copy(self) -> Histogram:
        h = Histogram()
        h.counts = dict(self.counts)
        h.count, h.sum, h.min, h.max, h.clamped = self.count, self.sum, self.min, self.max, self.clamped
        return h

    def merged(self, other: Any) -> Histogram:
        """A new histogram holding both (the ``Distribution`` protocol)."""
        h = self.copy()
        h.merge(other)
        return h

    # -- statistics --------------------------------------------------------------------------------

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else 0.0

    def percentile(self, p: float) -> float:
        """numpy's linear percentile (k6's method) over the bucketed samples; 0.0 when empty."""
        return self.percentiles([p])[0]

    def percentiles(self, ps: Iterable[float]) -> list[float]:
        """Several percentiles in one pass over the buckets."""
        ps = list(ps)
        if not self.count:
            return [0.0 for _ in ps]
        # rank r (0-based) of the sorted samples -> bucket midpoint, clamped to the exact min/max
        wanted: set[int] = set()
        plan = []
        for p in ps:
            if not 0.0 <= p <= 100.0:
                raise ValueError(f"percentile must be within 0..100, got {p}")
            idx = p / 100.0 * (self.count - 1)
            lo = math.floor(idx)
            frac = idx - lo
            hi = lo + 1 if frac > 0 else lo
            wanted.update((lo, hi))
            plan.append((lo, hi, frac))
        values = self._values_at_ranks(sorted(wanted))
        out = []
        for lo, hi, frac in plan:
            a, b = values[lo], values[hi]
            out.append(a + (b - a) * frac if frac else a)
        return out

    def _values_at_ranks(self, ranks: list[int]) -> dict[int, float]:
        found: dict[int, float] = {}
        i = 0
        seen = 0
        for key in sorted(self.counts):
            seen += self.counts[key]
            while i < len(ranks) and ranks[i] < seen:
                found[ranks[i]] = min(self.max, max(self.min, bucket_value_ms(key)))
                i += 1
            if i == len(ranks):
                break
        return found

    # -- wire format -------------------------------------------------------------------------------

    def encode(self) -> dict[str, Any]:
        """A msgpack/JSON-friendly dict (plain ints and floats)."""
        keys = sorted(self.counts)
        return {
            "k": keys,
            "c": [self.counts[k] for k in keys],
            "n": self.count,
            "s": self.sum,
            "lo": self.min if self.count else None,
            "hi": self.max if self.count else None,
            "x": self.clamped,
        }

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> Histogram:
        h = cls()
        h.counts = dict(zip(data["k"], data["c"], strict=True))
        h.count = int(data["n"])
        h.sum = float(data["s"])
        h.min = math.inf if data["lo"] is None else float(data["lo"])
        h.max = -math.inf if data["hi"] is None else float(data["hi"])
        h.clamped = int(data.get("x", 0))
        return h

    def minus(self, older: Histogram) -> Histogram:
        """The samples recorded since ``older`` (a copy of this histogram taken earlier).

        ``min``/``max`` stay cumulative: merging them again is harmless.
        """
        d = Histogram()
        old = older.counts
        d.counts = {k: n - old.get(k, 0) for k, n in self.counts.items() if n != old.get(k, 0)}
        d.count = self.count - older.count
        d.sum = self.sum - older.sum
        d.min, d.max = self.min, self.max
        d.clamped = self.clamped - older.clamped
        return d

    def __repr__(self) -> str:
        return f"Histogram(count={self.count}, buckets={len(self.counts)})"
