"""The `make demo` workload: a short staged load test against the embedded sandbox.

Plain Locust code plus ``import loadlib``: the profile (``profiles/demo.toml``:
ramp to 10 VUs, hold, ramp down; thresholds on errors and p95), k6-style
checks, a custom Trend and the end-of-run summary and reports all come from
the plugin. With no ``--host`` the sandbox starts on a free loopback port.

    locust -f locustfiles/demo.py --headless --summary-export results/demo/summary.json
"""

from __future__ import annotations

import random

from locust import FastHttpUser, between, task

import loadlib
from loadlib import Trend, check

loadlib.default_profile("demo")

meeting_page = Trend("meeting_page_duration", time=True)


class DemoVisitor(FastHttpUser):
    wait_time = between(0.2, 0.6)

    @task(5)
    def browse_meetings(self) -> None:
        page = random.randint(1, 20)
        with self.client.get(f"/mina/api/meetings?page={page}&per_page=20", name="/mina/api/meetings",
                             catch_response=True) as r:
            ok = check(r, {
                "meetings status is 200": lambda r: r.status_code == 200,
                "meetings page has 20 rows": lambda r: len(r.json()["meetings"]) == 20,
            })
            meeting_page.add(r.request_meta["response_time"], tags={"page_bucket": "first" if page < 5 else "rest"})
            if not ok:
                r.failure("meetings page failed its checks")

    @task(2)
    def dashboard(self) -> None:
        r = self.client.get("/mina/api/analytics/dashboard?days=7", name="/mina/api/analytics/dashboard")
        check(r, {"dashboard status is 200": lambda r: r.status_code == 200})

    @task(1)
    def create_task(self) -> None:
        r = self.client.post("/mina/api/tasks", json={"title": "demo task", "priority": "low"}, name="/mina/api/tasks")
        check(r, {"task created": lambda r: r.status_code == 201})

    @task(1)
    def health(self) -> None:
        self.client.get("/health")
