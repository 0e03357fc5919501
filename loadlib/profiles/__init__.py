"""Load profiles: k6 ``options`` (stages, scenarios, thresholds) as TOML or pasted JSON.

    >>> from loadlib.profiles import load_profile
    >>> p = load_profile("smoke")          # profiles/smoke.toml
    >>> p.total_duration_s, p.peak_vus
    (300.0, 10)
    >>> p.scaled(0.1).total_duration_s     # --time-scale 0.1: same shape, ten times faster
    30.0
"""

from __future__ import annotations

from loadlib.errors import ProfileError
from loadlib.profiles.default import current_default, default_profile
from loadlib.profiles.duration import format_duration, parse_duration
from loadlib.profiles.loader import available_profiles, load_profile, profiles_dirs, resolve
from loadlib.profiles.model import ARRIVAL_EXECUTORS, EXECUTORS, Profile, Scenario, Stage, ThresholdSpec
from loadlib.profiles.stages import parse_stage, parse_stages, parse_time_scale, stages_profile

__all__ = [
    "ARRIVAL_EXECUTORS",
    "EXECUTORS",
    "Profile",
    "ProfileError",
    "Scenario",
    "Stage",
    "ThresholdSpec",
    "available_profiles",
    "current_default",
    "default_profile",
    "format_duration",
    "load_profile",
    "parse_duration",
    "parse_stage",
    "parse_stages",
    "parse_time_scale",
    "profiles_dirs",
    "resolve",
    "stages_profile",
]
