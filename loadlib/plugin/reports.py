"""Hub module: reports. The end-of-run summary, every report file, per-sample outputs, exit code.

Options (argparse group "loadlib reports")::

    --summary-export PATH   k6's legacy summary-export JSON (thresholds: true == FAILED, as in k6)
    --results-json PATH     loadlib's own result JSON ("schema": "loadlib.result/v1")
    --slo-report PATH       Mina's SLO JSON result schema; --test-type NAME sets its test_type
    --html-report PATH      self-contained HTML report (Locust's own --html keeps working)
    --out KIND=TARGET       repeatable: json=PATH (k6 NDJSON points), csv=PATH, influxdb=URL
    --summary-trend-stats S trend columns (k6's option), e.g. avg,med,p(95),p(99),count
    --no-summary            do not print the end-of-test text summary

Paths and ``--out`` kinds are validated at ``init`` (exit 104 before any
traffic). At ``quitting`` (master or local runner; workers write nothing) the
hub's merged snapshot becomes a ``RunResult``: thresholds' final verdicts
decide the exit code, every file is written atomically, and
``environment.process_exit_code`` is set. The text summary is printed at
``quit``, after Locust's own tables, to stdout (to stderr when Locust's
``--json`` owns stdout).

Interrupted runs (SIGINT / SIGTERM) still write every report, with
``status: interrupted`` and ``meta.interrupted``, and exit 105 (k6's code).
Locust turns Ctrl-C into a KeyboardInterrupt in its main greenlet and installs
its own SIGTERM handler only after the test has started (not at all while a
LoadTestShape run is in progress), so this module wraps the SIGINT handler
(marks the run, then lets Locust's KeyboardInterrupt handling proceed) and
adds a gevent SIGTERM handler that marks the run and, if Locust's own
shutdown has not begun within ``SIGTERM_GRACE_S``, raises KeyboardInterrupt
in the main greenlet: the same orderly path as Ctrl-C.

Per-sample outputs (``--out json/csv``) need every sample: a tap on the
metric registry (``Registry.add_tap(fn)`` when it exists, else a wrapper of
``Registry.add``), or, while the metrics hub is not installed, Locust's
``request`` event. In distributed runs the master writes the files: workers
(which receive the master's options with the spawn message) buffer samples
only when a file output is requested and ship them with each
``report_to_master``. ``influxdb=URL`` is validated here and handed to
``plugin.live`` through ``influxdb_targets()``.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadlib import exitcodes
from loadlib.errors import LoadlibError
from loadlib.metrics.snapshot import MetricType, Snapshot, TagSet, ValueKind
from loadlib.outputs import atomic, html, k6_summary, result_json, slo, text
from loadlib.outputs.points import CSVWriter, NDJSONWriter, Sample
from loadlib.outputs.recorded import RecordedMetric
from loadlib.outputs.spec import OutputSpec, parse_out, parse_trend_stats, validate_outputs
from loadlib.outputs.view import DEFAULT_TREND_STATS
from loadlib.plugin import state
from loadlib.plugin.failure import abort_config
from loadlib.results import RunMeta, RunResult, RunStatus, ThresholdVerdict, TimelinePoint

log = logging.getLogger("loadlib.reports")

SIGTERM_GRACE_S = 0.5
_RUNNING_STATES = ("spawning", "running", "cleanup")
POINTS_FLUSH_S = 1.0
_EXTRA = "reports"


@dataclass
class _ReportsState:
    """This module's slice of the run context (``state.RUN.extras["reports"]``)."""

    files: dict[str, str] = field(default_factory=dict)  # option -> path
    outs: list[OutputSpec] = field(default_factory=list)
    writers: list[Any] = field(default_factory=list)  # NDJSONWriter / CSVWriter (master/local)
    outbox: list[Sample] = field(default_factory=list)  # samples not yet written / shipped
    tap_installed: bool = False
    started_at: float | None = None
    timeline: list[TimelinePoint] = field(default_factory=list)  # fallback when the metrics hub keeps none
    max_vus: int = 0
    max_workers: int = 0  # workers leave before quitting: remember how many took part
    quitting: bool = False
    done: bool = False
    result: RunResult | None = None
    summary: bytes | None = None
    written: list[str] = field(default_factory=list)
    sigterm_handle: Any = None  # keep gevent's signal object alive


