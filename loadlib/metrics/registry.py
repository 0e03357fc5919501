"""The metric registry: one cell per (metric name, exact tag set), deltas for distribution.

A process records into its registry; a worker hands what it recorded since
the last hand-off to the master with ``take_delta()``; the master folds every
worker's deltas in with ``merge_delta()``. Because counters add, rates add
their passes and totals, histograms add bucket counts and gauges keep the
latest value (plus min/max), the master's registry equals that of one process
that recorded every sample.

Metrics named by rolling thresholds (and the timeline's request metrics) are
also kept per wall-clock second (``track_window``), so "the last minute" can
be answered exactly. Per-second cells are handed off whole with the delta.

>>> reg = Registry()
>>> dur = reg.define("http_req_duration", MetricType.TREND, ValueKind.TIME)
>>> reg.add(dur, 12.5, tagset({"status": "200"}))
>>> reg.snapshot(duration_s=1.0).metrics["http_req_duration"].select({"status": "200"}).stat("max")
12.5

Hot paths that record into the same few series over and over take a ``recorder(metric, tags)``
once and call it per sample (same effect as ``add``, without the per-sample lookups).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from loadlib.errors import ConfigError
from loadlib.metrics.histogram import Histogram
from loadlib.metrics.snapshot import (
    CheckSnapshot,
    CounterSeries,
    GaugeSeries,
    MetricSnapshot,
    MetricType,
    RateSeries,
    Series,
    Snapshot,
    TagSet,
    TrendSeries,
    ValueKind,
)

DELTA_VERSION = 1
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")  # k6's metric name rule


@dataclass(frozen=True)
class MetricDef:
    """A metric's identity: name, type and how its values display."""

    name: str
    type: MetricType
    contains: ValueKind = ValueKind.DEFAULT


# -- cells: the mutable per-series accumulators ------------------------------------------------------


class _Counter:
    __slots__ = ("total",)

    def __init__(self) -> None:
        self.total = 0.0

    def add(self, v: float) -> None:
        self.total += v

    def state(self) -> Any:
        return self.total

    def delta(self, shipped: Any) -> Any:
        return None if shipped == self.total else self.total - (shipped or 0.0)

    def merge(self, payload: Any) -> None:
        self.total += payload

    def freeze(self, tags: TagSet) -> Series:
        return CounterSeries(tags, self.total)


class _Rate:
    __slots__ = ("passes", "total")

    def __init__(self) -> None:
        self.passes = 0
        self.total = 0

    def add(self, v: float) -> None:
        self.total += 1
        if v:
            self.passes += 1

    def state(self) -> Any:
        return (self.passes, self.total)

    def delta(self, shipped: Any) -> Any:
        p, t = shipped or (0, 0)
        return None if t == self.total else [self.passes - p, self.total - t]

    def merge(self, payload: Any) -> None:
        self.passes += payload[0]
        self.total += payload[1]

    def freeze(self, tags: TagSet) -> Series:
        return RateSeries(tags, self.passes, self.total)


class _Gauge:
    __slots__ = ("value", "min", "max", "at")

    def __init__(self) -> None:
        self.value = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.at = 0.0

    def add(self, v: float) -> None:
        self.value = v
        if v < self.min:
            self.min = v
        if v > self.max:
            self.max = v
        self.at = time.time()

    def state(self) -> Any:
        return (self.value, self.min, self.max, self.at)

    def delta(self, shipped: Any) -> Any:
        now = self.state()
        return None if shipped == now else list(now)

    def merge(self, payload: Any) -> None:
        value, lo, hi, at = payload
        if at >= self.at:  # last writer wins, by the wall clock of the process that set it
            self.value, self.at = value, at
        self.min = min(self.min, lo)
        self.max = max(self.max, hi)

    def freeze(self, tags: TagSet) -> Series:
        if self.at == 0.0:
            return GaugeSeries(tags, 0.0, 0.0, 0.0, 0.0)
        return GaugeSeries(tags, self.value, self.min, self.max, self.at)


