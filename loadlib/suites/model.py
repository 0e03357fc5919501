"""What a suite is: immutable records parsed from ``profiles/suites/NAME.toml``.

    >>> e = Entry(name="api-read", locustfile=Path("locustfiles/mina_read.py"), line=7)
    >>> Suite(name="mina", source=Path("mina.toml"), entries=(e,)).entry_names
    ('api-read',)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

OnFailure = Literal["continue", "stop"]


@dataclass(frozen=True)
class Entry:
    """One test of a suite: a locustfile run with its load profile and overrides."""

    name: str  # unique in the suite; names the report files (<name>.json, <name>.html, ...)
    locustfile: Path  # resolved, existing
    line: int  # line of its ``[[entries]]`` header in the suite file (for messages)
    description: str = ""
    user_classes: tuple[str, ...] = ()  # Locust's positional user-class names; empty = all
    profile: str | None = None  # --load-profile; None = the locustfile's default_profile(...)
    stages: tuple[str, ...] = ()  # --stage DURATION:TARGET overrides (k6's --stage)
    time_scale: float = 1.0  # multiplies the suite's and the command line's time scale
    thresholds: tuple[str, ...] = ()  # extra --threshold METRIC:EXPR
    args: tuple[str, ...] = ()  # extra locust arguments, passed as written
    env: Mapping[str, str] = field(default_factory=dict)  # entry defaults (override the suite's [env])
    host: str | None = None  # a target host for this entry only (else --host, else the sandbox)


@dataclass(frozen=True)
class Suite:
    """An ordered list of entries, the pause between them and what a failure does."""

    name: str
    source: Path
    entries: tuple[Entry, ...]
    description: str = ""
    cool_down_s: float = 0.0  # pause between two entries (scaled by the time scale)
    on_failure: OnFailure = "continue"  # "stop": skip the remaining entries once one fails
    time_scale: float = 1.0  # the suite's own scale (smoke suites compress their profiles)
    env: Mapping[str, str] = field(default_factory=dict)  # [env]: defaults for the workloads' variables

    @property
    def entry_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entries)
