"""Load shapes driven by a profile.

``timeline`` is pure computation (no Locust import): ``targets_at(profile, t)``.
``ProfileShape`` (a Locust ``LoadTestShape``) and ``ExactDispatcher`` import Locust
on first use.

    >>> from loadlib.shapes.timeline import targets_at
"""

from __future__ import annotations

import importlib
from typing import Any

from loadlib.shapes.progress import completed_iterations, iteration_completed, set_completed
from loadlib.shapes.timeline import class_targets, end_time, scenario_target, targets_at, total_at

_LAZY = {"ProfileShape": "loadlib.shapes.shape", "ExactDispatcher": "loadlib.shapes.dispatcher"}

__all__ = [
    "ExactDispatcher",
    "ProfileShape",
    "class_targets",
    "completed_iterations",
    "end_time",
    "iteration_completed",
    "scenario_target",
    "set_completed",
    "targets_at",
    "total_at",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'loadlib.shapes' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