def _rs() -> _ReportsState:
    rs = state.RUN.extras.get(_EXTRA)
    if rs is None:
        rs = state.RUN.extras[_EXTRA] = _ReportsState()
    return rs


def influxdb_targets() -> tuple[str, ...]:
    """The ``--out influxdb=URL`` targets, validated at init: the hook ``plugin.live`` implements."""
    return tuple(o.target for o in _rs().outs if o.kind == "influxdb")


# -- options ---------------------------------------------------------------------------------------

FILE_OPTIONS = {
    "summary_export": "--summary-export",
    "results_json": "--results-json",
    "slo_report": "--slo-report",
    "html_report": "--html-report",
}


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group(
        "loadlib reports", "End-of-test summary, report files and per-sample outputs (written by the master)")
    group.add_argument("--summary-export", dest="summary_export", metavar="PATH", default=None,
                       help="Write k6's summary-export JSON (in its thresholds, true means FAILED, as in k6).")
    group.add_argument("--results-json", dest="results_json", metavar="PATH", default=None,
                       help="Write loadlib's result JSON (schema loadlib.result/v1): every metric, sub-metric, "
                            "threshold, check and the timeline. Input of `loadlib report` and `loadlib compare`.")
    group.add_argument("--slo-report", dest="slo_report", metavar="PATH", default=None,
                       help="Write the SLO JSON result (timestamp, test_type, metrics, slo_compliance, pass).")
    group.add_argument("--test-type", dest="test_type", metavar="NAME", default=None,
                       help="test_type of the SLO report. Default: the locustfile's name.")
    group.add_argument("--html-report", dest="html_report", metavar="PATH", default=None,
                       help="Write a self-contained HTML report (pass/fail, thresholds, SLOs, checks, charts).")
    group.add_argument("--out", dest="loadlib_out", metavar="KIND=TARGET", action="append", default=None,
                       help="Per-sample output, repeatable: json=PATH (k6 NDJSON), csv=PATH, influxdb=URL.")
    group.add_argument("--summary-trend-stats", dest="summary_trend_stats", metavar="STATS", default=None,
                       help="Trend columns of the summary and k6 export, e.g. avg,min,med,max,p(90),p(99),count. "
                            "Default: the profile's summaryTrendStats, else k6's avg,min,med,max,p(90),p(95).")
    group.add_argument("--no-summary", dest="no_summary", action="store_true", default=False,
                       help="Do not print loadlib's end-of-test summary.")


# -- roles -----------------------------------------------------------------------------------------

def _role(environment: Any) -> str:
    from locust.runners import MasterRunner, WorkerRunner

    runner = getattr(environment, "runner", None)
    if isinstance(runner, WorkerRunner):
        return "worker"
    if isinstance(runner, MasterRunner):
        return "master"
    return "local"


def _opt(environment: Any, name: str, default: Any = None) -> Any:
    options = getattr(environment, "parsed_options", None)
    return getattr(options, name, default) if options is not None else default


def validate(options: Any) -> tuple[dict[str, str], list[OutputSpec]]:
    """Check every report path and ``--out`` value; ``ConfigError`` naming the first bad one."""
    if getattr(options, "summary_trend_stats", None):
        parse_trend_stats(options.summary_trend_stats)
    files = {dest: path for dest in FILE_OPTIONS if (path := getattr(options, dest, None)) is not None}
    outs = validate_outputs({FILE_OPTIONS[d]: p for d, p in files.items()}, getattr(options, "loadlib_out", None) or [])
    return files, outs


def _on_init(environment: Any, **_: Any) -> None:
    rs = _rs()
    role = _role(environment)
    if role == "worker" or environment.parsed_options is None:
        return
    try:
        rs.files, rs.outs = validate(environment.parsed_options)
    except LoadlibError as exc:
        abort_config(exc)
    # Registered now, after every hub module: `quitting` fires in reverse order, so this
    # runs first and tells the SIGTERM handler that Locust's shutdown has begun.
    environment.events.quitting.add_listener(_mark_quitting)
    _install_signal_handlers(environment)


def _mark_quitting(**_: Any) -> None:
    _rs().quitting = True


# -- signals ---------------------------------------------------------------------------------------

