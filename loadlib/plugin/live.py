"""Hub module: live. What people watch while a run goes: Prometheus, InfluxDB, the web UI tabs.

Options (argparse group "loadlib live")::

    --prometheus-port N     serve the merged registry at http://HOST:N/metrics (0: a free port,
                            logged); default off. The web UI serves it too at /loadlib/metrics.
    --prometheus-host ADDR  bind address of that server (default 127.0.0.1; 0.0.0.0 in containers)

``--out influxdb=URL`` (parsed by ``plugin.reports``) is validated here at
``init`` and written from one greenlet every ``INFLUX_INTERVAL_S``: per-interval
aggregates (``loadlib.outputs.influxdb``), a bounded buffer, retries with
backoff; an unreachable InfluxDB is a warning and a note in the summary,
never a failed run.

Everything runs on the master or the local runner (the merged truth);
workers do nothing here. ``live_state()`` is the body of ``/loadlib/state``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from loadlib.errors import ConfigError, LoadlibError
from loadlib.plugin import state
from loadlib.plugin.failure import abort_config

log = logging.getLogger("loadlib.live")

INFLUX_INTERVAL_S = 1.0
FINAL_FLUSH_S = 5.0  # at the end, how long to keep trying to deliver what is buffered
VERDICT_CACHE_S = 1.0
CREATE_RETRY_S = 5.0  # CREATE DATABASE until it succeeds once (k6 does it at start)
_EXTRA = "live"


@dataclass
class _Live:
    role: str = "local"
    prometheus_server: Any = None
    prometheus_url: str | None = None
    influx: list[Any] = field(default_factory=list)  # InfluxBuffer per target
    interval: Any = None  # IntervalPoints
    influx_greenlet: Any = None
    influx_done: bool = False
    verdicts: tuple[Any, ...] = ()
    verdicts_at: float = 0.0
    process: Any = None  # psutil.Process of this process (CPU % between scrapes)


def _live() -> _Live:
    lv = state.RUN.extras.get(_EXTRA)
    if lv is None:
        lv = state.RUN.extras[_EXTRA] = _Live()
    return lv


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("loadlib live", "Prometheus exporter, InfluxDB output, web UI tabs")
    group.add_argument("--prometheus-port", dest="prometheus_port", metavar="N", default=None,
                       env_var="LOCUST_PROMETHEUS_PORT",
                       help="Serve the merged metrics for Prometheus at http://HOST:N/metrics (master or "
                            "local runner; 0 = a free port, logged). Default: off (the web UI still serves "
                            "/loadlib/metrics).")
    group.add_argument("--prometheus-host", dest="prometheus_host", metavar="ADDR", default="127.0.0.1",
                       env_var="LOCUST_PROMETHEUS_HOST",
                       help="Bind address of the Prometheus endpoint. Default 127.0.0.1; use 0.0.0.0 in a "
                            "container.")


# -- the live view -------------------------------------------------------------------------------------

def _role(environment: Any) -> str:
    from locust.runners import MasterRunner, WorkerRunner

    runner = getattr(environment, "runner", None)
    if isinstance(runner, WorkerRunner):
        return "worker"
    if isinstance(runner, MasterRunner):
        return "master"
    return "local"


def _snapshot() -> Any:
    from loadlib.plugin.metrics import current_snapshot

    return current_snapshot()


def live_verdicts(snapshot: Any) -> tuple[Any, ...]:
    """Thresholds judged on ``snapshot`` now (cached ~1 s: scrapes and UI polls share it)."""
    lv = _live()
    now = time.monotonic()
    if now - lv.verdicts_at < VERDICT_CACHE_S:
        return lv.verdicts
    ts = state.RUN.thresholds
    if ts is None or not getattr(ts, "thresholds", ()):
        return ()
    from loadlib.plugin.metrics import window_snapshot
    from loadlib.thresholds import evaluate

    try:
        lv.verdicts = tuple(evaluate(ts, snapshot, lambda name, s: window_snapshot(name, s)))
    except Exception:  # a live view must never break the run
        log.exception("loadlib: live threshold evaluation failed")
    lv.verdicts_at = now
    return lv.verdicts


def run_info() -> dict[str, object]:
    profile = state.RUN.profile
    env = state.RUN.environment
    options = getattr(env, "parsed_options", None)
    locustfile = str(getattr(options, "locustfile", "") or "")
    from pathlib import Path

    return {"test": Path(locustfile.split(",")[0]).stem if locustfile else "",
            "profile": getattr(profile, "name", None) or "", "role": _live().role,
            "partial": bool(state.RUN.partial), "usage": generator_usage(getattr(env, "runner", None))}


def generator_usage(runner: Any) -> list[tuple[str, float, float]]:
    """(process, CPU %, RSS bytes) of this process (measured now) and, on a master, each worker.

    Workers' numbers come with Locust's heartbeats and are refreshed only every
    10 s (``CPU_MONITOR_INTERVAL``): 0 during a worker's first 10 s.
    """
    if runner is None:
        return []
    lv = _live()
    try:
        if lv.process is None:
            import psutil

            lv.process = psutil.Process()
            lv.process.cpu_percent(None)  # starts psutil's clock; the next call measures since now
        out = [(lv.role, float(lv.process.cpu_percent(None)), float(lv.process.memory_info().rss))]
    except Exception:  # psutil missing or /proc unreadable: Locust's own numbers
        out = [(lv.role, float(getattr(runner, "current_cpu_usage", 0.0) or 0.0),
                float(getattr(runner, "current_memory_usage", 0) or 0))]
    clients = getattr(runner, "clients", None)
    if clients is not None:
        for node in list(clients.values()):
            out.append((f"worker-{runner.get_worker_index(node.id)}", float(node.cpu_usage or 0),
                        float(node.memory_usage or 0)))
    return out


def prometheus_source() -> tuple[Any, tuple[Any, ...], dict[str, object]]:
    snap = _snapshot()
    return snap, live_verdicts(snap), run_info()


def _fmt(x: float | None) -> str:
    if x is None:
        return "no data"
    return f"{x:.4g}" if abs(x) < 1e6 else f"{x:.0f}"


def live_state() -> dict[str, Any]:
    """The ``/loadlib/state`` body: thresholds with observed values, checks, custom metrics, run facts."""
    from loadlib.metrics.snapshot import MetricType
    from loadlib.plugin.metrics import BUILTINS

    snap = _snapshot()
    thresholds = [{"metric": v.metric, "threshold": v.expression, "ok": bool(v.ok), "observed": v.observed,
                   "aggregation": v.aggregation, "abort_on_fail": bool(v.abort_on_fail),
                   "observed_text": f"{v.aggregation}={_fmt(v.observed)}"}
                  for v in live_verdicts(snap)]
    checks = [{"name": c.name, "passes": c.passes, "fails": c.fails,
               "rate": c.passes / (c.passes + c.fails) if c.passes + c.fails else 0.0} for c in snap.checks]
    metrics = []
    for name in sorted(snap.metrics):
        if name in BUILTINS:
            continue
        m = snap.metrics[name]
        agg = m.select()
        values = (agg.stats(("avg", "min", "med", "max", "p(90)", "p(95)"))
                  if m.type is MetricType.TREND else dict(agg.summary()))
        metrics.append({"name": name, "type": m.type.value, "values": values,
                        "values_text": " ".join(f"{k}={_fmt(v)}" for k, v in values.items())})
    started = state.RUN.started_at
    return {"thresholds": thresholds, "checks": checks, "metrics": metrics,
            "run": {"elapsed_s": (time.time() - started) if started else 0.0,
                    "workers": int(snap.extra.get("workers") or 0), "partial": bool(state.RUN.partial),
                    "notes": list(state.RUN.notes), "prometheus": _live().prometheus_url}}


# -- Prometheus ------------------------------------------------------------------------------------------

def _collector_registry() -> Any:
    from prometheus_client import CollectorRegistry

    from loadlib.outputs.prometheus import SnapshotCollector

    reg = CollectorRegistry(auto_describe=False)
    reg.register(SnapshotCollector(prometheus_source))
    return reg


def parse_port(value: Any) -> int | None:
    """``--prometheus-port``: None (off) or 0..65535; ``ConfigError`` otherwise."""
    if value is None or str(value).strip() == "":
        return None
    try:
        port = int(str(value).strip())
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ConfigError("--prometheus-port", value, "a port number 0..65535 (0 = any free port)")
    return port


def start_prometheus(host: str, port: int) -> tuple[Any, str]:
    """Serve ``/metrics`` from a gevent WSGI server; returns (server, URL)."""
    from gevent.pywsgi import WSGIServer
    from prometheus_client import make_wsgi_app

    app = make_wsgi_app(_collector_registry())
    server = WSGIServer((host, port), app, log=None, error_log=log)
    server.start()
    bound = server.address[1] if isinstance(server.address, tuple) else port
    shown = f"[{host}]" if ":" in host else host
    return server, f"http://{shown}:{bound}/metrics"


# -- InfluxDB --------------------------------------------------------------------------------------------

def _influx_tick(lv: _Live, *, force: bool = False) -> None:
    lines = lv.interval.points(_snapshot(), time.time())
    for buf in lv.influx:
        buf.add(lines)
        was_failing = buf.failing
        buf.send_due(force=force)
        if buf.failing and not was_failing:
            log.warning("loadlib: InfluxDB %s unreachable (%s): keeping up to %d points, retrying with backoff",
                        buf.target, buf.last_error, buf.max_points)
        elif was_failing and not buf.failing:
            log.info("loadlib: InfluxDB %s reachable again; delivered the buffered points", buf.target)


def _influx_loop(lv: _Live) -> None:
    import gevent

    from loadlib.outputs.influxdb import create_database

    pending = list(lv.influx)
    next_create = 0.0
    while not lv.influx_done:
        if pending and time.monotonic() >= next_create:
            next_create = time.monotonic() + CREATE_RETRY_S
            for buf in list(pending):
                try:
                    create_database(buf.target)
                    pending.remove(buf)
                except Exception:  # not up yet: writes retry on their own; CREATE again later
                    pass
        try:
            _influx_tick(lv)
        except Exception:
            log.exception("loadlib: InfluxDB output failed this interval")
        gevent.sleep(INFLUX_INTERVAL_S)


def _influx_finish(lv: _Live) -> None:
    """Last interval, a bounded final delivery, and a note for anything not delivered."""
    import gevent

    if not lv.influx or lv.influx_done:
        return
    lv.influx_done = True
    if lv.influx_greenlet is not None:
        lv.influx_greenlet.kill(block=True, timeout=2)
    deadline = time.monotonic() + FINAL_FLUSH_S
    try:
        _influx_tick(lv, force=True)
        while any(len(b) for b in lv.influx) and time.monotonic() < deadline:
            gevent.sleep(0.5)
            for b in lv.influx:
                b.send_due(force=True)
    except Exception:
        log.exception("loadlib: final InfluxDB delivery failed")
    for b in lv.influx:
        lost = len(b) + b.dropped
        if lost:
            msg = (f"InfluxDB {b.target}: {lost} points not delivered ({b.dropped} dropped past the "
                   f"{b.max_points}-point buffer, {len(b)} still queued at the end; last error: {b.last_error})")
            log.warning("loadlib: %s", msg)
            state.RUN.notes.append(msg)
        else:
            log.info("loadlib: InfluxDB %s: %d points written", b.target, b.sent)


# -- lifecycle -------------------------------------------------------------------------------------------

def on_init(environment: Any, web_ui: Any = None, **_: Any) -> None:
    lv = _live()
    lv.role = _role(environment)
    options = environment.parsed_options
    if lv.role == "worker" or options is None:
        return
    from loadlib.outputs.influxdb import InfluxBuffer, IntervalPoints, parse_url
    from loadlib.plugin.reports import influxdb_targets

    try:
        port = parse_port(getattr(options, "prometheus_port", None))
        targets = [parse_url(u) for u in influxdb_targets()]
    except LoadlibError as exc:
        abort_config(exc)
    if port is not None:
        host = getattr(options, "prometheus_host", None) or "127.0.0.1"
        try:
            lv.prometheus_server, lv.prometheus_url = start_prometheus(host, port)
        except OSError as exc:
            abort_config(ConfigError("--prometheus-port", port, "a free port on " + host, hint=str(exc)))
        log.info("loadlib: Prometheus metrics at %s", lv.prometheus_url)
    if targets:
        lv.influx = [InfluxBuffer(t) for t in targets]
        lv.interval = IntervalPoints()
        for t in targets:
            log.info("loadlib: writing per-second aggregates to InfluxDB %s", t)
    if web_ui is None:
        web_ui = getattr(environment, "web_ui", None)
    if web_ui is not None:
        from prometheus_client import generate_latest

        from loadlib.webui import mount

        registry = _collector_registry()
        mount(web_ui, live_state, lambda: generate_latest(registry))
    # Registered now, after every hub module's import-time listeners: quitting fires in reverse
    # order, so the InfluxDB note lands in state.RUN.notes before reports builds the result.
    environment.events.quitting.add_listener(_on_quitting)


def on_test_start(environment: Any, **_: Any) -> None:
    import gevent

    lv = _live()
    if lv.role == "worker" or not lv.influx or lv.influx_greenlet is not None:
        return
    lv.influx_greenlet = gevent.spawn(_influx_loop, lv)


def _on_quitting(environment: Any, **_: Any) -> None:
    lv = _live()
    _influx_finish(lv)


def on_quit(**_: Any) -> None:
    lv = _live()
    if lv.prometheus_server is not None:
        lv.prometheus_server.stop(timeout=1)
        lv.prometheus_server = None


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init_command_line_parser.add_listener(add_arguments)
    events.init.add_listener(on_init)
    events.test_start.add_listener(on_test_start)
    events.quit.add_listener(on_quit)
