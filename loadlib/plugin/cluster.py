"""Hub module: cluster. Master/worker robustness: a lost worker is logged, rebalanced and reported.

Locust marks a worker "missing" after ``HEARTBEAT_LIVENESS`` (3) missed
one-second heartbeats and takes it out of the user dispatcher, but gives its
users to the other workers only with ``--enable-rebalancing``, and that
path races a ``LoadTestShape``'s own greenlet (both drive the dispatcher:
"generator already executing" kills the shape). So loadlib rebalances itself
(``--no-loadlib-rebalance`` turns that off):

* with a shape (every load profile): the shape greenlet is told to dispatch
  its current tick again (``shape_last_tick = None``), so the dispatch happens
  in the greenlet that owns it; a lost worker is also forgotten after
  ``FORGET_AFTER_S`` (before Locust's own 60 s removal, which would race too);
* without a shape: Locust's ``--enable-rebalancing`` is turned on, and a loss
  during a ramp is re-dispatched once the ramp is done.

Arrival rates are re-split by ``plugin.arrival`` when the set of live
workers changes.

The master polls its workers every ``POLL_S``. A worker that goes missing or
disappears while a test runs (not at the end) makes the run *partial*:
a warning is logged, ``state.RUN.partial`` is set and a note says which
worker left and when. A missing worker whose heartbeat resumes (it was
stalled, not dead) is taken off the list again. The registry already holds everything the worker
reported (every ``report_to_master``, ~3 s); only its last few seconds are
lost, and the reports say so.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from loadlib.plugin import state

log = logging.getLogger("loadlib.cluster")

POLL_S = 1.0
NUDGE_EVERY_S = 2.0  # at most one re-dispatch request this often while users are missing
FORGET_AFTER_S = 30.0
_EXTRA = "cluster"
_ACTIVE = ("spawning", "running", "ready")


@dataclass
class _Cluster:
    seen: dict[str, str] = field(default_factory=dict)  # worker id -> last state seen
    lost: dict[str, float] = field(default_factory=dict)  # worker id -> when
    notes: dict[str, str] = field(default_factory=dict)  # worker id -> the note it added
    set_partial: bool = False  # this module (not a bad report) made the run partial
    greenlet: Any = None
    stopping: bool = False
    redispatch: bool = False  # users of a lost worker still to be started elsewhere
    last_nudge: float = 0.0


def _cl() -> _Cluster:
    c = state.RUN.extras.get(_EXTRA)
    if c is None:
        c = state.RUN.extras[_EXTRA] = _Cluster()
    return c


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("loadlib cluster", "master/worker robustness")
    group.add_argument("--no-loadlib-rebalance", dest="loadlib_no_rebalance", action="store_true", default=False,
                       env_var="LOCUST_NO_LOADLIB_REBALANCE",
                       help="Do not turn on Locust's --enable-rebalancing on the master (a lost worker's users "
                            "are then not restarted on the remaining workers).")


def _is_master(environment: Any) -> bool:
    from locust.runners import MasterRunner

    return isinstance(getattr(environment, "runner", None), MasterRunner)


def on_init(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    if options is None or not _is_master(environment) or getattr(options, "loadlib_no_rebalance", False):
        return
    if environment.shape_class is None and hasattr(options, "enable_rebalancing"):
        options.enable_rebalancing = True


def check_workers(runner: Any, now: float | None = None) -> list[str]:
    """Compare the master's workers with the last poll; returns the ids newly lost (and records them)."""
    c = _cl()
    now = time.time() if now is None else now
    current = {n.id: str(n.state) for n in runner.clients.all}
    newly: list[str] = []
    for wid, was in c.seen.items():
        if wid in c.lost:
            continue
        st = current.get(wid)
        if st == "missing" or (st is None and was in _ACTIVE):
            newly.append(wid)
    for wid, st in current.items():
        if st != "missing" and wid in c.lost and c.seen.get(wid) == "missing":
            _mark_back(wid)
    c.seen = {**{w: "gone" for w in c.seen}, **current}
    for wid in newly:
        _mark_lost(runner, wid, now)
    return newly


