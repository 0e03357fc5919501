"""The VU pool of one arrival-rate scenario in one process: who runs a start, or why nobody does.

Pure state machine, no clock and no gevent: the runtime passes ``now`` and
acts on the returned decision. Rules (k6's, with one deliberate difference):

* the first ``pre_allocated`` VUs that attach are active from the start;
* a start goes to an idle active VU; if none is idle and fewer than
  ``max_vus`` are active, one more attached VU is activated and runs it
  (k6 drops this start while it initialises the VU in the background; here
  the VU already exists as an idle Locust user, so nothing is lost);
* while fewer than ``max_vus`` VUs have attached (Locust is still spawning
  them: k6 initialises VUs before the clock starts, Locust after), the start
  waits for the next VU that attaches or frees up;
* otherwise the start is dropped, unless ``queue_when_full`` (latency from
  schedule mode), where it waits for the next VU that frees up;
* a start never waits longer than ``max_wait_s``: then it is dropped.

>>> pool = VuPool(pre_allocated=1, max_vus=1)
>>> pool.attach("u1", now=0.0)
>>> pool.offer(0.0, now=0.0)
Decision(kind='run', vu='u1', scheduled=0.0, first_drop=False)
>>> pool.offer(0.1, now=0.1).kind
'drop'
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

DecisionKind = Literal["run", "wait", "drop"]


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    vu: Hashable | None = None
    scheduled: float | None = None
    first_drop: bool = False  # the first drop of this pool: time for the one-time warning


@dataclass(frozen=True)
class PoolStats:
    offered: int  # starts this process owned
    started: int  # starts handed to a VU
    dropped: int
    waiting: int  # starts waiting for a VU right now
    attached: int
    active: int
    busy: int
    peak_busy: int
    peak_active: int


class VuPool:
    def __init__(self, pre_allocated: int, max_vus: int, *, queue_when_full: bool = False,
                 max_wait_s: float = 30.0) -> None:
        self.pre_allocated = max(0, pre_allocated)
        self.max_vus = max(self.pre_allocated, max_vus)
        self.queue_when_full = queue_when_full
        self.max_wait_s = max_wait_s
        self._attached: set[Hashable] = set()
        self._active: set[Hashable] = set()
        # insertion-ordered dicts as ordered sets: O(1) membership and removal with hundreds of VUs
        self._idle: dict[Hashable, None] = {}  # active, waiting for a start (newest last)
        self._inactive: dict[Hashable, None] = {}  # attached, not activated yet (oldest first)
        self._waiting: deque[float] = deque()  # scheduled instants of starts waiting for a VU
        self.offered = self.started = self.dropped = 0
        self.peak_busy = self.peak_active = 0

    # -- sizing ---------------------------------------------------------------------------------------

    def resize(self, pre_allocated: int, max_vus: int) -> None:
        """New shares after a re-split; VUs already active stay active."""
        self.pre_allocated = max(0, pre_allocated)
        self.max_vus = max(self.pre_allocated, max_vus)

    @property
    def attached(self) -> int:
        return len(self._attached)

    @property
    def busy(self) -> int:
        return len(self._active) - len(self._idle)

    def _can_activate(self) -> bool:
        # a worker may get more users than its share of maxVUs (Locust's dispatch is not ours);
        # it uses them all: the total over workers is still maxVUs
        return len(self._active) < max(self.max_vus, len(self._attached))

    def _run(self, vu: Hashable, scheduled: float) -> Decision:
        self.started += 1
        self.peak_busy = max(self.peak_busy, self.busy)
        self.peak_active = max(self.peak_active, len(self._active))
        return Decision("run", vu, scheduled)

    def _drop(self) -> Decision:
        self.dropped += 1
        return Decision("drop", first_drop=self.dropped == 1)

    def reset(self) -> None:
        """A new run: counters start over; attached VUs stay, all idle."""
        self._waiting.clear()
        self.offered = self.started = self.dropped = 0
        self.peak_busy = self.peak_active = 0

    # -- events ---------------------------------------------------------------------------------------

    def offer(self, scheduled: float, now: float) -> Decision:
        """A start is due: run it on a VU, let it wait for one, or drop it."""
        self.offered += 1
        if self._idle:
            # the VU that freed up last: its connection is warm, the others can stay idle
            return self._run(self._idle.popitem()[0], scheduled)
        if self._inactive and self._can_activate():
            vu = next(iter(self._inactive))
            del self._inactive[vu]
            self._active.add(vu)
            return self._run(vu, scheduled)
        if len(self._attached) < self.max_vus or self.queue_when_full:
            self._waiting.append(scheduled)
            return Decision("wait", scheduled=scheduled)
        return self._drop()

    def attach(self, vu: Hashable, now: float) -> None:
        """A Locust user of this scenario's class started; it becomes a VU of this pool."""
        if vu in self._attached:
            return
        self._attached.add(vu)
        if len(self._active) < self.pre_allocated:
            self._active.add(vu)
            self._idle[vu] = None
        else:
            self._inactive[vu] = None

    def ready(self, vu: Hashable, now: float) -> Decision | None:
        """``vu`` finished an iteration (or just attached): the start it runs next, if one waits."""
        if vu not in self._attached:
            self.attach(vu, now)
        # the VU is idle now, wherever attach() or a finished iteration left it
        self._idle.pop(vu, None)
        self._inactive.pop(vu, None)
        self.expire(now)
        if self._waiting and (vu in self._active or self._can_activate()):
            scheduled = self._waiting.popleft()
            self._active.add(vu)
            return self._run(vu, scheduled)
        if vu in self._active:
            self._idle[vu] = None
        else:
            self._inactive[vu] = None
        return None

    def detach(self, vu: Hashable) -> None:
        """The user stopped (the shape ended the scenario, or the run stops)."""
        self._attached.discard(vu)
        self._active.discard(vu)
        self._idle.pop(vu, None)
        self._inactive.pop(vu, None)

    def expire(self, now: float) -> list[Decision]:
        """Drop starts that waited longer than ``max_wait_s``."""
        drops = []
        while self._waiting and now - self._waiting[0] > self.max_wait_s:
            self._waiting.popleft()
            drops.append(self._drop())
        return drops

    def flush(self) -> list[Decision]:
        """The scenario is over: every start still waiting is dropped."""
        drops = []
        while self._waiting:
            self._waiting.popleft()
            drops.append(self._drop())
        return drops

    def stats(self) -> PoolStats:
        return PoolStats(self.offered, self.started, self.dropped, len(self._waiting), len(self._attached),
                         len(self._active), self.busy, self.peak_busy, self.peak_active)
