"""Hub module: arrival. Runs the profile's constant-/ramping-arrival-rate scenarios on Locust users.

Local runner: at ``init`` the scenarios' user classes get the arrival run
loop (``loadlib.arrival.user``); ``test_start`` starts the schedule.

Master + workers: the master owns the profile and the clock. A worker asks
for the scenarios at ``init`` (``loadlib_arrival_hello`` ->
``loadlib_arrival_config``), and gets ``loadlib_arrival_split`` messages
carrying the test's start instant and its ``(index, count)``: at
``test_start``, and again whenever the set of live workers changes (Locust
has no worker-count API, locust #1744). Workers report their cumulative
executor numbers on Locust's ``report_to_master``; iteration metrics go to
each worker's registry and reach the master as registry deltas.

At the end (master/local) one line per scenario and any sizing advice are
logged and added to the run's notes; the web UI gets ``/loadlib/arrival``
and an "Arrival rate" tab.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from loadlib.errors import ProfileError
from loadlib.plugin import state
from loadlib.plugin.failure import abort_config

log = logging.getLogger("loadlib.arrival")

HELLO, CONFIG, SPLIT = "loadlib_arrival_hello", "loadlib_arrival_config", "loadlib_arrival_split"
REPORT_KEY = "loadlib_arrival"
MEMBERSHIP_POLL_S = 0.5
SILENT_S = 3.0  # Locust workers send a heartbeat every second; a busy one may skip two
HELLO_RETRY_S = 1.0


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("loadlib arrival rate", "open-model (constant-/ramping-arrival-rate) scenarios")
    group.add_argument(
        "--latency-from-schedule",
        dest="latency_from_schedule",
        action="store_true",
        default=False,
        env_var="LOCUST_LATENCY_FROM_SCHEDULE",
        help="Also record http_req_duration_corrected: each request's duration measured from its "
        "iteration's scheduled start (coordinated-omission corrected). Starts that find every VU busy "
        "wait for one (up to gracefulStop) instead of being dropped at once.",
    )


@dataclass
class _Ctx:
    """This module's slice of the run context (``state.RUN.extras["arrival"]``)."""

    role: str
    scenarios: dict[str, Any] = field(default_factory=dict)  # name -> Scenario
    runtime: Any = None  # ArrivalRuntime (local / worker)
    t0_wall: float | None = None  # master: the running test's start
    members: tuple[str, ...] = ()
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # worker id -> scenario -> report
    splits: list[tuple[float, Any]] = field(default_factory=list)  # worker: (t0, Assignment) received
    poller: Any = None
    summarized: bool = False
    warned: set[str] = field(default_factory=set)  # master: scenarios whose drops were announced
    heard: dict[str, float] = field(default_factory=dict)  # master: worker id -> last heartbeat (monotonic)


def _role(runner: Any) -> str:
    from locust.runners import MasterRunner, WorkerRunner

    if isinstance(runner, MasterRunner):
        return "master"
    if isinstance(runner, WorkerRunner):
        return "worker"
    return "local"


def resolve_classes(scenarios: list[Any], user_classes: list[type], source: str) -> dict[str, list[str]]:
    """Scenario name -> the user classes whose users serve as its VUs (``exec``, else every class)."""
    names = [c.__name__ for c in user_classes]
    out: dict[str, list[str]] = {}
    for s in scenarios:
        if s.exec is None:
            out[s.name] = names
        elif s.exec in names:
            out[s.name] = [s.exec]
        else:  # plugin.config checks this too; a worker-less library run may skip it
            raise ProfileError(f"scenarios.{s.name}.exec", s.exec,
                               f"a user class of this locustfile ({', '.join(sorted(names)) or 'none'})",
                               source=source)
    return out


# -- init ------------------------------------------------------------------------------------------------


