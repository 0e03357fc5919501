"""``ProfileShape``: a Locust ``LoadTestShape`` that runs a loadlib ``Profile``.

Locust's shape loop calls ``tick()`` about once a second and (on a master)
blocks in ``runner.start()`` until a ramp is done (locust #2242, #1734). So the
shape does not hand Locust a spawn rate to ramp with: it pairs with
``ExactDispatcher`` (installed by ``dispatcher_class()``), which follows the
profile's exact per-class counts through each tick's window. ``tick()`` only
decides *whether* a window needs dispatching and when the run is over.

    from loadlib.profiles import load_profile
    from loadlib.shapes import ProfileShape

    class Shape(ProfileShape):
        profile = load_profile("payments-load").scaled(0.01)
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from locust import LoadTestShape

from loadlib.profiles.model import Profile
from loadlib.shapes import progress
from loadlib.shapes.dispatcher import WINDOW_S, ExactDispatcher
from loadlib.shapes.timeline import class_targets, end_time, iterations_goal, rates_at, targets_at

LOOKAHEAD_S = 1.25  # a tick dispatches when anything changes before the tick after it


class ProfileShape(LoadTestShape):
    """Drives users from a ``Profile``; pass it to the constructor or set the ``profile`` class attribute."""

    profile: ClassVar[Profile | None] = None
    abstract = True  # Locust must not pick this base class up from a locustfile's namespace

    def __init__(self, profile: Profile | None = None) -> None:
        super().__init__()
        self._profile = profile or type(self).profile
        if self._profile is None:
            raise ValueError("ProfileShape needs a profile")
        self._done_at: dict[str, float] = {}
        self._last: tuple[int, float, list[Any] | None] | None = None
        self._flip = False

    # --- what the dispatcher and tests read ---------------------------------------------
    @property
    def the_profile(self) -> Profile:
        return self._profile  # type: ignore[return-value]

    def user_class_weights(self) -> list[tuple[str, float]]:
        runner = self.runner
        classes = runner.user_classes if runner is not None else []
        return [(c.__name__, float(getattr(c, "weight", 1) or 0)) for c in classes]

    def _fixed_counts(self) -> dict[str, int]:
        classes = self.runner.user_classes if self.runner is not None else []
        return {c.__name__: int(c.fixed_count) for c in classes if getattr(c, "fixed_count", 0)}

    def _update_done(self, t: float, refresh: bool = False) -> None:
        completed = progress.completed_iterations()
        if refresh:
            for name, n in _metric_iterations(self.the_profile, self._done_at).items():
                completed[name] = max(completed.get(name, 0), n)
        for s in self.the_profile.scenarios:
            goal = iterations_goal(s)
            if goal is not None and s.name not in self._done_at and completed.get(s.name, 0) >= goal:
                self._done_at[s.name] = t

    def class_targets_at(self, t: float) -> dict[str, int]:
        self._update_done(t)
        return class_targets(self.the_profile, t, self.user_class_weights(), self._done_at, self._fixed_counts())

    def dispatcher_class(self) -> type[ExactDispatcher]:
        """A dispatcher class bound to this shape, for ``environment.dispatcher_class``."""
        return type("ProfileDispatcher", (ExactDispatcher,), {"shape": self})

    # --- Locust's contract ---------------------------------------------------------------
    def tick(self) -> tuple[int, float, list[Any] | None] | None:
        t = self.get_run_time()
        self._update_done(t, refresh=True)
        if t >= end_time(self.the_profile, self._done_at):
            return None
        scenarios = targets_at(self.the_profile, t, self._done_at)
        classes = self.class_targets_at(t)
        _record(t, scenarios, classes, rates_at(self.the_profile, t))
        actual = self._actual_counts()
        samples = [self.class_targets_at(t + k * 0.05) for k in range(int(LOOKAHEAD_S / 0.05) + 1)]
        upcoming = any(s != samples[0] for s in samples) or samples[0] != actual
        # The count the dispatcher ends this window at: a master waits until workers report it.
        total = sum(self.class_targets_at(t + WINDOW_S).values())
        if self._last is None or upcoming:
            # A different tuple makes Locust call runner.start(), i.e. dispatch this window.
            self._flip = not self._flip
            rate = self._spawn_rate(samples) + (0.001 if self._flip else 0.0)
            active = [c for c in (self.runner.user_classes if self.runner else []) if classes.get(c.__name__)]
            self._last = (total, rate, active or None)
        return self._last

    def _actual_counts(self) -> dict[str, int]:
        runner = self.runner
        if runner is None:
            return {}
        try:
            if hasattr(runner, "reported_user_classes_count"):  # master: what workers report
                return {k: v for k, v in runner.reported_user_classes_count.items()}
            return dict(runner.user_classes_count)
        except Exception:  # a runner mid-teardown; the next tick will see it
            return {}

    @staticmethod
    def _spawn_rate(samples: list[dict[str, int]]) -> float:
        """Users per second the window needs (for Locust's log line; the dispatcher sets the real pace)."""
        change = sum(abs(samples[-1].get(k, 0) - samples[0].get(k, 0)) for k in samples[0])
        return float(max(1, round(change / (WINDOW_S or 1))))


def _metric_iterations(profile: Profile, done: dict[str, float]) -> dict[str, int]:
    """Completed iterations per open iteration-count scenario, from the metrics hub's ``iterations``
    counter (tag ``scenario``; merged worker reports on a master). Empty when the hub is not loaded."""
    pending = [s.name for s in profile.scenarios if s.is_iterations and s.name not in done]
    metrics = sys.modules.get("loadlib.plugin.metrics")
    if not pending or metrics is None:
        return {}
    try:
        snap = metrics.current_snapshot().metrics.get("iterations")
        if snap is None:
            return {}
        return {name: int(snap.select({"scenario": name}).stat("count")) for name in pending}
    except Exception:  # the hub not started yet, or a run tearing down: the next tick retries
        return {}


def _record(t: float, scenarios: dict[str, int], classes: dict[str, int], rates: dict[str, float]) -> None:
    """Publish this tick's target for the timeline (``state.RUN.extras['target_vus']``).

    ``{"elapsed_s", "total", "scenarios": {name: users}, "classes": {class: users},
    "rate": total target iterations/s of arrival-rate scenarios or None, "rates": {name: it/s}}``
    """
    state = sys.modules.get("loadlib.plugin.state")
    if state is None:  # used without the hub (plain library use)
        return
    state.RUN.extras["target_vus"] = {
        "elapsed_s": round(t, 3),
        "total": sum(scenarios.values()),
        "scenarios": dict(scenarios),
        "classes": dict(classes),
        "rate": sum(rates.values()) if rates else None,
        "rates": dict(rates),
    }
