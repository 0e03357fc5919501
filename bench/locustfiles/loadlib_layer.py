"""FastHttpUser with loadlib imported: every hub listener and metric on, the same user code.

Its CPU per request over ``locust_fast.py``'s is what loadlib's layer costs (target: <= 5%).
Payment checks go through ``loadlib.check`` when it exists, so the checks layer is measured too.
"""

from bench_work import build_user
from locust import FastHttpUser

import loadlib  # noqa: F401  (registers the hub: options, metrics, thresholds, reports)

try:
    from loadlib import check
except (ImportError, AttributeError):  # checks not landed yet: plain catch_response
    check = None

BenchUser = build_user(FastHttpUser, check)
