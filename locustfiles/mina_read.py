"""Mina 01 - API read load (seed 001, 01-api-read-load.js).

One read per iteration, spread evenly over the seed's five endpoints (meetings
list, meeting detail, analytics dashboard, trends, pending tasks); the default
profile drives it at 100 -> 400 -> 1000 iterations/s (arrival rate).

    locust -f locustfiles/mina_read.py --headless     # profile mina-api-read
"""

from __future__ import annotations

from _mina import MinaUser
from locust import task

from loadlib import check, default_profile

default_profile("mina-api-read")


class MinaRead(MinaUser):
    @task
    def read_endpoint(self) -> None:
        r = self.read()
        check(r, {"status is 200": lambda r: r.status == 200, "body is JSON": lambda r: r.json is not None})
