"""Mina 03 - mixed workload (seed 001, 03-mixed-workload.js).

One user session per iteration: the seed's journey with its think times
(dashboard 1-3 s, meetings 0.5-2 s, analytics 1-3 s, trends 0.8-2 s, tasks
0.5-1.5 s, settings 0.5-1.5 s, health instant). Each step is a read 80% of the
time, a write (create/update meeting or task) 15%, a delete 5%.

Custom metrics: ``session_duration`` (ms, seed target avg < 10 s) and
``session_success`` (seed target > 95%).

    locust -f locustfiles/mina_mixed.py --headless    # profile mina-mixed
"""

from __future__ import annotations

import time

from _mina import MinaUser
from locust import task

from loadlib import Rate, Trend, check, default_profile

default_profile("mina-mixed")

session_duration = Trend("session_duration", time=True)
session_success = Rate("session_success")

# (read index in _mina.READS or a named page, think time range) in journey order
JOURNEY = (("dashboard", (1.0, 3.0)), ("meetings", (0.5, 2.0)), ("analytics", (1.0, 3.0)),
           ("trends", (0.8, 2.0)), ("tasks", (0.5, 1.5)), ("settings", (0.5, 1.5)), ("health", (0.0, 0.0)))
MIX = {"read": 80, "write": 15, "delete": 5}


class MinaMixed(MinaUser):
    def _read_step(self, step: str):  # noqa: ANN202
        if step == "dashboard":
            return self.read(2)
        if step == "meetings":
            return self.read(0)
        if step == "analytics":
            return self.read(1)
        if step == "trends":
            return self.read(3)
        if step == "tasks":
            return self.read(4)
        if step == "settings":
            return self.call("read", "GET", "/api/settings", "GET /api/settings", expect=(200,))
        return self.call("health", "GET", "/health", "GET /health", expect=(200,))

    def _write_step(self):  # noqa: ANN202
        action = self.data.choice((self.create_meeting, self.update_meeting, self.create_task, self.update_task))
        return action()

    @task
    def session(self) -> None:
        t0 = time.perf_counter()
        ok = True
        for step, think in JOURNEY:
            kind = self.data.weighted(MIX)
            r = self._read_step(step) if kind == "read" or step == "health" else (
                self._write_step() if kind == "write" else self.delete_task())
            ok = check(r, {f"{kind} ok": lambda r: r.ok}) and ok
            if think[1] > 0:
                self.think(*think)
        session_duration.add((time.perf_counter() - t0) * 1000)
        session_success.add(ok)