class _Trend(Histogram):
    __slots__ = ()

    add = Histogram.record

    def state(self) -> Any:
        return self.copy()

    def delta(self, shipped: Any) -> Any:
        if shipped is None:
            return self.encode() if self.count or self.clamped else None
        if shipped.count == self.count and shipped.clamped == self.clamped:
            return None
        return self.minus(shipped).encode()

    def merge(self, payload: Any) -> None:  # takes the wire form, unlike Histogram.merge
        Histogram.merge(self, Histogram.decode(payload))

    def freeze(self, tags: TagSet) -> Series:
        return TrendSeries(tags, self.copy())


_CELLS: dict[MetricType, type] = {
    MetricType.COUNTER: _Counter,
    MetricType.RATE: _Rate,
    MetricType.GAUGE: _Gauge,
    MetricType.TREND: _Trend,
}


class Registry:
    """Every series of every metric in this process (the merged truth on a master)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._defs: dict[str, MetricDef] = {}
        self._cells: dict[str, dict[TagSet, Any]] = {}
        self._shipped: dict[tuple[str, TagSet], Any] = {}
        self._windows: dict[str, bool] = {}  # metric -> keep its tags per second
        self._horizon_s = 0.0
        self._seconds: dict[int, dict[str, dict[TagSet, Any]]] = {}
        self.sources: set[str] = set()  # workers whose deltas were merged
        self.flags: dict[str, Any] = {}  # e.g. {"script_exception": True}, shipped with deltas
        self._taps: list[Callable[[MetricDef, float, TagSet], None]] = []
        # Bumped whenever what one ``add`` does for a series changes (windows, taps): recorders
        # handed out by ``recorder()`` are valid while it stays the same.
        self.generation = 0

    # -- definitions ---------------------------------------------------------------------------------

    def define(self, name: str, type_: MetricType, contains: ValueKind = ValueKind.DEFAULT) -> MetricDef:
        """Declare a metric (idempotent); a name reused with another type is a ``ConfigError``."""
        known = self._defs.get(name)
        if known is not None:
            if known.type is not type_:
                raise ConfigError(
                    f"metric {name!r}", type_.value, f"its existing type {known.type.value}",
                    hint="a metric name can have only one type; pick another name",
                )
            return known
        if not NAME_RE.match(name):
            raise ConfigError("metric name", name, "1-128 letters, digits or '_', not starting with a digit")
        d = MetricDef(name, type_, contains)
        self._defs[name] = d
        self._cells[name] = {}
        return d

    def definition(self, name: str) -> MetricDef | None:
        return self._defs.get(name)

    @property
    def definitions(self) -> Mapping[str, MetricDef]:
        return dict(self._defs)

    # -- recording (the hot path) --------------------------------------------------------------------

    def add(self, metric: MetricDef, value: float, tags: TagSet = ()) -> None:
        """Record one sample into the series of ``metric`` with exactly ``tags``."""
        name = metric.name
        try:
            cell = self._cells[name][tags]
        except KeyError:
            cell = self._new_cell(metric, tags)
        cell.add(value)
        if name in self._windows:
            self._add_second(int(self._clock()), metric, value, tags if self._windows[name] else ())
        if self._taps:
            for tap in self._taps:
                tap(metric, value, tags)

    def _new_cell(self, metric: MetricDef, tags: TagSet) -> Any:
        series = self._cells.get(metric.name)
        if series is None:
            metric = self.define(metric.name, metric.type, metric.contains)
            series = self._cells[metric.name]
        cell = series.get(tags)
        if cell is None:
            cell = series[tags] = _CELLS[metric.type]()
        return cell

    def recorder(self, metric: MetricDef, tags: TagSet = ()) -> Callable[[float], None]:
        """``add(metric, value, tags)`` for one series, with the lookups done once (the request hot path).

        The series is created now (as by a first ``add``). A recorder is valid while
        ``generation`` is unchanged: a new window or tap makes ``add`` do more, so holders
        (e.g. the metrics hub's per-tag-set cache) drop theirs when it moves.

        >>> reg = Registry()
        >>> reqs = reg.define("http_reqs", MetricType.COUNTER)
        >>> rec = reg.recorder(reqs, (("status", "200"),))
        >>> rec(1.0); rec(1.0)
        >>> reg.snapshot(duration_s=1.0).metrics["http_reqs"].select().stat("count")
        2.0
        """
        name = metric.name
        series = self._cells.get(name)
        cell = series.get(tags) if series is not None else None
        if cell is None:
            cell = self._new_cell(metric, tags)
        if self._taps or "add" in self.__dict__:  # per-sample outputs (or an instance-wrapped add): the full path
            add = self.add

            def tapped(value: float) -> None:
                add(metric, value, tags)

            return tapped
        if name not in self._windows:
            return cell.add  # type: ignore[no-any-return]
        cell_add = cell.add
        add_second = self._add_second
        clock = self._clock
        window_tags = tags if self._windows[name] else ()

        def windowed(value: float) -> None:
            cell_add(value)
            add_second(int(clock()), metric, value, window_tags)

        return windowed

    def add_tap(self, tap: Callable[[MetricDef, float, TagSet], None]) -> None:
        """Also hand every recorded sample to ``tap(metric, value, tags)`` (per-sample outputs)."""
        self._taps.append(tap)
        self.generation += 1

    def _add_second(self, sec: int, metric: MetricDef, value: float, tags: TagSet) -> None:
        bucket = self._seconds.get(sec)
        if bucket is None:
            bucket = self._seconds[sec] = {}
            self._prune(sec)
        try:
            cell = bucket[metric.name][tags]
        except KeyError:
            cell = bucket.setdefault(metric.name, {}).setdefault(tags, _CELLS[metric.type]())
        cell.add(value)

    # -- windows -------------------------------------------------------------------------------------

    def track_window(self, name: str, horizon_s: float, keep_tags: bool = True) -> None:
        """Also keep ``name`` per second for ``horizon_s`` seconds (rolling thresholds, timeline)."""
        self._windows[name] = self._windows.get(name, False) or keep_tags
        self._horizon_s = max(self._horizon_s, horizon_s)
        self.generation += 1

    @property
    def windowed(self) -> dict[str, bool]:
        """Metrics kept per second -> whether their tags are kept too."""
        return dict(self._windows)

    @property
    def horizon_s(self) -> float:
        return self._horizon_s

    def _prune(self, now_sec: int) -> None:
        oldest = now_sec - int(self._horizon_s) - 2
        for sec in [s for s in self._seconds if s < oldest]:
            del self._seconds[sec]

    def window(self, name: str, start: float, end: float) -> MetricSnapshot | None:
        """The metric over the wall-clock seconds ``start <= s < end`` (per-second data only)."""
        d = self._defs.get(name)
        if d is None:
            return None
        merged: dict[TagSet, Any] = {}
        for sec in range(int(start), int(math.ceil(end))):
            series = self._seconds.get(sec, {}).get(name)
            if not series:
                continue
            for tags, cell in series.items():
                acc = merged.get(tags)
                if acc is None:
                    acc = merged[tags] = _CELLS[d.type]()
                _fold(acc, cell)
        frozen = {tags: cell.freeze(tags) for tags, cell in merged.items()}
        return MetricSnapshot(d.name, d.type, d.contains, frozen, duration_s=max(0.0, end - start))

    # -- snapshots -----------------------------------------------------------------------------------

    def snapshot(self, duration_s: float, extra: Mapping[str, object] | None = None) -> Snapshot:
        """An immutable copy of everything recorded (or merged) so far."""
        metrics = {
            name: MetricSnapshot(d.name, d.type, d.contains,
                                 {tags: cell.freeze(tags) for tags, cell in self._cells[name].items()},
                                 duration_s=duration_s)
            for name, d in self._defs.items()
        }
        return Snapshot(taken_at=self._clock(), duration_s=duration_s, metrics=metrics,
                        checks=_checks(metrics.get("checks")), extra=dict(extra or {}))

    # -- distribution --------------------------------------------------------------------------------

    def take_delta(self) -> dict[str, Any]:
        """What changed since the last call, as plain dicts/lists (msgpack- and JSON-friendly).

        Per-second cells are handed off whole (this process stops holding them).
        """
        series = []
        for name, cells in self._cells.items():
            for tags, cell in cells.items():
                key = (name, tags)
                payload = cell.delta(self._shipped.get(key))
                if payload is not None:
                    series.append([name, [list(t) for t in tags], payload])
                    self._shipped[key] = cell.state()
        seconds = []
        for sec, bucket in self._seconds.items():
            for name, cells in bucket.items():
                for tags, cell in cells.items():
                    payload = cell.delta(None)
                    if payload is not None:
                        seconds.append([sec, name, [list(t) for t in tags], payload])
        self._seconds.clear()
        return {
            "v": DELTA_VERSION,
            "defs": [[d.name, d.type.value, d.contains.value] for d in self._defs.values()],
            "series": series,
            "seconds": seconds,
            "flags": dict(self.flags),
        }

    def merge_delta(self, delta: Mapping[str, Any], source: str | None = None) -> None:
        """Fold a delta from ``take_delta()`` (of another process) into this registry."""
        if delta.get("v") != DELTA_VERSION:
            raise ValueError(f"unsupported metrics delta version {delta.get('v')!r}")
        if source is not None:
            self.sources.add(source)
        for name, type_, contains in delta.get("defs", ()):
            self.define(name, MetricType(type_), ValueKind(contains))
        for name, tags, payload in delta.get("series", ()):
            d = self._defs[name]
            ts = _tags(tags)
            cells = self._cells[name]
            cell = cells.get(ts)
            if cell is None:
                cell = cells[ts] = _CELLS[d.type]()
            cell.merge(payload)
        now = int(self._clock())
        for sec, name, tags, payload in delta.get("seconds", ()):
            if name not in self._windows or sec < now - self._horizon_s - 2:
                continue
            d = self._defs[name]
            ts = _tags(tags) if self._windows[name] else ()
            bucket = self._seconds.setdefault(int(sec), {}).setdefault(name, {})
            cell = bucket.get(ts)
            if cell is None:
                cell = bucket[ts] = _CELLS[d.type]()
            cell.merge(payload)
        if self._seconds:
            self._prune(now)
        for k, v in (delta.get("flags") or {}).items():
            if v:
                self.flags[k] = v


def _tags(pairs: Any) -> TagSet:
    return tuple((str(k), str(v)) for k, v in pairs)


def _fold(acc: Any, cell: Any) -> None:
    """Merge one live cell into another of the same type."""
    if isinstance(cell, _Trend):
        Histogram.merge(acc, cell)
    elif isinstance(cell, _Counter):
        acc.total += cell.total
    elif isinstance(cell, _Rate):
        acc.passes += cell.passes
        acc.total += cell.total
    elif cell.at:
        acc.merge(list(cell.state()))


def _checks(metric: MetricSnapshot | None) -> tuple[CheckSnapshot, ...]:
    """Per-check pass/fail counts, from the ``checks`` rate's ``check`` tag (first-seen order)."""
    if metric is None:
        return ()
    names: dict[str, None] = {}
    for tags in metric.series:
        for k, v in tags:
            if k == "check":
                names.setdefault(v, None)
    out = []
    for name in names:
        agg = metric.select({"check": name})
        passes = int(agg.stat("passes"))
        out.append(CheckSnapshot(name=name, path=f"::{name}", passes=passes, fails=int(agg.stat("count")) - passes))
    return tuple(out)
