"""Global state department for arrival: the process's running ``ArrivalRuntime`` (one run per process).

Set by the hub at ``init``; read by ``current_iteration()`` so other parts can
tag samples with the scenario of the iteration a greenlet is running.
"""

from __future__ import annotations

import sys
from typing import Any

_RUNTIME: Any = None  # loadlib.arrival.runtime.ArrivalRuntime


def set_runtime(runtime: Any) -> None:
    global _RUNTIME
    _RUNTIME = runtime


def get_runtime() -> Any:
    return _RUNTIME


def current_iteration() -> Any:
    """The arrival-rate iteration the calling greenlet runs (``.scenario``, ``.scheduled``, ``.lag_ms``), or None.

    >>> current_iteration() is None   # outside an arrival-rate iteration
    True
    """
    if _RUNTIME is None or "gevent" not in sys.modules:
        return None
    import gevent

    return _RUNTIME.current(gevent.getcurrent())
