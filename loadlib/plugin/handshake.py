"""Worker -> master hello, repeated until the master answers.

A worker's init can finish before the master's: the master creates its runner
(and accepts workers) before its own ``init`` listeners run, and one of them
may take a while (the embedded sandbox starts in about a second). A message
that arrives before the master registered its handler is dropped by Locust
("Unknown message type"), so a single hello can be lost. The worker therefore
repeats the hello every ``interval`` seconds until ``answered()`` is true, for
at most ``timeout`` seconds; masters answer every hello idempotently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent

logger = logging.getLogger(__name__)


def hello_until_answered(runner: Any, message: str, answered: Callable[[], bool], *, data: Any = None,
                         interval: float = 0.5, timeout: float = 60.0) -> gevent.Greenlet:
    """Send ``message`` now and again every ``interval`` s until ``answered()`` (bounded by ``timeout``)."""

    def loop() -> None:
        waited = 0.0
        while not answered():
            if waited >= timeout:
                logger.warning("loadlib: the master did not answer %s within %.0f s", message, timeout)
                return
            try:
                runner.send_message(message, data)
            except Exception as exc:  # a closed connection at shutdown: nothing left to configure
                logger.debug("loadlib: could not send %s: %s", message, exc)
                return
            gevent.sleep(interval)
            waited += interval

    return gevent.spawn(loop)