def _install_signal_handlers(environment: Any) -> None:
    import gevent

    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: Any) -> None:
        _mark_interrupted(environment)
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (embedded use): Locust's own handling still applies
        log.debug("SIGINT handler not installed: not in the main thread")
    _rs().sigterm_handle = gevent.signal_handler(signal.SIGTERM, _on_sigterm, environment)


def _test_in_progress(environment: Any) -> bool:
    runner = getattr(environment, "runner", None)
    if getattr(runner, "state", None) in _RUNNING_STATES:
        return True
    shape = getattr(runner, "shape_greenlet", None)
    return shape is not None and not shape.dead


def _mark_interrupted(environment: Any) -> None:
    # Only a signal that cuts a test short interrupts it: ending the web UI's process after the
    # test was stopped from the UI (or before one started) is the normal way to quit Locust.
    if _test_in_progress(environment):
        state.RUN.interrupted = True


def _on_sigterm(environment: Any) -> None:
    import gevent

    _mark_interrupted(environment)
    log.info("SIGTERM: stopping the run, reports will be marked interrupted")
    gevent.spawn_later(SIGTERM_GRACE_S, _ensure_shutdown, environment)


def _ensure_shutdown(environment: Any) -> None:
    """Locust's SIGTERM handler did not start the shutdown: take Ctrl-C's path instead."""
    import gevent

    if _rs().quitting:
        return
    main = gevent.get_hub().parent
    runner = getattr(environment, "runner", None)
    started = runner is not None and getattr(runner, "state", "ready") not in ("ready",)
    exc: BaseException = KeyboardInterrupt() if started else SystemExit(exitcodes.EXTERNAL_ABORT)
    gevent.get_hub().loop.run_callback(main.throw, exc)


# -- samples (--out json/csv) ------------------------------------------------------------------------

def _hub_has(module: str, name: str) -> Callable[..., Any] | None:
    try:
        import importlib

        mod = importlib.import_module(f"loadlib.plugin.{module}")
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


def _wants_points(environment: Any) -> bool:
    outs = _opt(environment, "loadlib_out") or []
    try:
        return any(parse_out(v).is_file for v in outs)
    except LoadlibError:
        return False


def _registry() -> Any:
    reg = state.RUN.registry
    if reg is None:
        try:
            from loadlib.metrics import current_registry

            reg = current_registry()
        except ImportError:
            return None
    return reg


def _install_tap(environment: Any) -> None:
    rs = _rs()
    if rs.tap_installed:
        return
    rs.tap_installed = True
    outbox = rs.outbox
    now = time.time
    if _hub_has("metrics", "current_snapshot") is not None and _registry() is not None:
        reg = _registry()

        def tap(metric: Any, value: float, tags: Any = ()) -> None:
            outbox.append(Sample(metric.name, metric.type.value, metric.contains.value, now(), float(value),
                                 dict(tags)))

        if hasattr(reg, "add_tap"):
            reg.add_tap(tap)
        else:
            # No tap API on the registry yet: wrap this instance's `add` (the one hot path).
            original = reg.add

            def add(metric: Any, value: float, tags: Any = ()) -> None:
                original(metric, value, tags)
                tap(metric, value, tags)

            reg.add = add
        return
    # Metrics hub not installed: derive the HTTP samples from Locust's request event.

    def on_request(request_type: str, name: str, response_time: float, response_length: int,
                   response: Any = None, exception: Any = None, **_: Any) -> None:
        t = now()
        status = getattr(response, "status_code", None)
        tags = {"name": name, "method": request_type, "status": str(status or 0),
                "expected_response": "false" if exception else "true"}
        outbox.append(Sample("http_reqs", "counter", "default", t, 1.0, tags))
        outbox.append(Sample("http_req_duration", "trend", "time", t, float(response_time), tags))
        outbox.append(Sample("http_req_failed", "rate", "default", t, 1.0 if exception else 0.0, tags))
        outbox.append(Sample("data_received", "counter", "data", t, float(response_length or 0), tags))

    environment.events.request.add_listener(on_request)


def _open_writers(environment: Any) -> None:
    rs = _rs()
    if rs.writers:
        return
    thresholds: dict[str, list[str]] = {}
    profile = state.RUN.profile
    for spec in getattr(profile, "thresholds", ()) or ():
        thresholds.setdefault(spec.metric, []).append(spec.expression)
    for out in rs.outs:
        if out.kind == "json":
            rs.writers.append(NDJSONWriter(out.target, thresholds))
        elif out.kind == "csv":
            rs.writers.append(CSVWriter(out.target))


