"""Shared client for the Mina workloads (seed 001). Not a locustfile.

| variable | meaning                                         | embedded-sandbox value |
|----------|-------------------------------------------------|------------------------|
| BASE_URL | Mina root, e.g. http://localhost:5000 (seed default) | ``<host>/mina``    |

SLO bookkeeping shared by the four workloads: one trend per endpoint class
(``slo_api_read_latency``, ``slo_api_write_latency``, ``slo_static_latency``,
``slo_health_latency``), ``slo_availability`` (Rate of successful requests),
``slo_error_rate`` (Rate of failed ones) and ``slo_violations`` /
``slo_p99_violations`` (requests slower than their class's p95 / p99 target).
"""

from __future__ import annotations

from typing import Any

from loadlib import Counter, FastUser, Rate, Trend, env
from loadlib.users import Reply

BASE_URL = env("BASE_URL", base_url=True, help="Mina base URL, e.g. http://localhost:5000")

# SLO targets per endpoint class (ms): (p95, p99) from the seed's SLO table
TARGETS = {"read": (800, 1500), "write": (1200, 2000), "static": (500, 1000), "health": (500, 1000)}
LATENCY = {
    "read": Trend("slo_api_read_latency", time=True),
    "write": Trend("slo_api_write_latency", time=True),
    "static": Trend("slo_static_latency", time=True),
    "health": Trend("slo_health_latency", time=True),
}
# request tag ``kind`` (thresholds such as http_req_duration{kind:api_read} select on it)
KIND_TAGS = {"read": "api_read", "write": "api_write", "static": "static", "health": "health"}
slo_availability = Rate("slo_availability")
slo_error_rate = Rate("slo_error_rate")
slo_violations = Counter("slo_violations")
slo_p99_violations = Counter("slo_p99_violations")

READS = (
    ("GET /api/meetings", lambda d: "/api/meetings?page=1&per_page=20"),
    ("GET /api/meetings/{id}", lambda d: f"/api/meetings/{d.random.randint(1, 1000)}"),
    ("GET /api/analytics/dashboard", lambda d: "/api/analytics/dashboard?days=7"),
    ("GET /api/analytics/trends", lambda d: "/api/analytics/trends?days=30"),
    ("GET /api/tasks", lambda d: "/api/tasks?status=pending"),
)


class MinaUser(FastUser):
    abstract = True
    prefix = "/mina"
    base_url_env = BASE_URL

    def on_start(self) -> None:
        slo_violations.add(0)
        slo_p99_violations.add(0)

    def call(self, kind: str, method: str, path: str, name: str, **kwargs: Any) -> Reply:
        """One request, recorded in its SLO class."""
        r = self.request_json(method, path, name=name, tags={"kind": KIND_TAGS[kind]}, **kwargs)
        LATENCY[kind].add(r.elapsed_ms)
        slo_availability.add(r.ok)
        slo_error_rate.add(not r.ok)
        p95, p99 = TARGETS[kind]
        if r.elapsed_ms > p95:
            slo_violations.add(1, tags={"class": kind})
        if r.elapsed_ms > p99:
            slo_p99_violations.add(1, tags={"class": kind})
        return r

    def read(self, index: int | None = None) -> Reply:
        name, path = READS[index] if index is not None else self.data.choice(READS)
        return self.call("read", "GET", path(self.data), name, expect=(200,))

    # writes keep a little state per user so updates and deletes hit rows this user made
    def create_meeting(self) -> Reply:
        r = self.call("write", "POST", "/api/meetings", "POST /api/meetings", expect=(201,), json={
            "title": f"Load test sync {self.data.hex(6)}", "description": "created by loadlib",
            "duration_minutes": self.data.choice((15, 30, 45, 60)),
            "participants": [self.data.user().email for _ in range(3)]})
        if r.ok:
            self.my_meetings = [*getattr(self, "my_meetings", [])[-9:], r.get("id")]
        return r

    def update_meeting(self) -> Reply:
        mid = self.data.choice(getattr(self, "my_meetings", None) or [self.data.random.randint(1, 1000)])
        return self.call("write", "PUT", f"/api/meetings/{mid}", "PUT /api/meetings/{id}", expect=(200,),
                         json={"title": f"Updated sync {self.data.hex(4)}", "duration_minutes": 45})

    def create_task(self) -> Reply:
        mids = getattr(self, "my_meetings", None)
        r = self.call("write", "POST", "/api/tasks", "POST /api/tasks", expect=(201,), json={
            "title": f"Follow up {self.data.hex(6)}", "priority": self.data.choice(("low", "medium", "high")),
            "meeting_id": self.data.choice(mids) if mids else None, "assignee": self.data.user().email})
        if r.ok:
            self.my_tasks = [*getattr(self, "my_tasks", [])[-19:], r.get("id")]
        return r

    def update_task(self) -> Reply:
        tasks = getattr(self, "my_tasks", None)
        if not tasks:
            return self.create_task()
        return self.call("write", "PUT", f"/api/tasks/{self.data.choice(tasks)}", "PUT /api/tasks/{id}",
                         expect=(200,), json={"status": self.data.choice(("in_progress", "completed"))})

    def delete_task(self) -> Reply:
        tasks = getattr(self, "my_tasks", None)
        if not tasks:
            self.create_task()
            tasks = getattr(self, "my_tasks", None) or []
            if not tasks:
                return self.create_task()
        tid = tasks.pop()
        return self.call("write", "DELETE", f"/api/tasks/{tid}", "DELETE /api/tasks/{id}", expect=(200,),
                         validate=lambda r: None if r.get("deleted") is True else "task not deleted")
