"""InfluxDB 1.x output (``--out influxdb=http://HOST:8086/DB``, as in k6): per-interval points, line protocol.

What is written: not every sample (that is what makes k6's InfluxDB output
expensive) but, once a second, one point per series that changed in that
interval, computed by diffing two snapshots of the merged registry
(``IntervalPoints``). Measurement = the metric name, tags = the series' tags,
timestamp = the end of the interval (ms precision). Fields:

=========  ==================================================================================
Counter    ``value`` (the interval's increase: ``sum("value")`` per bucket is a count, as k6),
           ``rate`` (per second over the interval), ``total`` (cumulative)
Gauge      ``value`` (the latest), written every interval
Rate       ``value`` (share of non-zero samples in the interval), ``passes``, ``fails``
Trend      ``count``, ``mean``, ``min``, ``max``, ``p50``, ``p90``, ``p95``, ``p99`` (ms for time
           metrics; percentiles of the interval's samples, from the HDR histogram delta)
=========  ==================================================================================

On a master, worker data arrives with each worker's report (every ~3 s), so
a point holds what reached the master in that second: ``sum()`` over any
range is exact, a single second's value is lumpy.

Delivery (``InfluxBuffer``): points wait in a bounded buffer of
``MAX_BUFFERED_POINTS`` (100,000) points and are posted in batches of up to
``BATCH_POINTS`` to ``/write?db=DB&precision=ms``. A failed post keeps the
batch and retries with exponential backoff (1 s doubling up to 10 s); past
the bound the *oldest* points are dropped and counted (``dropped``). Nothing
here blocks: the hub calls ``collect``/``send_due`` from a greenlet.

>>> target = parse_url("http://127.0.0.1:8086/k6")
>>> target.write_url
'http://127.0.0.1:8086/write?db=k6&precision=ms'
"""

from __future__ import annotations

import base64
import collections
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from loadlib.errors import ConfigError
from loadlib.metrics.snapshot import (
    CounterSeries,
    GaugeSeries,
    MetricType,
    RateSeries,
    Snapshot,
    TagSet,
    TrendSeries,
)

MAX_BUFFERED_POINTS = 100_000
BATCH_POINTS = 5_000
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 10.0
HTTP_TIMEOUT_S = 5.0
_EXPECTED = "http(s)://HOST:PORT/DATABASE, e.g. http://127.0.0.1:8086/k6"


@dataclass(frozen=True)
class InfluxTarget:
    base: str  # scheme://host:port
    db: str
    username: str | None = None
    password: str | None = None

    @property
    def write_url(self) -> str:
        return f"{self.base}/write?" + urllib.parse.urlencode({"db": self.db, "precision": "ms"})

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def headers(self) -> dict[str, str]:
        if self.username is None:
            return {}
        token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def __str__(self) -> str:  # never print credentials
        return f"{self.base}/{self.db}"


def parse_url(url: str) -> InfluxTarget:
    """``http://[user:pass@]HOST:PORT/DB`` -> ``InfluxTarget``; ``ConfigError`` (exit 104) otherwise."""
    u = urllib.parse.urlsplit(url.strip())
    if u.scheme not in ("http", "https"):
        raise ConfigError("--out", f"influxdb={url}", _EXPECTED, hint="the URL must start with http:// or https://")
    if not u.hostname:
        raise ConfigError("--out", f"influxdb={url}", _EXPECTED, hint="no host in the URL")
    try:
        port = u.port
    except ValueError:
        raise ConfigError("--out", f"influxdb={url}", _EXPECTED, hint="the port is not a number") from None
    db = u.path.strip("/")
    if not db or "/" in db:
        raise ConfigError("--out", f"influxdb={url}", _EXPECTED, hint="name one database as the URL's path")
    host = f"[{u.hostname}]" if ":" in u.hostname else u.hostname
    base = f"{u.scheme}://{host}" + (f":{port}" if port else "")
    return InfluxTarget(base, db, u.username, u.password)


# -- line protocol --------------------------------------------------------------------------------------

def _esc_key(s: str) -> str:
    return s.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ").replace("\n", "\\n")


def _esc_measurement(s: str) -> str:
    return s.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ").replace("\n", "\\n")


def _field(v: float | int | str | bool) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v}i"
    if isinstance(v, float):
        return repr(v) if v == v and v not in (float("inf"), float("-inf")) else "0.0"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def line(measurement: str, tags: Iterable[tuple[str, str]], fields: Mapping[str, float | int | str | bool],
         ts_ms: int) -> str:
    """One line-protocol point (tags sorted; empty tag values left out, as InfluxDB requires)."""
    head = _esc_measurement(measurement)
    for k, v in sorted(tags):
        if v != "":
            head += f",{_esc_key(k)}={_esc_key(v)}"
    body = ",".join(f"{_esc_key(k)}={_field(v)}" for k, v in fields.items())
    return f"{head} {body} {ts_ms}"


# -- per-interval points ------------------------------------------------------------------------------

