"""loadlib: k6's workloads, profiles, thresholds and reports on Locust.

A locustfile opts in with one import::

    from locust import task
    import loadlib
    from loadlib import FastUser, check, Trend

    payment_duration = Trend("payment_duration", time=True)

    class Payments(FastUser):
        @task
        def pay(self):
            r = self.client.post("/tribble/payments", json={...})
            check(r, {"status is 201": lambda r: r.status_code == 201})

Importing loadlib starts nothing and writes nothing. When Locust is already
imported (the ``locust`` command imports it before any locustfile), the import
registers loadlib's command-line options and event listeners with Locust.
The public names below are loaded on first use, so ``loadlib sandbox`` and the
sandbox process never import Locust (and never monkey-patch with gevent).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "LoadlibError": "loadlib.errors",
    "ConfigError": "loadlib.errors",
    "ProfileError": "loadlib.errors",
    "ThresholdSyntaxError": "loadlib.errors",
    "EnvironmentVariableError": "loadlib.errors",
    "SuiteError": "loadlib.errors",
    "ThresholdsFailed": "loadlib.errors",
    "RunInterrupted": "loadlib.errors",
    # profiles
    "Profile": "loadlib.profiles",
    "Scenario": "loadlib.profiles",
    "Stage": "loadlib.profiles",
    "load_profile": "loadlib.profiles",
    "parse_duration": "loadlib.profiles",
    "default_profile": "loadlib.profiles",
    # shapes
    "ProfileShape": "loadlib.shapes",
    # metrics + checks
    "Counter": "loadlib.metrics",
    "Gauge": "loadlib.metrics",
    "Rate": "loadlib.metrics",
    "Trend": "loadlib.metrics",
    "check": "loadlib.checks",
    # users
    "FastUser": "loadlib.users",
    "HttpUser": "loadlib.users",
    "env": "loadlib.users",
    # results
    "RunResult": "loadlib.results",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'loadlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if "locust" in sys.modules:
    # Run under the `locust` command (or after `import locust`): register the plugin.
    importlib.import_module("loadlib.plugin")
