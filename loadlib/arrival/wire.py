"""Scenarios across the master -> worker link (Locust messages carry plain msgpack data).

>>> s = Scenario("pay", "constant-arrival-rate", rate=50, time_unit_s=1, duration_s=10,
...              pre_allocated_vus=5, max_vus=20, tags={"team": "a"})
>>> scenario_from_wire(scenario_to_wire(s)) == s
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadlib.profiles.model import Scenario, Stage

_FIELDS = ("name", "executor", "exec", "start_time_s", "graceful_stop_s", "duration_s", "rate", "start_rate",
           "time_unit_s", "pre_allocated_vus", "max_vus")


def scenario_to_wire(s: Scenario) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(s, f) for f in _FIELDS}
    data["stages"] = [[st.duration_s, st.target] for st in s.stages]
    data["tags"] = dict(s.tags)
    return data


def scenario_from_wire(data: Mapping[str, Any]) -> Scenario:
    kw: dict[str, Any] = {f: data.get(f) for f in _FIELDS}
    kw["stages"] = tuple(Stage(float(d), float(t)) for d, t in data.get("stages") or ())
    kw["tags"] = dict(data.get("tags") or {})
    return Scenario(**kw)
