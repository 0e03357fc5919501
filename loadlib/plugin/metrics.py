"""Hub module: metrics. Locust's events -> k6's built-in metrics in the registry; worker -> master deltas.

Built-ins (k6 names): ``http_reqs``, ``http_req_duration``, ``http_req_failed``
(tags: name, method, status, scenario, expected_response, plus error_kind on
failures: ``loadlib.faults.kinds.classify``, e.g. timeout, reset, http_5xx), ``iterations`` and ``iteration_duration`` (one task execution is one
iteration), ``vus``, ``vus_max``, ``data_sent`` (request body bytes),
``data_received`` (response body bytes), ``checks``, ``dropped_iterations``.
The timing breakdown ``http_req_blocked``/``connecting``/``tls_handshaking``/``sending``/``waiting``/
``receiving`` comes from ``loadlib.plugin.timings``; ``http_req_duration`` is Locust's response time minus
``http_req_blocked`` (k6's sending + waiting + receiving).
Exceptions escaping a task are logged by Locust, counted in ``script_errors``
(tag error_kind) and the user goes on, as k6 continues its iteration loop.

A request counts as failed when Locust marks it failed (an exception: 4xx/5xx,
network errors, or ``response.failure()`` with ``catch_response``); that is
k6's default (200-399 expected) but honours a user's explicit success/failure.
``expected_response`` is the negation of failed, so
``http_req_duration{expected_response:true}`` matches ``http_req_failed``.

Distributed: a worker ships ``registry.take_delta()`` in every
``report_to_master`` (and its last one at quit); the master merges them on
``worker_report``. ``vus``/``vus_max`` are sampled once a second on the master
(the sum of every worker's users) or the local runner. The master sends its
per-second tracking needs (rolling thresholds, timeline) and the
class -> scenario map to each worker that says hello after its init.

Test-only: ``LOADLIB_DEBUG_SNAPSHOT=path`` writes a JSON dump of the final
snapshot at quitting (master / local).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Mapping
from typing import Any, cast

from gevent import getcurrent

from loadlib.faults.kinds import classify
from loadlib.metrics import MetricType, Registry, ValueKind, current_registry, set_default_tags_provider
from loadlib.metrics.aggregate import MergedAggregate
from loadlib.metrics.snapshot import Snapshot, tagset
from loadlib.plugin import state, timings
from loadlib.plugin.handshake import hello_until_answered
from loadlib.results import TimelinePoint
from loadlib.shapes.progress import iteration_completed

log = logging.getLogger("loadlib")

DELTA_KEY = "loadlib_metrics"
CONFIG_MESSAGE = "loadlib_metrics_config"
HELLO_MESSAGE = "loadlib_metrics_hello"
TIMELINE_HORIZON_S = 40.0
FINAL_REPORT_WAIT_S = 10.0  # how long a quitting master waits for workers' final reports
SEAL_DELAY_LOCAL_S = 2  # a second is final once this many seconds have passed (local runner)
SEAL_DELAY_MASTER_S = 9  # workers report every 3 s; leave room for a late report
MASTER_WINDOW_LAG_S = 5.0  # mid-run windows on a master end here: one report interval (3 s) plus transit
TIMELINE_METRICS = ("http_req_failed", "http_req_duration")  # http_req_failed's total is the request count
SERIES_CACHE_MAX = 10_000  # distinct http tag sets whose recorders on_request keeps

BUILTINS: Mapping[str, tuple[MetricType, ValueKind]] = {
    "http_reqs": (MetricType.COUNTER, ValueKind.DEFAULT),
    "http_req_duration": (MetricType.TREND, ValueKind.TIME),
    "http_req_failed": (MetricType.RATE, ValueKind.DEFAULT),
    "iterations": (MetricType.COUNTER, ValueKind.DEFAULT),
    "iteration_duration": (MetricType.TREND, ValueKind.TIME),
    "vus": (MetricType.GAUGE, ValueKind.DEFAULT),
    "vus_max": (MetricType.GAUGE, ValueKind.DEFAULT),
    "data_sent": (MetricType.COUNTER, ValueKind.DATA),
    "data_received": (MetricType.COUNTER, ValueKind.DATA),
    "checks": (MetricType.RATE, ValueKind.DEFAULT),
    "dropped_iterations": (MetricType.COUNTER, ValueKind.DEFAULT),
    "script_errors": (MetricType.COUNTER, ValueKind.DEFAULT),  # loadlib's: exceptions escaping a task
    # k6's timing breakdown, measured in the clients by loadlib.plugin.timings; duration = sending+waiting+receiving
    **{name: (MetricType.TREND, ValueKind.TIME) for name in timings.NAMES},
}


class _Hub:
    """This module's per-process state (one run per process)."""

    def __init__(self) -> None:
        self.registry: Registry = current_registry()
        self.defs = {name: self.registry.define(name, t, c) for name, (t, c) in BUILTINS.items()}
        self.http_defs = tuple(self.defs[n] for n in
                               ("http_reqs", "http_req_duration", "http_req_failed", "data_received", "data_sent"))
        self.timing_defs = tuple(self.defs[n] for n in timings.NAMES)
        self.role = "local"
        self.scenario_of_class: dict[str, str] = {}
        self.default_scenario = "default"
        self.vus_by_sec: dict[int, tuple[int, int | None]] = {}
        self.next_sec: int | None = None
        self.vus_max = 0
        self.greenlets: list[Any] = []
        self.finished = False
        self.configured = False  # a worker got the master's config (see handshake)
        self.final_report: dict[str, bool] = {}  # master: worker -> its last delta came after its users stopped
        # The request hot path's caches (see on_request): recorders per distinct http tag set, per scenario.
        self.generation = -1  # the registry's generation the caches were built for
        self.http_series: dict[Any, tuple[Any, ...]] = {}
        self.received: dict[str, Any] = {}
        self.sent: dict[str, Any] = {}
        self.iteration_series: dict[str, tuple[Any, Any]] = {}