def on_init(environment: Any, runner: Any = None, web_ui: Any = None, **_kw: Any) -> None:
    runner = runner or environment.runner
    if runner is None:
        return
    role = _role(runner)
    ctx = _Ctx(role)
    state.RUN.extras["arrival"] = ctx
    if role == "worker":
        _init_worker(environment, runner, ctx)
        return
    profile = state.RUN.profile
    scenarios = [s for s in (profile.scenarios if profile else ()) if s.is_arrival_rate]
    ctx.scenarios = {s.name: s for s in scenarios}
    try:
        classes = resolve_classes(scenarios, environment.user_classes, profile.source if profile else "")
    except ProfileError as exc:
        abort_config(exc)
    if role == "master":
        _init_master(environment, runner, ctx, classes)  # even without scenarios: workers wait for the answer
    if not scenarios:
        return
    if role == "local":
        from loadlib.arrival.runtime import ArrivalRuntime

        runtime = ArrivalRuntime().configure(
            scenarios, class_names=classes, closed_classes=_closed_classes(profile, environment),
            latency_from_schedule=_flag(environment))
        _install_runtime(environment, ctx, runtime)
        environment.events.test_start.add_listener(lambda **_: runtime.start(time.time()))
    # registered now, after every hub module's import-time listeners: quitting fires in reverse
    # order, so the summary lands in state.RUN.notes before reports builds the result
    environment.events.quitting.add_listener(lambda **_: _summarize(ctx))
    if web_ui is not None:
        from loadlib.arrival.webui import mount

        mount(web_ui, lambda: _view(ctx))


def _flag(environment: Any) -> bool:
    return bool(getattr(environment.parsed_options, "latency_from_schedule", False))


def _closed_classes(profile: Any, environment: Any) -> set[str]:
    names = [c.__name__ for c in environment.user_classes]
    out: set[str] = set()
    for s in profile.scenarios:
        if not s.is_arrival_rate:
            out.update([s.exec] if s.exec else names)
    return out


def _install_runtime(environment: Any, ctx: _Ctx, runtime: Any) -> None:
    """Give the scenarios' user classes the arrival run loop; wire stop and latency correction."""
    from loadlib.arrival import current, sink
    from loadlib.arrival.user import install, uninstall

    ctx.runtime = runtime
    current.set_runtime(runtime)
    sink.declare()
    classes = [c for c in environment.user_classes
               if ctx.role == "worker" or c.__name__ in runtime.class_names]
    for cls in classes:
        install(cls, runtime)
    environment.events.test_stop.add_listener(lambda **_: runtime.stop())

    def restore(**_: Any) -> None:
        for cls in classes:
            uninstall(cls)

    environment.events.quit.add_listener(restore)
    environment.events.request.add_listener(runtime.on_request)


# -- master ----------------------------------------------------------------------------------------------


def _init_master(environment: Any, runner: Any, ctx: _Ctx, classes: dict[str, list[str]]) -> None:
    from loadlib.arrival.wire import scenario_to_wire

    flag = _flag(environment)
    profile = state.RUN.profile
    closed = sorted(_closed_classes(profile, environment)) if profile else []

    def on_hello(environment: Any, msg: Any, **_: Any) -> None:
        config = {"scenarios": [scenario_to_wire(s) for s in ctx.scenarios.values()], "classes": classes,
                  "closed": closed, "latency_from_schedule": flag}
        runner.send_message(CONFIG, config, client_id=msg.node_id)

    def on_test_start(**_: Any) -> None:
        ctx.t0_wall = time.time()
        ctx.reports.clear()
        ctx.warned.clear()
        ctx.members = ()
        _resplit(runner, ctx, first=True)
        if ctx.poller is None:
            import gevent

            ctx.poller = gevent.spawn(_poll_members, runner, ctx)

    def on_test_stop(**_: Any) -> None:
        if ctx.poller is not None:
            ctx.poller.kill(block=False)
            ctx.poller = None

    def on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
        report = data.get(REPORT_KEY)
        if report is None:
            return
        ctx.reports[client_id] = report
        # the workers warn in their own logs; the person watching the master must see it too, once
        for name, m in _merged(ctx).items():
            if m.dropped and name not in ctx.warned:
                ctx.warned.add(name)
                s = ctx.scenarios[name]
                log.warning("Insufficient VUs, reached %d active VUs and cannot initialize more "
                            "(executor=%s scenario=%s; active VUs summed over the workers)", m.active,
                            s.executor, name)

    def on_heartbeat(client_id: str, **_: Any) -> None:
        ctx.heard[client_id] = time.monotonic()

    runner.register_message(HELLO, on_hello)
    if ctx.scenarios:
        environment.events.heartbeat_sent.add_listener(on_heartbeat)
        environment.events.test_start.add_listener(on_test_start)
        environment.events.test_stop.add_listener(on_test_stop)
        environment.events.worker_report.add_listener(on_worker_report)