def _flush_points() -> None:
    rs = _rs()
    if not rs.outbox or not rs.writers:
        return
    batch = rs.outbox[:]
    del rs.outbox[:]
    for w in rs.writers:
        w.write(batch)


def _flusher() -> None:
    import gevent

    while not _rs().done:
        gevent.sleep(POINTS_FLUSH_S)
        try:
            _flush_points()
        except Exception:  # a full disk must not kill the run; the final close reports it
            log.exception("writing --out points failed")


def _on_report_to_master(client_id: str, data: dict[str, Any], **_: Any) -> None:
    rs = _rs()
    if rs.outbox:
        data["loadlib_points"] = [list(s) for s in rs.outbox]
        del rs.outbox[:]


def _on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    rows = data.get("loadlib_points")
    if rows and _rs().writers:
        _rs().outbox.extend(Sample(*row) for row in rows)


# -- run start / timeline fallback ---------------------------------------------------------------------

def _on_test_start(environment: Any, **_: Any) -> None:
    import gevent

    rs = _rs()
    role = _role(environment)
    if role == "worker":
        if _wants_points(environment):
            _install_tap(environment)
        return
    rs.max_workers = max(rs.max_workers, _worker_count(environment.runner))
    if rs.started_at is None:
        rs.started_at = time.time()
    if state.RUN.started_at is None:
        state.RUN.started_at = rs.started_at
    if any(o.is_file for o in rs.outs):
        _open_writers(environment)
        _install_tap(environment)
        gevent.spawn(_flusher)
    gevent.spawn(_sample_timeline, environment)


def _worker_count(runner: Any) -> int:
    clients = getattr(runner, "clients", None)
    if clients is None:
        return 0
    return len(getattr(clients, "ready", ())) + len(getattr(clients, "spawning", ())) + len(
        getattr(clients, "running", ()))


def _sample_timeline(environment: Any) -> None:
    """One point per second from Locust's own stats: used only when the metrics hub records no timeline."""
    import gevent

    rs = _rs()
    runner = environment.runner
    last_t, last_n, last_f = time.time(), 0, 0
    while not rs.done and runner is not None:
        gevent.sleep(1.0)
        total = runner.stats.total
        t = time.time()
        n, f = total.num_requests, total.num_failures
        dn, df, dt = n - last_n, f - last_f, max(t - last_t, 1e-6)
        last_t, last_n, last_f = t, n, f
        users = int(getattr(runner, "user_count", 0) or 0)
        rs.max_vus = max(rs.max_vus, users)
        rs.max_workers = max(rs.max_workers, _worker_count(runner))

        def pct(p: float, _total: Any = total, _n: int = n) -> float | None:
            return float(_total.get_response_time_percentile(p)) if _n else None

        rs.timeline.append(TimelinePoint(
            elapsed_s=round(t - (rs.started_at or t), 3), vus=users, rps=dn / dt,
            error_rate=df / dn if dn else 0.0, p50=pct(0.5), p95=pct(0.95), p99=pct(0.99),
            target_vus=getattr(runner, "target_user_count", None)))


# -- the result ---------------------------------------------------------------------------------------

def _snapshot(environment: Any, duration_s: float, *, locust_stats: bool = False) -> Any:
    current = _hub_has("metrics", "current_snapshot")
    if current is not None and not locust_stats:
        return current()
    if current is None:
        state.RUN.notes.append("metrics hub not installed: numbers from Locust's stats (about 2 significant digits)")
    return snapshot_from_locust(environment.runner, duration_s=duration_s, max_vus=_rs().max_vus)


