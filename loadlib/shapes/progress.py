"""How many iterations each scenario has completed: the hook iteration-count executors need.

The metrics hub calls ``iteration_completed(scenario)`` when a user finishes an
iteration of a ``per-vu-iterations`` / ``shared-iterations`` scenario (on a
master, with the merged count via ``set_completed``); ``ProfileShape`` ends the
scenario once the goal is reached. The counts live in
``state.RUN.extras["iterations_completed"]`` so every part reads the same numbers.

>>> iteration_completed("batch"); completed_iterations()["batch"] >= 1
True
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

_LOCAL: dict[str, int] = {}  # fallback when the hub (and its state) is not loaded


def _store() -> dict[str, int]:
    state = sys.modules.get("loadlib.plugin.state")  # only when the hub runs; never import Locust from here
    if state is None:
        return _LOCAL
    return state.RUN.extras.setdefault("iterations_completed", {})


def iteration_completed(scenario: str, count: int = 1) -> None:
    """Count ``count`` more completed iterations for ``scenario``."""
    store = _store()
    store[scenario] = store.get(scenario, 0) + int(count)


def set_completed(counts: Mapping[str, int]) -> None:
    """Replace the counts with merged totals (the master, from worker reports)."""
    store = _store()
    store.clear()
    store.update({k: int(v) for k, v in counts.items()})


def completed_iterations() -> dict[str, int]:
    return dict(_store())
