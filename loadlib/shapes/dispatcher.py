"""A UsersDispatcher that gives every user class exactly its scenario's count, on k6's schedule.

Locust's own dispatcher hands out users by weight (a KL-divergence sequence) and
removes them last-in-first-out, so per-class counts drift when several
scenarios ramp in different directions at once; and a naive shape only changes
the count once per ~1 s tick. This dispatcher asks the ``ProfileShape`` for the
exact per-class targets and, within each tick's window, yields a new
distribution whenever the profile's integer count changes (sampled every
``STEP_S``), so a ramp of 10 users/s adds them one by one rather than in a
lump. Each class is spread evenly over the workers (master/worker), so workers
spawn exactly what the master decided.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import gevent
from locust.dispatch import UsersDispatcher

if TYPE_CHECKING:
    from locust.runners import WorkerNode

STEP_S = 0.05  # sampling period inside a tick window
WINDOW_S = 0.95  # a dispatch covers (almost) one shape tick, so the next tick's start() finds it finished


class ExactDispatcher(UsersDispatcher):
    """Subclassed per run with a ``shape`` attribute (see ``ProfileShape.dispatcher_class``)."""

    shape: Any = None  # ProfileShape: class_targets_at(t) -> {class: n}, get_run_time()

    def __init__(self, worker_nodes: list[WorkerNode], user_classes: list[Any]) -> None:
        super().__init__(worker_nodes, user_classes)
        self._names = [c.__name__ for c in user_classes]
        self._counts: dict[str, dict[str, int]] = {w.id: dict.fromkeys(self._names, 0) for w in self._worker_nodes}

    # --- Locust's dispatcher interface -------------------------------------------------
    def new_dispatch(self, target_user_count: int, spawn_rate: float, user_classes: list[Any] | None = None) -> None:
        self._target_user_count = target_user_count
        self._spawn_rate = spawn_rate
        self._dispatcher_generator = self._windowed()
        self._dispatch_iteration_durations.clear()

    def add_worker(self, worker_node: WorkerNode) -> None:
        self._worker_nodes.append(worker_node)
        self._sort_workers()
        self._counts[worker_node.id] = dict.fromkeys(self._names, 0)
        self._rebalance_to(self._class_totals())

    def remove_worker(self, worker_node: WorkerNode) -> None:
        self._worker_nodes = [w for w in self._worker_nodes if w.id != worker_node.id]
        totals = self._class_totals()
        self._counts.pop(worker_node.id, None)
        if self._worker_nodes:
            self._rebalance_to(totals)

    def get_current_user_count(self) -> int:
        counts = getattr(self, "_counts", None)
        if counts is None:  # called by the base __init__ before our state exists
            return 0
        return sum(sum(c.values()) for c in counts.values())

    # --- the schedule ------------------------------------------------------------------
    def _windowed(self) -> Generator[dict[str, dict[str, int]]]:
        self._dispatch_in_progress = True
        try:
            shape = self.shape
            start = shape.get_run_time()
            horizon = start + WINDOW_S
            self._apply(shape.class_targets_at(start))
            yield self._snapshot()
            now = start
            while True:
                nxt = now + STEP_S
                if nxt > horizon:
                    break
                gevent.sleep(max(0.0, nxt - shape.get_run_time()))
                now = shape.get_run_time()
                if self._apply(shape.class_targets_at(min(now, horizon))):
                    yield self._snapshot()
        finally:
            self._dispatch_in_progress = False

    def _snapshot(self) -> dict[str, dict[str, int]]:
        return {w: dict(c) for w, c in self._counts.items()}

    def _class_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(self._names, 0)
        for c in self._counts.values():
            for name, n in c.items():
                totals[name] = totals.get(name, 0) + n
        return totals

    def _apply(self, targets: dict[str, int]) -> bool:
        """Move per-worker counts to ``targets`` with the fewest changes; True when anything changed."""
        changed = False
        workers = [w.id for w in self._worker_nodes]
        if not workers:
            return False
        current = self._class_totals()
        for name in self._names:
            want = int(targets.get(name, 0))
            have = current.get(name, 0)
            while have < want:  # add to the least-loaded worker
                wid = min(workers, key=lambda w: (self._counts[w][name], sum(self._counts[w].values()), w))
                self._counts[wid][name] += 1
                have += 1
                changed = True
            while have > want:  # remove from the most-loaded worker
                wid = max(workers, key=lambda w: (self._counts[w][name], sum(self._counts[w].values()), w))
                self._counts[wid][name] -= 1
                have -= 1
                changed = True
        return changed

    def _rebalance_to(self, totals: dict[str, int]) -> None:
        self._counts = {w.id: dict.fromkeys(self._names, 0) for w in self._worker_nodes}
        self._apply(totals)
        self._rebalance = True
