"""``FastUser`` (geventhttpclient) and ``HttpUser`` (requests): Locust users with workload helpers.

    from locust import task
    from loadlib import FastUser

    class Reader(FastUser):
        prefix = "/mina"

        @task
        def meetings(self):
            self.request_json("GET", "/api/meetings?page=1&per_page=20", name="GET /api/meetings")
"""

from __future__ import annotations

import locust
from locust.contrib.fasthttp import FastHttpUser

from loadlib.users.base import WorkloadMixin


class FastUser(WorkloadMixin, FastHttpUser):
    """The default base: Locust's FastHttpUser plus loadlib's helpers (see ``loadlib.users.base``)."""

    abstract = True

    def __init__(self, environment) -> None:  # noqa: ANN001 (locust.env.Environment)
        super().__init__(environment)
        self._init_workload()


class HttpUser(WorkloadMixin, locust.HttpUser):
    """The same helpers on Locust's requests-based HttpUser (slower; full requests API)."""

    abstract = True

    def __init__(self, environment) -> None:  # noqa: ANN001
        super().__init__(environment)
        self._init_workload()