def _live_workers(runner: Any, members: tuple[str, ...], heard: dict[str, float]) -> tuple[str, ...]:
    """Workers that share the rate from now on.

    A member stays one while it is live (ready, spawning or running) and heard from (a
    heartbeat within ``SILENT_S``: Locust itself waits ~5 s before calling a killed worker
    missing, and its share of the starts would be lost meanwhile). A worker that joins
    mid-run becomes one once it runs users: it gets them only when Locust re-dispatches
    (``--enable-rebalancing``, or the shape's next change), and must not own starts it has
    no VU for. At test start (no members yet) every live worker is one.
    """
    now = time.monotonic()
    nodes = runner.clients.ready + runner.clients.spawning + runner.clients.running
    keep = [n.id for n in nodes
            if now - heard.get(n.id, now) <= SILENT_S
            and (not members or n.id in members or sum((n.user_classes_count or {}).values()) > 0)]
    return tuple(sorted(keep, key=runner.get_worker_index))


def _resplit(runner: Any, ctx: _Ctx, first: bool = False) -> None:
    """Tell every worker its share from now on (from the beginning at test start)."""
    from loadlib.arrival.split import RESPLIT_MARGIN_S, Assignment, plan

    assert ctx.t0_wall is not None
    members = _live_workers(runner, () if first else ctx.members, ctx.heard)
    if (members == ctx.members or not members) and not first:
        return  # nobody left to take the starts: keep the split until someone is heard again
    effective = float("-inf") if first else time.time() - ctx.t0_wall + RESPLIT_MARGIN_S
    if not first:
        log.info("arrival rate re-split over %d worker(s) from t=%.1fs", len(members), effective)
    for worker, a in plan(members, effective).items():
        runner.send_message(SPLIT, {"t0": ctx.t0_wall, "assignment": a.to_wire()}, client_id=worker)
    for gone in set(ctx.members) - set(members):
        if gone in runner.clients:  # missing but maybe alive: it must stop starting iterations
            stand_down = Assignment(effective, -1, max(len(members), 1))
            runner.send_message(SPLIT, {"t0": ctx.t0_wall, "assignment": stand_down.to_wire()}, client_id=gone)
    ctx.members = members


def _poll_members(runner: Any, ctx: _Ctx) -> None:
    import gevent

    while True:
        gevent.sleep(MEMBERSHIP_POLL_S)
        try:
            _resplit(runner, ctx)
        except Exception:  # a send to a vanishing worker must not end the poller
            log.exception("arrival re-split failed")


# -- worker ----------------------------------------------------------------------------------------------


def _memoize_default_args() -> None:
    """Stop Locust's worker from freezing ~0.5 s on every spawn message.

    ``WorkerRunner.handle_message("spawn")`` calls ``argument_parser.default_args_dict()``
    once per option (a full argparse build + parse each time, ~100 times with loadlib's
    options). Every greenlet stalls meanwhile, so every scheduled start in that window
    is late and, with all VUs then busy, dropped. The result is constant for the
    process (Locust's own defaults, config files disabled), so caching it is safe.
    """
    from locust import argument_parser

    original = argument_parser.default_args_dict
    if getattr(original, "_loadlib_cached", False):
        return
    cache: dict[str, Any] = {}

    def default_args_dict() -> dict[str, Any]:
        if "value" not in cache:
            cache["value"] = original()
        return dict(cache["value"])

    default_args_dict._loadlib_cached = True  # type: ignore[attr-defined]
    argument_parser.default_args_dict = default_args_dict


