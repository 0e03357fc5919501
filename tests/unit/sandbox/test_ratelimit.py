"""Rate limiters with a fake clock: sliding windows and the admission token bucket."""

from __future__ import annotations

from loadlib.sandbox.ratelimit import SlidingWindow, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_allows_limit_then_refuses_until_the_oldest_hit_expires():
    clock = Clock()
    limiter = SlidingWindow(3, 60, clock=clock)
    assert [limiter.hit("ip")[0] for _ in range(3)] == [True, True, True]
    clock.now += 20
    allowed, retry_after = limiter.hit("ip")
    assert not allowed and retry_after == 40
    assert limiter.hit("other")[0]  # keys are independent
    clock.now += 40  # the three hits at t=1000 leave the window
    assert [limiter.hit("ip")[0] for _ in range(4)] == [True, True, True, False]


def test_sliding_window_has_no_boundary_burst():
    clock = Clock()
    limiter = SlidingWindow(10, 60, clock=clock)
    clock.now = 59.9
    assert all(limiter.hit("k")[0] for _ in range(10))
    clock.now = 60.1  # a fixed window would reset here
    assert not limiter.hit("k")[0]


def test_sliding_window_forgets_idle_keys():
    clock = Clock()
    limiter = SlidingWindow(1, 60, clock=clock)
    for i in range(100):
        limiter.hit(f"ip{i}")
    clock.now += 61
    limiter.hit("new")
    assert set(limiter._hits) == {"new"}


def test_token_bucket_rate_and_burst():
    clock = Clock()
    bucket = TokenBucket(5, clock=clock)
    assert [bucket.take() for _ in range(7)] == [True] * 5 + [False] * 2
    clock.now += 0.2  # one token back at 5/s
    assert bucket.take() and not bucket.take()
    clock.now += 10  # never more than the capacity
    assert sum(bucket.take() for _ in range(10)) == 5