def _mark_lost(runner: Any, wid: str, now: float) -> None:
    c = _cl()
    c.lost[wid] = now
    left = len([n for n in runner.clients.all if str(n.state) in _ACTIVE])
    started = state.RUN.started_at
    at = f"{now - started:.0f}s into the run" if started else "before the run started"
    note = (f"partial run: worker {wid} was lost {at}; its data up to its last report is included, "
            f"the run went on with {left} worker(s)")
    log.warning("loadlib: %s", note)
    if not state.RUN.partial:
        c.set_partial = True
    state.RUN.partial = True
    state.RUN.notes.append(note)
    c.notes[wid] = note
    c.redispatch = True


def _mark_back(wid: str) -> None:
    """A missing worker's heartbeat resumed: it was stalled, not lost (its reports carry on)."""
    c = _cl()
    log.warning("loadlib: worker %s came back (heartbeat resumed); its data was not lost", wid)
    del c.lost[wid]
    note = c.notes.pop(wid, None)
    if note in state.RUN.notes:
        state.RUN.notes.remove(note)
    if not c.lost and c.set_partial:
        state.RUN.partial = False
        c.set_partial = False


def rebalance(environment: Any, now: float | None = None) -> None:
    """Start a lost worker's users on the others, from the greenlet that owns the dispatch."""
    c = _cl()
    runner = environment.runner
    options = environment.parsed_options
    now = time.monotonic() if now is None else now
    if getattr(options, "loadlib_no_rebalance", False):
        return
    if environment.shape_class is not None:
        for wid, at in list(c.lost.items()):
            node = runner.clients.get(wid)
            if node is not None and str(node.state) == "missing" and time.time() - at > FORGET_AFTER_S:
                del runner.clients[wid]  # Locust would remove it at 60 s and re-dispatch from its heartbeat
                log.info("loadlib: forgot lost worker %s", wid)
    if not c.redispatch or runner.state != "running":
        return
    if runner.user_count >= runner.target_user_count:
        c.redispatch = False
        return
    if now - c.last_nudge < NUDGE_EVERY_S:
        return
    c.last_nudge = now
    if environment.shape_class is not None:
        runner.shape_last_tick = None  # the shape greenlet dispatches its tick again within a second
        log.info("loadlib: restarting %d user(s) of lost worker(s) on the remaining workers",
                 runner.target_user_count - runner.user_count)
    else:
        dispatcher = getattr(runner, "_users_dispatcher", None)
        if dispatcher is None or not dispatcher.dispatch_in_progress:
            runner.start(runner.target_user_count, runner.spawn_rate)


def _poll(environment: Any) -> None:
    import gevent

    runner = environment.runner
    c = _cl()
    while not c.stopping:
        try:
            if getattr(runner, "state", None) in ("spawning", "running"):
                check_workers(runner)
                rebalance(environment)
            else:  # between tests or stopping: keep the picture, don't judge
                _cl().seen = {n.id: str(n.state) for n in runner.clients.all}
        except Exception:  # bookkeeping must never end the run
            log.exception("loadlib: worker check failed")
        gevent.sleep(POLL_S)


def on_test_start(environment: Any, **_: Any) -> None:
    import gevent

    if not _is_master(environment):
        return
    c = _cl()
    c.stopping = False
    c.seen = {n.id: str(n.state) for n in environment.runner.clients.all}
    if c.greenlet is None:
        c.greenlet = gevent.spawn(_poll, environment)


def on_test_stopping(environment: Any, **_: Any) -> None:
    c = _cl()
    c.stopping = True
    if c.greenlet is not None:
        c.greenlet.kill(block=False)
        c.greenlet = None


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init_command_line_parser.add_listener(add_arguments)
    events.init.add_listener(on_init)
    events.test_start.add_listener(on_test_start)
    events.test_stopping.add_listener(on_test_stopping)
