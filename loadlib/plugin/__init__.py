"""The hub: the one place that wires Locust's events to loadlib's parts.

Importing this module registers listeners on ``locust.events`` once. Each
submodule owns one concern and registers its own listeners through
``register(events)``; the parts (profiles, metrics, thresholds, outputs, ...)
never reach around the hub to each other. Shared run state lives in
``loadlib.plugin.state`` alone.
"""

from __future__ import annotations

import locust  # noqa: F401  (gevent monkey-patching happens before anything else)
from locust import events

from loadlib.plugin import state

_MODULES = (
    "options",  # command-line options (--load-profile, --stage, --time-scale, reports, ...)
    "config",  # validate everything at init, before any user is spawned (exit 104)
    "sandbox",  # start the embedded sandbox when no --host is given
    "shape",  # install the profile-driven LoadTestShape
    "arrival",  # open-model arrival-rate executors
    "cluster",  # master/worker: lost workers logged, users rebalanced, run marked partial
    "metrics",  # request/user events -> registry; worker -> master deltas
    "timings",  # k6's http_req_blocked/connecting/tls_handshaking/sending/waiting/receiving, measured in the clients
    "faults",  # request timeouts, short bodies, error kinds' helpers, secrets redacted from logs/errors
    "thresholds",  # evaluation every 2 s, abortOnFail, exit codes
    "workload",  # workload environment variables, validated before traffic
    "efficiency",  # generator CPU watch: warn when latencies stop being trustworthy
    "reports",  # end-of-run summary and every report/output file
    "live",  # Prometheus exporter, InfluxDB, web UI tab
)


def _register() -> None:
    if state.REGISTERED:
        return
    state.REGISTERED = True
    import importlib

    for name in _MODULES:
        module = importlib.import_module(f"loadlib.plugin.{name}")
        module.register(events)


_register()
