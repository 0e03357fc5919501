"""RSOLV - customer onboarding (seed 004, onboarding-load-test.k6.js).

Each iteration onboards a new customer (POST /api/v1/customers/onboard) and
checks the API key and the 5 trial fixes. Clients come from a pool of
addresses (``X-Forwarded-For``), 10% of them from one busy address, so the
10-requests-per-minute-per-IP limit engages as the seed intends: a 429 is
expected and counted in ``rate_limit_hits``; anything else but 201 fails.

Custom metrics: ``onboarding_success`` (Rate of 201 among non-limited requests),
``onboarding_duration`` (ms), ``rate_limit_hits``.

    locust -f locustfiles/rsolv_onboarding.py --headless     # profile rsolv-onboarding
"""

from __future__ import annotations

from _rsolv import RsolvUser, rate_limit_hits
from locust import task

from loadlib import Rate, Trend, check, default_profile

default_profile("rsolv-onboarding")

onboarding_success = Rate("onboarding_success")
onboarding_duration = Trend("onboarding_duration", time=True)
BUSY_CLIENT = "203.0.113.7"


class RsolvOnboarding(RsolvUser):
    def _client_ip(self) -> str:
        if self.data.chance(0.10):
            return BUSY_CLIENT
        return f"10.{self.worker_index % 250}.{self.data.random.randint(0, 255)}.{self.data.random.randint(1, 254)}"

    @task
    def onboard(self) -> None:
        who = self.data.identity()
        r = self.request_json("POST", "/api/v1/customers/onboard", name="POST /api/v1/customers/onboard",
                              expect=(201, 429), headers={"X-Forwarded-For": self._client_ip()},
                              json={"email": who.email, "name": who.name, "company": self.data.merchant().name})
        if r.status == 429:
            rate_limit_hits.add(1, tags={"endpoint": "onboard"})
            return
        onboarding_duration.add(r.elapsed_ms)
        ok = check(r, {"customer created": lambda r: r.status == 201,
                       "api key generated": lambda r: str(r.get("api_key", "")).startswith("rsolv_"),
                       "trial credits = 5": lambda r: r.get("trial_fixes") == 5})
        onboarding_success.add(ok)
