"""A total deadline for one request (k6's ``timeout``): connect + send + every byte of the body.

    with deadline(1.0):              # doctest: +SKIP
        self.client.get("/slow")     # a body still dripping after 1 s fails as error_kind=timeout

Locust's clients time out per socket operation (connect, each read), so a body
that drips one byte every half second never times out there. ``deadline``
raises ``RequestTimeout`` (a ``TimeoutError``, which both clients already treat
as a network failure and report as a failed request) at whatever point the
greenlet is blocked when the time is up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


class RequestTimeout(TimeoutError):
    """The request's total deadline passed (the ``timeout`` error kind)."""


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise ``RequestTimeout`` inside the block once ``seconds`` pass; None or <= 0: no deadline."""
    if not seconds or seconds <= 0:
        yield
        return
    import gevent

    timer = gevent.Timeout(seconds, RequestTimeout(f"request timed out after {seconds:g} s"))
    timer.start()
    try:
        yield
    finally:
        timer.close()