_HUB: _Hub | None = None


def hub() -> _Hub:
    global _HUB
    if _HUB is None:
        _HUB = _Hub()
    return _HUB


# -- public (end-of-run contract) ------------------------------------------------------------------------

def current_snapshot() -> Snapshot:
    """The merged truth so far (master / local): every metric, sub-metric and check."""
    h = hub()
    started = state.RUN.started_at
    end = state.RUN.ended_at or time.time()
    duration = max(0.0, end - started) if started else 0.0
    extra: dict[str, object] = {"workers": len(h.registry.sources), "flags": dict(h.registry.flags)}
    return h.registry.snapshot(duration_s=duration, extra=extra)


def window_snapshot(name: str, seconds: float, *, final: bool = False) -> Any:
    """``name`` over the last ``seconds`` (rolling thresholds); None for a metric not kept per second.

    Mid-run on a master the window ends a few seconds back, where every
    worker's report has arrived.
    """
    h = hub()
    if name not in h.registry.windowed:
        return None
    now = (state.RUN.ended_at or time.time()) if final else time.time()
    if not final and h.role == "master":
        now -= MASTER_WINDOW_LAG_S
    end = float(int(now) + 1) if final else now
    start = end - seconds
    if state.RUN.started_at:
        start = max(start, float(int(state.RUN.started_at)))
    return h.registry.window(name, start, end)


# -- scenario tag ------------------------------------------------------------------------------------------

def _scenario_map(profile: Any) -> tuple[dict[str, str], str]:
    out: dict[str, str] = {}
    default = "default"
    for s in getattr(profile, "scenarios", ()) or ():
        if s.exec:
            out.setdefault(s.exec, s.name)
        elif default == "default":
            default = s.name
    return out, default


def _scenario_of_current() -> str:
    """The scenario of the user running in this greenlet (cached on the greenlet)."""
    g = getcurrent()
    sc = getattr(g, "_loadlib_scenario", None)
    if sc is None:
        h = hub()
        sc = h.default_scenario
        from locust import User

        for a in getattr(g, "args", ()) or ():
            if isinstance(a, User):
                sc = h.scenario_of_class.get(type(a).__name__, h.default_scenario)
                break
        with contextlib.suppress(AttributeError):  # a greenlet type without __dict__: just don't cache
            g._loadlib_scenario = sc
    return sc


def _default_tags() -> dict[str, str]:
    return {"scenario": _scenario_of_current()}


# -- request event -> http metrics -------------------------------------------------------------------------

def _body_len(response: Any) -> int:
    req = getattr(response, "request", None)
    if req is None:
        return 0
    body = getattr(req, "body", None)  # requests' PreparedRequest (HttpUser)
    if body is None:
        body = getattr(req, "payload", None)  # geventhttpclient's CompatRequest (FastHttpUser)
    if isinstance(body, (bytes, bytearray, memoryview)):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    return 0


