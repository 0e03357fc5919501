"""Rate limiters the seed systems enforce: a sliding one-minute window and a token bucket.

Both take an injectable monotonic clock so tests can move time instead of sleeping.

    limiter = SlidingWindow(limit=10, window_s=60)
    allowed, retry_after = limiter.hit("127.0.0.1")
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class SlidingWindow:
    """At most ``limit`` hits per key in any ``window_s`` seconds (a sliding log, so no boundary bursts)."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._last_sweep = clock()

    def hit(self, key: str) -> tuple[bool, int]:
        """Count one hit (a refused one is not counted); return (allowed, seconds until one frees up)."""
        now = self.clock()
        horizon = now - self.window_s
        if now - self._last_sweep > self.window_s:  # forget idle keys so memory stays bounded
            self._hits = {k: q for k, q in self._hits.items() if q and q[-1] > horizon}
            self._last_sweep = now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= horizon:
            hits.popleft()
        if len(hits) >= self.limit:
            return False, max(1, math.ceil(hits[0] + self.window_s - now))
        hits.append(now)
        return True, 0


class TokenBucket:
    """``rate`` tokens per second, holding at most ``capacity`` (default: one second's worth)."""

    def __init__(self, rate: float, capacity: float | None = None, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self.clock = clock
        self._tokens = self.capacity
        self._last = clock()

    def take(self) -> bool:
        now = self.clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