def snapshot_from_locust(runner: Any, *, duration_s: float, max_vus: int = 0) -> Snapshot:
    """A stored-numbers ``Snapshot`` of Locust's own request stats (fallback without the metrics hub)."""
    stats = runner.stats

    def trend(e: Any) -> dict[str, float]:
        out = {"count": float(e.num_requests), "sum": float(e.total_response_time), "avg": float(e.avg_response_time),
               "min": float(e.min_response_time or 0), "max": float(e.max_response_time)}
        for label, p in (("med", 0.5), ("p(90)", 0.9), ("p(95)", 0.95), ("p(99)", 0.99)):
            out[label] = float(e.get_response_time_percentile(p))
        return out

    entries = [e for e in stats.entries.values() if e.num_requests]
    total = stats.total
    dur: dict[TagSet, dict[str, float]] = {}
    reqs: dict[TagSet, dict[str, float]] = {}
    failed: dict[TagSet, dict[str, float]] = {}

    def put(tags: TagSet, e: Any) -> None:
        dur[tags] = trend(e)
        reqs[tags] = {"count": float(e.num_requests), "rate": e.num_requests / duration_s if duration_s > 0 else 0.0}
        n, f = e.num_requests, e.num_failures
        failed[tags] = {"rate": f / n if n else 0.0, "passes": float(f), "fails": float(n - f), "total": float(n)}

    metrics: dict[str, Any] = {}
    if total.num_requests:
        put((), total)
        names = [e.name for e in entries]
        for e in entries:
            if names.count(e.name) == 1:  # Locust keeps (name, method) pairs; a name used twice has no single entry
                put((("name", e.name),), e)
        received = float(sum(e.total_content_length for e in entries))
        metrics["data_received"] = RecordedMetric("data_received", MetricType.COUNTER, ValueKind.DATA, {}, aggregates={
            (): {"count": received, "rate": received / duration_s if duration_s > 0 else 0.0}})
        metrics["http_req_duration"] = RecordedMetric("http_req_duration", MetricType.TREND, ValueKind.TIME, {},
                                                      aggregates=dur)
        metrics["http_reqs"] = RecordedMetric("http_reqs", MetricType.COUNTER, ValueKind.DEFAULT, {}, aggregates=reqs)
        metrics["http_req_failed"] = RecordedMetric("http_req_failed", MetricType.RATE, ValueKind.DEFAULT, {},
                                                    aggregates=failed)
    users = float(getattr(runner, "user_count", 0) or 0)
    metrics["vus"] = RecordedMetric("vus", MetricType.GAUGE, ValueKind.DEFAULT, {}, aggregates={
        (): {"value": users, "min": 0.0, "max": float(max(max_vus, users))}})
    return Snapshot(taken_at=time.time(), duration_s=duration_s, metrics=metrics)


def _verdicts(snapshot: Any) -> tuple[ThresholdVerdict, ...]:
    final = _hub_has("thresholds", "final_verdicts")
    return tuple(final(snapshot)) if final is not None else ()


def _exit_code(verdicts: tuple[ThresholdVerdict, ...]) -> int:
    decide = _hub_has("thresholds", "exit_code")
    if decide is not None:
        return int(decide(verdicts))
    # Fallback until the thresholds hub exists: k6's precedence.
    if state.RUN.interrupted:
        return exitcodes.EXTERNAL_ABORT
    if state.RUN.script_exception:
        return exitcodes.SCRIPT_EXCEPTION
    if state.RUN.aborted_by_threshold or not all(v.ok for v in verdicts):
        return exitcodes.THRESHOLDS_FAILED
    return exitcodes.OK


def status_for(exit_code: int, *, interrupted: bool, aborted_by_threshold: bool) -> RunStatus:
    """The result's status from its exit code and how the run ended."""
    if interrupted or exit_code == exitcodes.EXTERNAL_ABORT:
        return "interrupted"
    if exit_code == exitcodes.THRESHOLDS_FAILED:
        return "aborted" if aborted_by_threshold else "failed"
    if exit_code == exitcodes.OK:
        return "passed"
    return "error"


