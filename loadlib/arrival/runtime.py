"""The executors at run time, on gevent: one greenlet per arrival-rate scenario starts iterations on schedule.

Each scenario's greenlet walks its schedule (only the starts this worker
owns), sleeps until each one is due and offers it to the scenario's
``VuPool``; the pool picks a VU (a Locust user parked in ``VuHandle.next``) or
drops the start. Users come and go as Locust spawns and stops them
(``ArrivalRuntime.attach``); they run exactly one iteration per start handed
to them (see ``loadlib.arrival.user``).

Times: ``t0`` is the test's start on the wall clock (the master's, shared with
workers), converted once to this process's monotonic clock; scenario offsets
and splits are seconds after it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gevent
from gevent.event import Event

from loadlib.arrival import sink
from loadlib.arrival.histogram import LogHistogram
from loadlib.arrival.pool import Decision, VuPool
from loadlib.arrival.schedule import RateCurve, share
from loadlib.arrival.split import SOLO, Assignment, Assignments
from loadlib.metrics import tagset
from loadlib.profiles.model import Scenario

logger = logging.getLogger("loadlib.arrival")

EARLY_ATTACH_S = 5.0
"""A user of a class shared with closed-model scenarios joins an arrival pool only this close to its window."""

RATE_WINDOW_S = 5.0
SLICE_S = 0.25  # longest sleep of a schedule loop
DECIDE_AHEAD_S = 0.25  # < split.RESPLIT_MARGIN_S: when a start's owner is settled


@dataclass
class Ticket:
    """One start handed to a VU."""

    scenario: str
    scheduled: float  # monotonic seconds
    started: float = 0.0
    lag_ms: float = 0.0
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(eq=False)  # identity: a VU is one user, hashable in the pool
class VuHandle:
    """A Locust user serving as a VU of one scenario."""

    executor: ScenarioExecutor
    user: Any
    event: Event = field(default_factory=Event)
    ticket: Ticket | None = None

    def next(self) -> Ticket:
        """Block until a start is handed to this VU (the user is idle and killable meanwhile)."""
        ticket = self.executor.ready(self)
        while ticket is None:
            self.event.wait()
            self.event.clear()
            ticket, self.ticket = self.ticket, None
        return ticket

    def detach(self) -> None:
        self.executor.detach(self)


class ScenarioExecutor:
    """One arrival-rate scenario in this process."""

    def __init__(self, scenario: Scenario, *, latency_from_schedule: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.scenario = scenario
        self.curve = RateCurve.for_scenario(scenario)
        self.latency_from_schedule = latency_from_schedule
        self.clock = clock
        self.tags = sink.scenario_tags(scenario.name, scenario.tags)
        pre = scenario.pre_allocated_vus or 0
        self.pool = VuPool(pre, scenario.max_vus if scenario.max_vus is not None else pre,
                           queue_when_full=latency_from_schedule, max_wait_s=scenario.graceful_stop_s)
        self.assignments = Assignments()
        self.t0: float | None = None  # monotonic instant of the test's start
        self.lag = LogHistogram()
        self.iteration = LogHistogram()
        self.recent: deque[float] = deque()  # monotonic start instants of the last RATE_WINDOW_S
        self.warned = False
        self.finished = False
        self._recorded_drops = 0
        self._greenlet: gevent.Greenlet | None = None

    # -- window ---------------------------------------------------------------------------------------

    @property
    def window(self) -> tuple[float, float]:
        """The scenario's window in test seconds: [startTime, startTime + schedule + gracefulStop)."""
        s = self.scenario
        return s.start_time_s, s.start_time_s + self.curve.duration + s.graceful_stop_s

    def live(self, now: float, early_s: float = 0.0) -> bool:
        if self.t0 is None or self.finished:
            return False
        start, end = self.window
        t = now - self.t0
        return start - early_s <= t < end

    def deficit(self) -> int:
        return self.pool.max_vus - self.pool.attached

    # -- control --------------------------------------------------------------------------------------

    def assign(self, a: Assignment) -> None:
        """Take a (new) split: this worker's VU shares follow it; the loop re-reads its starts."""
        self.assignments.add(a)
        cur = self.assignments.current
        if cur is not None:
            s = self.scenario
            pre = s.pre_allocated_vus or 0
            mx = s.max_vus if s.max_vus is not None else pre
            self.pool.resize(share(pre, cur.index, cur.count), share(mx, cur.index, cur.count))

    def start(self, t0: float) -> None:
        """(Re)start the schedule with test start ``t0``; attached VUs stay, counters start over."""
        self.stop()
        self.t0 = t0
        self.finished = False
        self.pool.reset()
        self._recorded_drops = 0
        self.warned = False
        self.lag, self.iteration = LogHistogram(), LogHistogram()
        self.recent.clear()
        sink.record(sink.DROPPED, 0.0, self.tags)  # the series exists (and reads 0) even if nothing drops
        self._greenlet = gevent.spawn(self._loop)

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
            self._greenlet = None
            self.pool.flush()
            self._drops_from(())
        self.finished = True

    # -- the schedule loop ----------------------------------------------------------------------------

    def _first_cursor(self) -> int:
        first = self.assignments.first_effective
        if first is None or first == float("-inf"):
            return 0
        return self.curve.count_before(first - self.scenario.start_time_s)

    def _sleep_until(self, instant: float) -> None:
        # in slices, so waiting starts expire on time even at a rate of one a minute
        while (delay := instant - self.clock()) > 0:
            gevent.sleep(min(delay, SLICE_S))
            self._drops_from(self.pool.expire(self.clock()))

    def _loop(self) -> None:
        """Walk every global start in time order; offer the ones this process owns when they are due.

        Ownership of a start is decided ``DECIDE_AHEAD_S`` before it is due: a re-split takes
        effect ``RESPLIT_MARGIN_S`` after the master sends it, so by then every worker has it.
        """
        assert self.t0 is not None
        begin = self.t0 + self.scenario.start_time_s
        offset = self.scenario.start_time_s
        cursor = self._first_cursor()
        for k, t in enumerate(self.curve.start_times(cursor), cursor):
            due = begin + t
            self._sleep_until(due - DECIDE_AHEAD_S)
            if not self.assignments.owns(k, offset + t):
                continue
            self._sleep_until(due)
            self.offer(due)
        # every start is out: give waiting starts until gracefulStop, then count them dropped
        self._sleep_until_idle(begin + self.curve.duration + self.scenario.graceful_stop_s)
        self._drops_from(self.pool.flush())
        self.finished = True

    def _sleep_until_idle(self, deadline: float) -> None:
        while self.pool.stats().waiting and self.clock() < deadline:
            gevent.sleep(0.1)
            self._drops_from(self.pool.expire(self.clock()))

    # -- decisions ------------------------------------------------------------------------------------

    def offer(self, scheduled: float) -> None:
        now = self.clock()
        self._drops_from(self.pool.expire(now))
        d = self.pool.offer(scheduled, now)
        if d.kind == "run":
            self._hand(d)
        elif d.kind == "drop":
            self._drops_from([d])

    def ready(self, vu: VuHandle) -> Ticket | None:
        """``vu`` is idle: a start that waits for it, or None (it parks until handed one)."""
        now = self.clock()
        self._drops_from(self.pool.expire(now))
        d = self.pool.ready(vu, now)
        if d is None:
            return None
        return self._ticket(d)

    def detach(self, vu: VuHandle) -> None:
        self.pool.detach(vu)

    def _ticket(self, d: Decision) -> Ticket:
        assert d.scheduled is not None
        return Ticket(self.scenario.name, d.scheduled, tags=self.tags)

    def _hand(self, d: Decision) -> None:
        vu = d.vu
        assert isinstance(vu, VuHandle)
        vu.ticket = self._ticket(d)
        vu.event.set()

    def _drops_from(self, decisions: Iterable[Decision]) -> None:
        """Record what the pool dropped since the last call (``decisions`` is only what triggered it)."""
        new = self.pool.dropped - self._recorded_drops
        if new <= 0:
            return
        self._recorded_drops = self.pool.dropped
        sink.record(sink.DROPPED, float(new), self.tags)
        if not self.warned:
            self.warned = True
            # k6's words (lib/executor/helpers.go), so people searching for them find the cause
            logger.warning("Insufficient VUs, reached %d active VUs and cannot initialize more "
                           "(executor=%s scenario=%s)", self.pool.stats().active, self.scenario.executor,
                           self.scenario.name)

    # -- iteration bookkeeping (called from the user's greenlet) --------------------------------------

    def began(self, ticket: Ticket) -> None:
        now = self.clock()
        ticket.started = now
        ticket.lag_ms = max(0.0, (now - ticket.scheduled) * 1000.0)
        self.lag.add(ticket.lag_ms)
        recent = self.recent
        recent.append(now)
        while recent[0] < now - RATE_WINDOW_S:  # bounded memory however long the run
            recent.popleft()
        sink.record(sink.LAG, ticket.lag_ms, self.tags)

    def ended(self, ticket: Ticket) -> None:
        self.iteration.add((self.clock() - ticket.started) * 1000.0)

    # -- reporting ------------------------------------------------------------------------------------

    def achieved_rate(self) -> float:
        now = self.clock()
        while self.recent and self.recent[0] < now - RATE_WINDOW_S:
            self.recent.popleft()
        if self.t0 is None:
            return 0.0
        span = min(RATE_WINDOW_S, max(now - (self.t0 + self.scenario.start_time_s), 1e-3))
        return len(self.recent) / span

    def target_rate(self) -> float:
        if self.t0 is None:
            return 0.0
        return self.curve.rate_at(self.clock() - self.t0 - self.scenario.start_time_s)

    def report(self) -> dict[str, Any]:
        """Cumulative numbers of this process (what a worker ships to the master)."""
        st = self.pool.stats()
        return {
            "offered": st.offered, "started": st.started, "dropped": st.dropped, "waiting": st.waiting,
            "attached": st.attached, "active": st.active, "busy": st.busy, "peak_busy": st.peak_busy,
            "peak_active": st.peak_active, "achieved_rate": self.achieved_rate(),
            "lag": self.lag.to_wire(), "iteration": self.iteration.to_wire(),
        }