class IntervalPoints:
    """Diffs successive snapshots into one point per changed series (see the module docstring)."""

    def __init__(self) -> None:
        self._prev: dict[tuple[str, TagSet], Any] = {}
        self._prev_at: float | None = None

    def points(self, snapshot: Snapshot, now: float | None = None) -> list[str]:
        now = snapshot.taken_at if now is None else now
        ts_ms = int(now * 1000)
        elapsed = max(1e-3, now - self._prev_at) if self._prev_at is not None else 1.0
        self._prev_at = now
        out: list[str] = []
        for name, m in snapshot.metrics.items():
            for tags, s in m.series.items():
                key = (name, tags)
                prev = self._prev.get(key)
                fields = _fields(m.type, s, prev, elapsed)
                if isinstance(s, TrendSeries):
                    self._prev[key] = s.dist
                elif isinstance(s, CounterSeries):
                    self._prev[key] = s.total
                elif isinstance(s, RateSeries):
                    self._prev[key] = (s.passes, s.total)
                if fields:
                    out.append(line(name, tags, fields, ts_ms))
        return out


def _fields(type_: MetricType, s: Any, prev: Any, elapsed: float) -> dict[str, float | int]:
    if isinstance(s, CounterSeries):
        d = s.total - (prev or 0.0)
        return {"value": float(d), "rate": d / elapsed, "total": float(s.total)} if d else {}
    if isinstance(s, GaugeSeries):
        return {"value": float(s.value)} if s.at else {}
    if isinstance(s, RateSeries):
        p0, t0 = prev or (0, 0)
        dp, dt = s.passes - p0, s.total - t0
        return {"value": dp / dt, "passes": int(dp), "fails": int(dt - dp)} if dt else {}
    if isinstance(s, TrendSeries):
        dist = s.dist
        if prev is not None and hasattr(dist, "minus"):
            if prev.count == dist.count:
                return {}
            dist = dist.minus(prev)
        if not dist.count:
            return {}
        p0, p50, p90, p95, p99, p100 = dist.percentiles((0, 50, 90, 95, 99, 100)) if hasattr(
            dist, "percentiles") else [dist.percentile(p) for p in (0, 50, 90, 95, 99, 100)]
        return {"count": int(dist.count), "mean": float(dist.mean), "min": float(p0), "max": float(p100),
                "p50": float(p50), "p90": float(p90), "p95": float(p95), "p99": float(p99)}
    return {}


# -- delivery -----------------------------------------------------------------------------------------

Post = Callable[[InfluxTarget, bytes], None]


def http_post(target: InfluxTarget, body: bytes) -> None:
    """POST line protocol to ``/write``; raises on anything but 2xx (urllib: gevent-friendly once patched)."""
    req = urllib.request.Request(target.write_url, data=body, method="POST",
                                 headers={"Content-Type": "text/plain; charset=utf-8", **target.headers()})
    with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_S) as r:
        if r.status // 100 != 2:
            raise OSError(f"InfluxDB answered {r.status}")


def create_database(target: InfluxTarget) -> None:
    """``CREATE DATABASE`` (idempotent in InfluxDB 1.x), as k6 does at start."""
    body = urllib.parse.urlencode({"q": f'CREATE DATABASE "{target.db}"'}).encode()
    req = urllib.request.Request(target.query_url, data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded", **target.headers()})
    with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_S) as r:
        r.read()


class InfluxBuffer:
    """Bounded FIFO of line-protocol points with batched, retried delivery."""

    def __init__(self, target: InfluxTarget, post: Post = http_post, *, max_points: int = MAX_BUFFERED_POINTS,
                 batch: int = BATCH_POINTS, clock: Callable[[], float] = time.monotonic) -> None:
        self.target = target
        self._post = post
        self._clock = clock
        self.max_points = max_points
        self.batch = batch
        self._queue: collections.deque[str] = collections.deque()
        self.sent = 0
        self.dropped = 0
        self.failures = 0  # failed posts (each retried)
        self.last_error: str | None = None
        self._backoff = 0.0
        self._next_try = 0.0

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def failing(self) -> bool:
        return self._backoff > 0

    def add(self, lines: Iterable[str]) -> None:
        q = self._queue
        for ln in lines:
            if len(q) >= self.max_points:
                q.popleft()  # keep the newest: a long outage loses its oldest points first
                self.dropped += 1
            q.append(ln)

    def send_due(self, *, force: bool = False) -> bool:
        """Post queued batches unless backing off; True when the queue is empty afterwards."""
        now = self._clock()
        if not force and now < self._next_try:
            return not self._queue
        while self._queue:
            n = min(self.batch, len(self._queue))
            chunk = [self._queue[i] for i in range(n)]
            try:
                self._post(self.target, ("\n".join(chunk) + "\n").encode("utf-8"))
            except Exception as exc:  # any transport failure (refused, reset, timeout, 5xx): keep and retry
                self.failures += 1
                self.last_error = str(getattr(exc, "reason", None) or exc)
                self._backoff = BACKOFF_START_S if not self._backoff else min(BACKOFF_MAX_S, self._backoff * 2)
                self._next_try = now + self._backoff
                return False
            for _ in range(n):
                self._queue.popleft()
            self.sent += n
            self._backoff = 0.0
        return True