def _http_recorders(h: _Hub, tags: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
    """Recorders of one http tag set, in recording order: reqs, the six timings, duration, failed."""
    if len(h.http_series) >= SERIES_CACHE_MAX:  # per-request tag values (ids in context): don't grow forever
        h.http_series.clear()
    rec = h.registry.recorder
    reqs, duration, failed = h.http_defs[:3]
    return (rec(reqs, tags), *(rec(m, tags) for m in h.timing_defs), rec(duration, tags), rec(failed, tags))


def _sync_caches(h: _Hub) -> None:
    """Drop every cached recorder when the registry changed what ``add`` does (a window or tap was added)."""
    h.http_series.clear()
    h.received.clear()
    h.sent.clear()
    h.iteration_series.clear()
    h.generation = h.registry.generation


def on_request(request_type: str, name: str, response_time: float, response_length: int,
               response: Any = None, exception: Any = None, **_: Any) -> None:
    # The hot path: each distinct tag set's ten series are resolved once (``_http_recorders``) and
    # then recorded into directly; the same samples, series and order as ``registry.add`` per metric.
    h = _HUB or hub()
    if h.registry.generation != h.generation:
        _sync_caches(h)
    g = getcurrent()
    sc = getattr(g, "_loadlib_scenario", None) or _scenario_of_current()
    status = str(getattr(response, "status_code", None) or 0)
    context = _.get("context")
    if exception is None and not context:  # the success path: no tag tuple built once the key is known
        key: Any = (request_type, name, sc, status)
        recs = h.http_series.get(key)
        if recs is None:
            recs = h.http_series[key] = _http_recorders(h, (
                ("expected_response", "true"), ("method", request_type), ("name", name), ("scenario", sc),
                ("status", status)))
    else:
        if exception is None:
            tags: tuple[tuple[str, str], ...] = (
                ("expected_response", "true"), ("method", request_type), ("name", name), ("scenario", sc),
                ("status", status))
        else:
            tags = (("error_kind", classify(exception, response)), ("expected_response", "false"),
                    ("method", request_type), ("name", name), ("scenario", sc), ("status", status))
        if context:  # k6's per-request tags: scalar entries of the request's context (built-in tags win)
            extra = {str(k): str(v) for k, v in context.items() if isinstance(v, str | int | float | bool)}
            if extra:
                tags = tagset({**extra, **dict(tags)})
        recs = h.http_series.get(tags)
        if recs is None:
            recs = h.http_series[tags] = _http_recorders(h, tags)
    reqs, blocked_r, connecting_r, tls_r, sending_r, waiting_r, receiving_r, duration, failed = recs
    reqs(1.0)
    blocked, connecting, tls, sending, waiting, receiving = timings.phases(timings.take(g), response_time)
    blocked_r(blocked)  # the clients' stash for this request, consumed
    connecting_r(connecting)
    tls_r(tls)
    sending_r(sending)
    waiting_r(waiting)
    receiving_r(receiving)
    duration(float(response_time or 0.0) - blocked)  # k6: connection setup (blocked) is not in it
    failed(exception is not None)
    received = h.received.get(sc)
    if received is None:
        received = h.received[sc] = h.registry.recorder(h.http_defs[3], (("scenario", sc),))
    received(float(response_length or 0))
    n = _body_len(response)
    if n:
        sent = h.sent.get(sc)
        if sent is None:  # created on the first body only: no empty data_sent series for GET-only scenarios
            sent = h.sent[sc] = h.registry.recorder(h.http_defs[4], (("scenario", sc),))
        sent(float(n))


# -- iterations: one task execution is one iteration --------------------------------------------------------

def _patch_tasksets() -> None:
    from locust.exception import (
        InterruptTaskSet,
        RescheduleTask,
        RescheduleTaskImmediately,
        StopTest,
        StopUser,
    )
    from locust.user.task import DefaultTaskSet, TaskSet

    done_early = (RescheduleTask, RescheduleTaskImmediately, InterruptTaskSet)  # the task chose to end: complete
    stopped = (StopUser, StopTest)  # the user or test stops: an interrupted iteration, not counted (as k6)

    def wrap(original: Any) -> Any:
        if getattr(original, "_loadlib_wrapped", False):
            return original

        def execute_task(self: Any, task: Any) -> Any:
            if isinstance(task, type) and issubclass(task, TaskSet):
                return original(self, task)  # a nested TaskSet: its own tasks are the iterations
            start = time.perf_counter()
            try:
                result = original(self, task)
            except done_early:
                _record_iteration(start, None)
                raise
            except stopped:
                raise
            except Exception as exc:
                _record_iteration(start, exc)
                raise
            _record_iteration(start, None)
            return result

        execute_task._loadlib_wrapped = True  # type: ignore[attr-defined]
        return execute_task

    TaskSet.execute_task = wrap(TaskSet.execute_task)  # type: ignore[method-assign]
    DefaultTaskSet.execute_task = wrap(DefaultTaskSet.execute_task)  # type: ignore[method-assign]


def _record_iteration(start: float, exc: BaseException | None) -> None:
    h = _HUB or hub()
    if h.registry.generation != h.generation:
        _sync_caches(h)
    scenario = _scenario_of_current()
    recs = h.iteration_series.get(scenario)
    if recs is None:
        tags = (("scenario", scenario),)
        recs = h.iteration_series[scenario] = (h.registry.recorder(h.defs["iterations"], tags),
                                               h.registry.recorder(h.defs["iteration_duration"], tags))
    recs[0](1.0)
    iteration_completed(scenario)  # the iteration-count executors' progress (shapes), at once
    recs[1]((time.perf_counter() - start) * 1000.0)
    if exc is not None:
        h.registry.add(h.defs["script_errors"], 1.0, (("error_kind", type(exc).__name__), ("scenario", scenario)))


def on_user_error(user_instance: Any, exception: BaseException, tb: Any = None, **_: Any) -> None:
    """An exception that ends a user (``on_start``, or a task with ``catch_exceptions`` off) -> exit 107."""
    from locust import User

    env = state.RUN.environment
    ended_user = isinstance(user_instance, User) or (env is not None and not getattr(env, "catch_exceptions", True))
    if ended_user:
        state.RUN.script_exception = True
        hub().registry.flags["script_exception"] = True


# -- distribution -------------------------------------------------------------------------------------------

def on_report_to_master(client_id: str, data: dict[str, Any], **_: Any) -> None:
    delta = hub().registry.take_delta()
    runner = getattr(state.RUN.environment, "runner", None)
    # After the users stopped (Locust's "quit" -> stop() -> final report): the master checks it got one.
    delta["final"] = getattr(runner, "state", None) in ("stopping", "stopped")
    data[DELTA_KEY] = delta


def on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    delta = data.get(DELTA_KEY)
    if not delta:
        return
    try:
        hub().registry.merge_delta(delta, source=client_id)
    except Exception:  # one bad report must not take the master down; say so loudly
        log.exception("loadlib: could not merge metrics from worker %s", client_id)
        state.RUN.partial = True
        return
    hub().final_report[client_id] = bool(delta.get("final"))
    if delta.get("flags", {}).get("script_exception"):
        state.RUN.script_exception = True


def _patch_master_quit() -> None:
    """Make the master wait for every worker's final report before it stops listening.

    Locust's ``MasterRunner.quit`` sends "quit" to the workers, sleeps 0.5 s
    and kills its message loop; a busy worker's final report (its last <= 3 s
    of samples) can miss that window. This is the same method with the sleep
    replaced by "until every live worker said goodbye" (a worker sends its
    final report before its "quit", and the master drops it on that "quit"),
    bounded by ``FINAL_REPORT_WAIT_S``.
    """
    import gevent
    from locust.rpc import Message
    from locust.runners import STATE_MISSING, MasterRunner

    if getattr(MasterRunner.quit, "_loadlib_wrapped", False):
        return

    def quit(self: Any) -> None:
        self.stop(send_stop_to_client=False)
        for client in self.clients.all:
            self.server.send_to_client(Message("quit", None, client.id))
        deadline = time.monotonic() + FINAL_REPORT_WAIT_S
        while time.monotonic() < deadline and any(c.state != STATE_MISSING for c in self.clients.all):
            gevent.sleep(0.05)
        gevent.sleep(0.1)
        self.greenlet.kill(block=True)

    quit._loadlib_wrapped = True  # type: ignore[attr-defined]
    MasterRunner.quit = quit  # type: ignore[method-assign]


def _config_message() -> dict[str, Any]:
    h = hub()
    return {"windows": h.registry.windowed, "horizon_s": h.registry.horizon_s,
            "scenarios": h.scenario_of_class, "default_scenario": h.default_scenario}


def _on_hello(environment: Any, msg: Any, **_: Any) -> None:
    """A worker finished its init and asks what to keep per second (master side)."""
    environment.runner.send_message(CONFIG_MESSAGE, _config_message(), client_id=msg.node_id)


def _on_config(environment: Any, msg: Any, **_: Any) -> None:
    h = hub()
    h.configured = True
    data = msg.data or {}
    for name, keep in (data.get("windows") or {}).items():
        h.registry.track_window(name, float(data.get("horizon_s") or TIMELINE_HORIZON_S), bool(keep))
    if data.get("scenarios") is not None:
        h.scenario_of_class = dict(data["scenarios"])
        h.default_scenario = data.get("default_scenario") or "default"


# -- vus and the per-second timeline (master / local) ------------------------------------------------------

def _target_vus() -> int | None:
    t = state.RUN.extras.get("target_vus")
    if isinstance(t, Mapping):
        t = t.get("total")
    try:
        return None if t is None else int(t)
    except (TypeError, ValueError):
        return None


def _sample_vus(runner: Any) -> None:
    h = hub()
    users = int(getattr(runner, "user_count", 0) or 0)
    h.vus_max = max(h.vus_max, users, int(state.RUN.extras.get("vus_max") or 0))
    h.registry.add(h.defs["vus"], float(users))
    h.registry.add(h.defs["vus_max"], float(h.vus_max))
    h.vus_by_sec[int(time.time())] = (users, _target_vus())


def _point(sec: int) -> TimelinePoint:
    reg = hub().registry
    started = state.RUN.started_at or sec
    failed = reg.window("http_req_failed", sec, sec + 1)
    dur = reg.window("http_req_duration", sec, sec + 1)
    n = failed.select().stat("count") if failed is not None else 0.0
    err = failed.select().stat("rate") if failed is not None else 0.0
    p50 = p95 = p99 = None
    if dur is not None:
        agg = cast(MergedAggregate, dur.select())
        if not agg.empty:
            p50, p95, p99 = (agg.stats(("p(50)", "p(95)", "p(99)"))[k] for k in ("p(50)", "p(95)", "p(99)"))
    vus, target = hub().vus_by_sec.get(sec, (None, None))
    if vus is None:  # no sample landed in that exact second: the closest earlier one
        earlier = [s for s in hub().vus_by_sec if s < sec]
        vus, target = hub().vus_by_sec[max(earlier)] if earlier else (0, None)
    return TimelinePoint(elapsed_s=round(sec + 1 - started, 3), vus=int(vus or 0), rps=float(n), error_rate=err,
                         p50=p50, p95=p95, p99=p99, target_vus=target)


def seal_timeline(until_sec: int) -> None:
    """Append a ``TimelinePoint`` for every second before ``until_sec`` not yet in ``state.RUN.timeline``."""
    h = hub()
    if h.next_sec is None:
        if not state.RUN.started_at:
            return
        h.next_sec = int(state.RUN.started_at)
    while h.next_sec < until_sec:
        state.RUN.timeline.append(_point(h.next_sec))
        h.vus_by_sec = {s: v for s, v in h.vus_by_sec.items() if s >= h.next_sec - 5}
        h.next_sec += 1


def _ticker(runner: Any) -> None:
    import gevent

    delay = SEAL_DELAY_MASTER_S if hub().role == "master" else SEAL_DELAY_LOCAL_S
    while not hub().finished:
        try:
            _sample_vus(runner)
            seal_timeline(int(time.time()) - delay)
        except Exception:  # never let bookkeeping kill the run
            log.exception("loadlib: timeline sampling failed")
        gevent.sleep(1.0 - (time.time() % 1.0) + 0.01)  # just after each wall-clock second


# -- lifecycle ---------------------------------------------------------------------------------------------

def _role(environment: Any) -> str:
    from locust.runners import MasterRunner, WorkerRunner

    runner = environment.runner
    if isinstance(runner, MasterRunner):
        return "master"
    if isinstance(runner, WorkerRunner):
        return "worker"
    return "local"


def on_init(environment: Any, **_: Any) -> None:
    h = hub()
    state.RUN.registry = h.registry
    if state.RUN.environment is None:
        state.RUN.environment = environment
    h.role = _role(environment)
    h.scenario_of_class, h.default_scenario = _scenario_map(state.RUN.profile)
    if h.role != "worker":
        for name in TIMELINE_METRICS:
            h.registry.track_window(name, TIMELINE_HORIZON_S, keep_tags=False)
    if h.role == "worker":
        # Ask once our handler exists: a message sent on worker_connect could arrive before it.
        environment.runner.register_message(CONFIG_MESSAGE, _on_config)
        hello_until_answered(environment.runner, HELLO_MESSAGE, lambda: hub().configured)
    elif h.role == "master":
        environment.runner.register_message(HELLO_MESSAGE, _on_hello)
    # Registered now (after every hub module): quitting fires in reverse, so this runs before reports.
    environment.events.quitting.add_listener(_on_quitting)
    # gevent's loop caches "now"; importing the locustfile blocked it for a while, and Locust's
    # -t timer (spawn_later) would otherwise count that time and end the run early.
    import gevent

    gevent.get_hub().loop.update_now()


def on_test_start(environment: Any, **_: Any) -> None:
    import gevent

    h = hub()
    if state.RUN.started_at is None:
        state.RUN.started_at = time.time()
    if h.role == "worker" or h.greenlets:
        return
    h.greenlets.append(gevent.spawn(_ticker, environment.runner))


def _on_quitting(environment: Any, **_: Any) -> None:
    h = hub()
    if h.role == "worker" or h.finished:
        return
    h.finished = True
    if state.RUN.ended_at is None:
        state.RUN.ended_at = time.time()
    try:
        from locust import log as locust_log

        if locust_log.unhandled_greenlet_exception:
            # An event listener (e.g. a test_start "setup" hook) or a user greenlet died of an exception.
            state.RUN.script_exception = True
    except ImportError:  # pragma: no cover
        pass
    if h.registry.flags.get("script_exception"):
        state.RUN.script_exception = True
    late = sorted(w for w, final in h.final_report.items() if not final)
    if late:
        # Locust's master waits 0.5 s for workers' last reports; samples after their previous report are lost.
        state.RUN.partial = True
        state.RUN.notes.append(f"no final metrics report from {len(late)} worker(s) ({', '.join(late)}): "
                               "their last few seconds (at most one report interval, 3 s) are missing")
    try:
        if state.RUN.started_at:
            seal_timeline(int(state.RUN.ended_at) + 1)
    except Exception:
        log.exception("loadlib: could not finish the timeline")
    path = os.environ.get("LOADLIB_DEBUG_SNAPSHOT")
    if path:
        _debug_dump(path)


def _debug_dump(path: str) -> None:
    """Test-only: the final snapshot's numbers as JSON (every metric, every sub-metric by tag set)."""
    snap = current_snapshot()
    out: dict[str, Any] = {"duration_s": snap.duration_s, "metrics": {}, "series": {},
                           "checks": [[c.name, c.passes, c.fails] for c in snap.checks],
                           "timeline": [p.__dict__ | {"extra": dict(p.extra)} for p in state.RUN.timeline],
                           "script_exception": bool(state.RUN.script_exception), "flags": dict(hub().registry.flags),
                           "partial": bool(state.RUN.partial), "notes": list(state.RUN.notes),
                           "workers": sorted(hub().registry.sources)}
    stats = ("count", "avg", "min", "max", "med", "p(50)", "p(90)", "p(95)", "p(99)")
    for name, m in snap.metrics.items():
        agg = m.select()
        if m.type is MetricType.TREND:
            out["metrics"][name] = {"type": m.type.value, **agg.stats(stats)}  # type: ignore[attr-defined]
        else:
            out["metrics"][name] = {"type": m.type.value, **agg.summary()}
        out["series"][name] = [[dict(ts), (m.select(dict(ts)).stats(stats)  # type: ignore[attr-defined]
                                           if m.type is MetricType.TREND else m.select(dict(ts)).summary())]
                               for ts in m.series]
    try:
        from loadlib.plugin.thresholds import final_verdicts

        out["thresholds"] = [v.__dict__ for v in final_verdicts(snap)]
    except Exception:  # the dump is best effort
        log.exception("loadlib: debug dump could not judge thresholds")
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, default=str)
    os.replace(tmp, path)


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    hub()
    set_default_tags_provider(_default_tags)
    _patch_tasksets()
    _patch_master_quit()
    events.init.add_listener(on_init)
    events.test_start.add_listener(on_test_start)
    events.request.add_listener(on_request)
    events.user_error.add_listener(on_user_error)
    events.report_to_master.add_listener(on_report_to_master)
    events.worker_report.add_listener(on_worker_report)