def build_result(environment: Any, *, locust_stats: bool = False) -> RunResult:
    """Snapshot -> verdicts -> exit code -> ``RunResult`` (master or local runner).

    ``locust_stats`` builds the snapshot from Locust's own stats instead of the
    metrics hub (the fallback when the hub is missing or failed).
    """
    rs = _rs()
    ended = state.RUN.ended_at or time.time()
    started = state.RUN.started_at or rs.started_at or ended
    snap = _snapshot(environment, ended - started, locust_stats=locust_stats)
    verdicts = _verdicts(snap)
    code = _exit_code(verdicts)
    options = environment.parsed_options
    locustfile = str(getattr(options, "locustfile", "") or "")
    profile = state.RUN.profile
    runner = environment.runner
    workers = max(rs.max_workers, _worker_count(runner)) if _role(environment) == "master" else 0
    try:
        from loadlib import __version__ as version
    except ImportError:  # pragma: no cover
        version = ""
    meta = RunMeta(
        test_name=Path(locustfile.split(",")[0]).stem or "locust",
        locustfile=locustfile,
        profile=getattr(profile, "name", None),
        scenarios=tuple(s.name for s in getattr(profile, "scenarios", ()) or ()),
        started_at=started,
        ended_at=ended,
        workers=workers,
        partial=bool(state.RUN.partial),
        interrupted=bool(state.RUN.interrupted),
        host=environment.host,
        loadlib_version=version,
        notes=tuple(state.RUN.notes),
    )
    timeline = tuple(state.RUN.timeline) or tuple(rs.timeline)
    return RunResult(meta=meta, snapshot=snap, thresholds=verdicts, timeline=timeline, exit_code=code,
                     status=status_for(code, interrupted=meta.interrupted,
                                       aborted_by_threshold=bool(state.RUN.aborted_by_threshold)))


def write_reports(result: RunResult, files: dict[str, str], *, trend_stats: tuple[str, ...],
                  test_type: str) -> list[str]:
    """Write every requested report atomically; a failing one is logged and the others still written."""
    renderers: dict[str, Callable[[RunResult], bytes]] = {
        "summary_export": lambda r: k6_summary.render(r, trend_stats=trend_stats),
        "results_json": lambda r: result_json.render(r, trend_stats=trend_stats),
        "slo_report": lambda r: slo.render(r, test_type=test_type),
        "html_report": lambda r: html.render(r, test_type=test_type, trend_stats=trend_stats),
    }
    written = []
    for dest, path in files.items():
        try:
            atomic.write_rendered(path, renderers[dest], result)
            written.append(path)
        except Exception:
            log.exception("could not write %s %s", FILE_OPTIONS[dest], path)
    return written


def _on_quitting(environment: Any, **_: Any) -> None:
    rs = _rs()
    if rs.done or _role(environment) == "worker" or environment.parsed_options is None:
        return
    rs.done = True
    try:
        result = build_result(environment)
    except Exception:
        # Reports and the exit code must not vanish because one part failed: say so, fall back.
        log.exception("loadlib: building the run result failed; the reports use Locust's own stats")
        state.RUN.notes.append("the metrics/thresholds hub failed at the end: numbers from Locust's stats")
        result = build_result(environment, locust_stats=True)
    rs.result = result
    environment.process_exit_code = result.exit_code
    profile = state.RUN.profile
    cli_stats = _opt(environment, "summary_trend_stats")
    trend_stats = (parse_trend_stats(cli_stats) if cli_stats
                   else tuple(getattr(profile, "summary_trend_stats", None) or DEFAULT_TREND_STATS))
    test_type = _opt(environment, "test_type") or result.meta.test_name
    rs.written = write_reports(result, rs.files, trend_stats=trend_stats, test_type=test_type)
    try:
        _flush_points()
        for w in rs.writers:
            w.close()
            rs.written.append(str(w.path))
    except Exception:
        log.exception("could not finish the --out files")
        for w in rs.writers:
            w.abort()
    if not _opt(environment, "no_summary"):
        rs.summary = text.render(result, trend_stats=trend_stats)


def _on_quit(exit_code: int = 0, **_: Any) -> None:
    rs = _rs()
    if rs.summary is None:
        return
    environment = state.RUN.environment
    stream = sys.stderr if _opt(environment, "json") else sys.stdout
    stream.write(rs.summary.decode("utf-8"))
    for path in rs.written:
        stream.write(f"  report written: {path}\n")
    stream.flush()
    rs.summary = None


def _remember_environment(environment: Any, **_: Any) -> None:
    if state.RUN.environment is None:
        state.RUN.environment = environment


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init_command_line_parser.add_listener(add_arguments)
    events.init.add_listener(_remember_environment)
    events.init.add_listener(_on_init)
    events.test_start.add_listener(_on_test_start)
    events.report_to_master.add_listener(_on_report_to_master)
    events.worker_report.add_listener(_on_worker_report)
    events.quitting.add_listener(_on_quitting)
    events.quit.add_listener(_on_quit)
