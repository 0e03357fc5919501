"""Hub module: thresholds. Parsed at ``init`` (exit 104 before traffic), judged every 2 s and at the end.

Sources: the profile's ``thresholds`` plus ``--threshold 'METRIC:EXPR'``
(repeatable; ``;abortOnFail`` and ``;delayAbortEval=10s`` suffixes give the
object form). Every threshold is bound to the metrics defined by then (k6's
built-ins and the locustfile's module-level custom metrics): an unknown metric
or an aggregation the metric type lacks is a config error, exit 104.

The master (or the local runner) evaluates on the merged registry every
``EVAL_INTERVAL_S``; a failing ``abortOnFail`` threshold past its
``delayAbortEval`` stops the run (``runner.quit()``, exit 99). Rolling windows
(``over 1m``) read the per-second data the registry keeps for their metrics.

Exit codes (``exit_code``), k6's precedence: 105 interrupted by SIGINT/SIGTERM,
then 107 a script exception ended a user or a setup hook, then 99 a threshold
failed (at the end or via abortOnFail), else 0. Checks never change it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from loadlib import exitcodes
from loadlib.errors import LoadlibError
from loadlib.metrics.snapshot import Snapshot
from loadlib.plugin import state
from loadlib.plugin.failure import abort_config
from loadlib.results import ThresholdVerdict
from loadlib.thresholds import ThresholdSet, evaluate, should_abort, spec_from_cli

log = logging.getLogger("loadlib")

EVAL_INTERVAL_S = 2.0  # as k6 (internal/metrics/engine/engine.go)
WINDOW_SLACK_S = 5.0  # per-second data kept a little past the longest window


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("loadlib thresholds", "k6 thresholds, evaluated on the merged data")
    group.add_argument(
        "--threshold",
        dest="loadlib_threshold",
        metavar="METRIC:EXPR",
        action="append",
        default=None,
        help="A k6 threshold, repeatable, added to the profile's: 'http_req_duration{status:200}:p(95)<500', "
        "'http_req_failed:rate<0.01 over 1m;abortOnFail;delayAbortEval=10s'. Exit 99 when one fails.",
    )


def _thresholds() -> ThresholdSet:
    ts = state.RUN.thresholds
    return ts if isinstance(ts, ThresholdSet) else ThresholdSet()


def build(profile: Any, cli: list[str] | None, types: dict[str, Any]) -> ThresholdSet:
    """The run's thresholds: profile + ``--threshold``, parsed and bound to the metric types."""
    ts = ThresholdSet.parse(getattr(profile, "thresholds", ()) or (),
                            origin=getattr(profile, "source", None))
    if cli:
        ts = ts.merged(ThresholdSet.parse([spec_from_cli(a) for a in cli], source="--threshold"))
    ts.bind(types)
    return ts


def on_init(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    if options is None or getattr(options, "worker", False):
        return  # workers do not judge; the master sends them the windows to keep
    from loadlib.plugin.metrics import hub

    registry = hub().registry
    try:
        ts = build(state.RUN.profile, getattr(options, "loadlib_threshold", None),
                   {n: d.type for n, d in registry.definitions.items()})
    except LoadlibError as exc:
        abort_config(exc)
    state.RUN.thresholds = ts
    for metric, seconds in ts.windows().items():
        registry.track_window(metric, seconds + WINDOW_SLACK_S, keep_tags=True)


def _window_source(final: bool) -> Any:
    from loadlib.plugin.metrics import window_snapshot

    return lambda name, seconds: window_snapshot(name, seconds, final=final)


def _evaluator(runner: Any) -> None:
    import gevent

    from loadlib.plugin.metrics import current_snapshot

    ts = _thresholds()
    while True:
        gevent.sleep(EVAL_INTERVAL_S)
        if state.RUN.ended_at is not None:
            return
        try:
            verdicts = evaluate(ts, current_snapshot(), _window_source(False))
        except Exception:  # a bug here must not end the run; the final verdicts still decide
            log.exception("loadlib: threshold evaluation failed")
            continue
        elapsed = time.time() - (state.RUN.started_at or time.time())
        failing = should_abort(ts, verdicts, elapsed)
        if failing is not None:
            v = verdicts[ts.thresholds.index(failing)]
            log.error("loadlib: threshold %s '%s' crossed (%s=%s) and has abortOnFail: stopping the run",
                      failing.key, failing.expression.text, v.aggregation, v.observed)
            state.RUN.aborted_by_threshold = True
            state.RUN.notes.append(f"aborted by threshold {failing.key}: {failing.expression.text}")
            runner.quit()
            return


def on_test_start(environment: Any, **_: Any) -> None:
    import gevent
    from locust.runners import WorkerRunner

    if isinstance(environment.runner, WorkerRunner) or not _thresholds():
        return
    if state.RUN.extras.get("thresholds_greenlet") is None:
        state.RUN.extras["thresholds_greenlet"] = gevent.spawn(_evaluator, environment.runner)


def final_verdicts(snapshot: Snapshot) -> tuple[ThresholdVerdict, ...]:
    """Every threshold judged on the final merged snapshot (windows: the run's last window)."""
    return evaluate(_thresholds(), snapshot, _window_source(True), final=True)


def exit_code(verdicts: tuple[ThresholdVerdict, ...]) -> int:
    """k6's exit code for this run: 105 interrupted, 107 script exception, 99 thresholds failed, 0."""
    if state.RUN.interrupted:
        return exitcodes.EXTERNAL_ABORT
    if state.RUN.script_exception:
        return exitcodes.SCRIPT_EXCEPTION
    if state.RUN.aborted_by_threshold or not all(v.ok for v in verdicts):
        return exitcodes.THRESHOLDS_FAILED
    return exitcodes.OK


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init_command_line_parser.add_listener(add_arguments)
    events.init.add_listener(on_init)
    events.test_start.add_listener(on_test_start)