class ArrivalRuntime:
    """Every arrival-rate executor of this process, and the Locust users attached to them.

    A worker creates it empty at ``init`` and ``configure``s it when the
    master's scenarios arrive; users that start before that wait for it.
    """

    CONFIGURE_TIMEOUT_S = 10.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.latency_from_schedule = False
        self.executors: dict[str, ScenarioExecutor] = {}
        self.by_class: dict[str, list[ScenarioExecutor]] = {}
        self.closed_classes: frozenset[str] = frozenset()
        self.t0: float | None = None
        self.t0_wall: float | None = None
        self.configured = Event()
        self._current: dict[Hashable, Ticket] = {}

    def configure(self, scenarios: Iterable[Scenario], *, class_names: Mapping[str, Iterable[str]],
                  closed_classes: Iterable[str] = (), latency_from_schedule: bool = False) -> ArrivalRuntime:
        """``class_names`` maps scenario name -> the user classes whose users are its VUs (``exec``)."""
        self.latency_from_schedule = latency_from_schedule
        for s in scenarios:
            ex = ScenarioExecutor(s, latency_from_schedule=latency_from_schedule, clock=self.clock)
            self.executors[s.name] = ex
            for cls in class_names[s.name]:
                self.by_class.setdefault(cls, []).append(ex)
        self.closed_classes = frozenset(closed_classes)
        self.configured.set()
        return self

    @property
    def class_names(self) -> frozenset[str]:
        return frozenset(self.by_class)

    def start(self, t0_wall: float, assignment: Assignment | None = SOLO) -> None:
        """Start every executor; ``t0_wall`` is the test's start (unix seconds, the master's clock)."""
        self.t0_wall = t0_wall
        self.t0 = self.clock() - (time.time() - t0_wall)
        for ex in self.executors.values():
            ex.assignments = Assignments()
            ex.start(self.t0)  # the loop runs at the next yield, after the split below
            if assignment is not None:
                ex.assign(assignment)

    def stop(self) -> None:
        for ex in self.executors.values():
            ex.stop()

    def assign(self, a: Assignment) -> None:
        for ex in self.executors.values():
            ex.assign(a)

    # -- users ----------------------------------------------------------------------------------------

    def attach(self, user: Any) -> VuHandle | None:
        """Make a starting Locust user a VU of one of its class's arrival scenarios (None: it runs closed-loop)."""
        if not self.configured.is_set() and not self.configured.wait(self.CONFIGURE_TIMEOUT_S):
            logger.warning("no arrival-rate scenarios from the master after %.0f s: %s runs Locust's own loop",
                           self.CONFIGURE_TIMEOUT_S, type(user).__name__)
            return None
        candidates = self.by_class.get(type(user).__name__, [])
        if not candidates:
            return None
        now = self.clock()
        shared = type(user).__name__ in self.closed_classes
        live = [ex for ex in candidates if ex.live(now, EARLY_ATTACH_S)]
        if not live and not shared:
            # spawned before the test reference reached this process, or between windows: the
            # scenario still to come (or the last one) takes it
            live = [ex for ex in candidates if not ex.finished] or candidates
        live = [ex for ex in live if ex.deficit() > 0] or ([] if shared else live)
        if not live:
            return None
        ex = max(live, key=lambda e: e.deficit())
        return VuHandle(ex, user)

    # -- the iteration context of the running greenlet -------------------------------------------------

    def began(self, key: Hashable, vu: VuHandle, ticket: Ticket) -> None:
        vu.executor.began(ticket)
        self._current[key] = ticket

    def ended(self, key: Hashable, vu: VuHandle, ticket: Ticket) -> None:
        self._current.pop(key, None)
        vu.executor.ended(ticket)

    def current(self, key: Hashable) -> Ticket | None:
        return self._current.get(key)

    def on_request(self, request_type: str = "", name: str = "", response_time: float = 0.0,
                   response: Any = None, **_kw: Any) -> None:
        """Locust ``request`` listener: with latency-from-schedule, record the corrected duration.

        corrected = the request's own duration + its iteration's schedule lag, i.e. the
        time from the instant the iteration should have started until the response.
        """
        if not self.latency_from_schedule:
            return
        ticket = self._current.get(gevent.getcurrent())
        if ticket is None:
            return
        tags = dict(ticket.tags)
        tags.update(name=name, method=request_type)
        status = getattr(response, "status_code", None)
        if status is not None:
            tags["status"] = str(status)
        sink.record(sink.CORRECTED, float(response_time or 0.0) + ticket.lag_ms, tagset(tags))

    def report(self) -> dict[str, Any]:
        return {name: ex.report() for name, ex in self.executors.items()}
