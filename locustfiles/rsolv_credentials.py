"""RSOLV - credential vending (seed 004, credential-vending-load-test.k6.js).

Each iteration exchanges one of the five test customers' API keys
(TEST_API_KEY_1..5, picked at random) for AI provider credentials: a random
non-empty subset of anthropic/openai, a TTL of 1-4 hours, GitHub job metadata.
The per-customer limit (60/min) answers 429, which is expected and counted
in ``rate_limit_hits``.

Custom metrics: ``credential_success`` (Rate of 200 among non-limited requests),
``credential_exchange_duration`` (ms), ``rate_limit_hits``.

    locust -f locustfiles/rsolv_credentials.py --headless    # profile rsolv-credential-vending
"""

from __future__ import annotations

from _rsolv import RsolvUser, api_keys, rate_limit_hits
from locust import task

from loadlib import Rate, Trend, check, default_profile

default_profile("rsolv-credential-vending")

KEYS = api_keys()
PROVIDERS = (("anthropic",), ("openai",), ("anthropic", "openai"))

credential_success = Rate("credential_success")
credential_exchange_duration = Trend("credential_exchange_duration", time=True)


class RsolvCredentials(RsolvUser):
    @task
    def exchange(self) -> None:
        key = self.data.choice(KEYS).value
        providers = list(self.data.choice(PROVIDERS))
        ttl = self.data.random.randint(60, 240)
        r = self.request_json("POST", "/api/v1/credentials/exchange", name="POST /api/v1/credentials/exchange",
                              expect=(200, 429), headers={"X-API-Key": key}, json={
                                  "providers": providers, "ttl_minutes": ttl,
                                  "github_job_id": f"job_{self.data.hex(8)}",
                                  "github_run_id": str(self.data.random.randint(10**6, 10**9)),
                                  "repository": f"rsolv-dev/{self.data.choice(('api', 'web', 'worker'))}"})
        if r.status == 429:
            rate_limit_hits.add(1, tags={"endpoint": "credentials"})
            return
        credential_exchange_duration.add(r.elapsed_ms)
        creds = r.get("credentials") or {}
        ok = check(r, {"credentials vended": lambda r: r.status == 200,
                       "every provider present": lambda r: all(p in creds for p in providers),
                       "ttl honoured": lambda r: r.get("ttl_minutes") == ttl})
        credential_success.add(ok)
