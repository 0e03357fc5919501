"""Rate limiters the seed systems enforce: fixed one-minute windows and a token bucket.

Both take an injectable monotonic clock so tests can move time instead of sleeping.

    limiter = FixedWindow(limit=10, window_s=60)
    allowed, retry_after = limiter.hit("127.0.0.1")
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

Clock = Callable[[], float]


class FixedWindow:
    """At most ``limit`` hits per key in each ``window_s``-second window."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window index, hits)

    def hit(self, key: str) -> tuple[bool, int]:
        """Count one hit; return (allowed, seconds until the window resets)."""
        now = self.clock()
        window = int(now // self.window_s)
        index, count = self._counts.get(key, (window, 0))
        if index != window:
            count = 0
            if len(self._counts) > 100_000:  # forget old windows so memory stays bounded
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        count += 1
        self._counts[key] = (window, count)
        retry_after = max(1, math.ceil((window + 1) * self.window_s - now))
        return count <= self.limit, retry_after


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
