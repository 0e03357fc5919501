"""Mina 04 - SLO verification (seed 001, 04-slo-verification.js).

Sustained 400 iterations/s (arrival rate) for 10 minutes, one request per
iteration with the seed's weighted endpoint mix: 15% static page, 70% API
read, 10% health, 5% write. Thresholds (profile mina-slo-400rps) hold the
seed's nine SLOs on the per-class trends and rates of ``_mina``.

    locust -f locustfiles/mina_slo.py --headless      # profile mina-slo-400rps
"""

from __future__ import annotations

from _mina import MinaUser
from locust import task

from loadlib import check, default_profile

default_profile("mina-slo-400rps")


class MinaSlo(MinaUser):
    @task(15)
    def static_page(self) -> None:
        path = self.data.choice(("/", "/static/index.html"))
        r = self.call("static", "GET", path, "GET /static", expect=(200,))
        check(r, {"static page served": lambda r: r.status == 200})

    @task(70)
    def api_read(self) -> None:
        check(self.read(), {"api read ok": lambda r: r.status == 200})

    @task(10)
    def health(self) -> None:
        r = self.call("health", "GET", "/health", "GET /health", expect=(200,))
        check(r, {"healthy": lambda r: r.get("status") == "healthy"})

    @task(5)
    def write(self) -> None:
        action = self.data.choice((self.create_meeting, self.create_task, self.update_task))
        check(action(), {"write ok": lambda r: r.ok})
