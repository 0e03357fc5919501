"""k6's command-line ``--stage DURATION:TARGET`` (``2m:100``, ``30s:100vu``).

>>> parse_stage("2m:100vu")
Stage(duration_s=120.0, target=100)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from loadlib.errors import ProfileError
from loadlib.profiles.duration import ACCEPTED, DurationSyntaxError, parse_duration
from loadlib.profiles.model import Profile, Scenario, Stage

EXPECTED = "DURATION:TARGET such as 2m:100 or 30s:100vu (target a whole number >= 0)"


def parse_stage(text: str, index: int = 0) -> Stage:
    field = f"--stage #{index + 1}"
    raw = str(text).strip()
    if raw.count(":") != 1:
        raise ProfileError(field, raw, EXPECTED, source="command line")
    dur_text, target_text = (p.strip() for p in raw.split(":"))
    try:
        duration = parse_duration(dur_text)
    except DurationSyntaxError:
        raise ProfileError(field, raw, f"{EXPECTED}; the duration must be {ACCEPTED}", source="command line") from None
    t = target_text.lower().removesuffix("vus").removesuffix("vu").strip()
    try:
        target = int(t)
    except ValueError:
        raise ProfileError(field, raw, EXPECTED, source="command line") from None
    if target < 0:
        raise ProfileError(field, raw, f"{EXPECTED}; a target can't be negative", source="command line")
    return Stage(duration, target)


def parse_stages(texts: Iterable[str]) -> tuple[Stage, ...]:
    return tuple(parse_stage(t, i) for i, t in enumerate(texts))


def stages_profile(stages: tuple[Stage, ...]) -> Profile:
    """A profile made only of command-line stages (k6 ``--stage`` without options in the script)."""
    if max((s.target for s in stages), default=0) <= 0:
        raise ProfileError("--stage", [f"{s.duration_s:g}s:{s.target:g}" for s in stages],
                           "at least one stage with a target greater than 0", source="command line")
    scenario = Scenario(name="default", executor="ramping-vus", start_vus=1, stages=stages, graceful_ramp_down_s=30.0)
    return Profile(name="stages", source="--stage", scenarios=(scenario,))


def parse_time_scale(raw: object) -> float:
    """``--time-scale F``: a finite number greater than 0.

    >>> parse_time_scale("0.01")
    0.01
    """
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ProfileError("--time-scale", raw, "a number greater than 0, e.g. 0.01 or 2", source="command line")
    return value