def _init_worker(environment: Any, runner: Any, ctx: _Ctx) -> None:
    from loadlib.arrival.runtime import ArrivalRuntime
    from loadlib.arrival.split import Assignment
    from loadlib.arrival.wire import scenario_from_wire

    _memoize_default_args()
    runtime = ArrivalRuntime()
    _install_runtime(environment, ctx, runtime)

    def apply(t0: float, a: Any) -> None:
        if runtime.t0_wall != t0:
            runtime.start(t0, a)
        else:
            runtime.assign(a)

    def on_config(environment: Any, msg: Any, **_: Any) -> None:
        if runtime.configured.is_set():
            return  # an answer to a repeated hello
        d = msg.data
        scenarios = [scenario_from_wire(s) for s in d["scenarios"]]
        ctx.scenarios = {s.name: s for s in scenarios}
        runtime.configure(scenarios, class_names=d["classes"], closed_classes=d["closed"],
                          latency_from_schedule=bool(d["latency_from_schedule"]))
        if ctx.splits:
            t0 = ctx.splits[-1][0]
            for t, a in ctx.splits:
                if t == t0:
                    apply(t, a)

    def on_split(environment: Any, msg: Any, **_: Any) -> None:
        t0, a = float(msg.data["t0"]), Assignment.from_wire(msg.data["assignment"])
        ctx.splits.append((t0, a))
        if runtime.configured.is_set():
            apply(t0, a)

    def on_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
        if runtime.executors:
            data[REPORT_KEY] = runtime.report()

    runner.register_message(CONFIG, on_config)
    runner.register_message(SPLIT, on_split)
    environment.events.report_to_master.add_listener(on_report)

    def hello_until_answered() -> None:
        # a hello that reaches the master before its init listeners ran is dropped by Locust
        # ("Unknown message type"), so repeat it; users wait for the answer (ArrivalRuntime.attach)
        while not runtime.configured.is_set():
            runner.send_message(HELLO, {})
            runtime.configured.wait(HELLO_RETRY_S)

    import gevent

    gevent.spawn(hello_until_answered)


# -- views -----------------------------------------------------------------------------------------------


def _merged(ctx: _Ctx) -> dict[str, Any]:
    from loadlib.arrival.report import merge

    if ctx.role == "local":
        per_process = [ctx.runtime.report()] if ctx.runtime else []
    else:
        per_process = list(ctx.reports.values())
    return {name: merge(r[name] for r in per_process if name in r) for name in ctx.scenarios}


def _target(ctx: _Ctx, scenario: Any) -> float:
    from loadlib.arrival.schedule import RateCurve

    t0 = ctx.runtime.t0_wall if ctx.role == "local" and ctx.runtime else ctx.t0_wall
    if t0 is None:
        return 0.0
    return RateCurve.for_scenario(scenario).rate_at(time.time() - t0 - scenario.start_time_s)


def _view(ctx: _Ctx) -> dict[str, Any]:
    from loadlib.arrival.report import ui_row

    merged = _merged(ctx)
    rows = [ui_row(s, merged[name], _target(ctx, s)) for name, s in ctx.scenarios.items()]
    return {"scenarios": rows, "workers": len(ctx.members) if ctx.role == "master" else 1}


def _summarize(ctx: _Ctx) -> None:
    from loadlib.arrival.report import summary_lines

    if ctx.summarized or not ctx.scenarios:
        return
    ctx.summarized = True
    merged = _merged(ctx)
    for name, s in ctx.scenarios.items():
        lines = summary_lines(s, merged[name])
        log.info("arrival rate: %s", lines[0])
        for advice in lines[1:]:
            log.warning("arrival rate: %s", advice)
        state.RUN.notes.extend(f"arrival rate: {line}" for line in lines)


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init_command_line_parser.add_listener(add_arguments)
    events.init.add_listener(on_init)
