"""Global state department: the only module-level mutable state of the hub.

One run per process. Hub modules read and write ``RUN``; the parts they call
receive plain values, never this object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REGISTERED = False


@dataclass
class RunContext:
    environment: Any = None  # locust.env.Environment
    options: Any = None  # argparse.Namespace with loadlib options
    profile: Any = None  # loadlib.profiles.Profile, validated at init
    registry: Any = None  # loadlib.metrics.Registry of this process (merged truth on the master)
    thresholds: Any = None  # loadlib.thresholds.ThresholdSet
    started_at: float | None = None
    ended_at: float | None = None
    interrupted: bool = False
    aborted_by_threshold: bool = False
    script_exception: bool = False
    partial: bool = False
    notes: list[str] = field(default_factory=list)
    timeline: list[Any] = field(default_factory=list)  # loadlib.results.TimelinePoint
    extras: dict[str, Any] = field(default_factory=dict)  # per-concern scratch, keyed by hub module


RUN = RunContext()


def reset() -> RunContext:
    """A fresh context (tests that run several environments in one process)."""
    global RUN
    RUN = RunContext()
    return RUN
