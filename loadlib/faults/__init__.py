"""Faults and hostile targets: error kinds, request deadlines, a fault-injecting target.

    from loadlib.faults import classify, ERROR_KINDS, deadline
    from loadlib.faults.target import FaultTarget     # tests: one path per fault

``classify(exception, response)`` names why a request failed (``error_kind``);
``deadline(seconds)`` bounds a request's total time (k6's ``timeout``).
Nothing here imports Locust or gevent at import time.
"""

from __future__ import annotations

from loadlib.faults.deadline import RequestTimeout, deadline
from loadlib.faults.kinds import ERROR_KINDS, classify

__all__ = ["ERROR_KINDS", "RequestTimeout", "classify", "deadline"]
