"""Shared configuration for the RSOLV workloads (seed 004). Not a locustfile.

| variable               | meaning                                     | embedded-sandbox value |
|------------------------|---------------------------------------------|------------------------|
| API_URL                | RSOLV API base URL                          | ``<host>/rsolv``       |
| TEST_API_KEY_1 .. _5   | five customers' API keys (credential vending) | rsolv_test_key_1..5  |
| STRIPE_WEBHOOK_SECRET  | signs webhook events (Stripe scheme)        | whsec_test_secret      |

``rate_limit_hits`` counts 429 answers in every RSOLV workload (the seed checks it
to verify the limits engage).
"""

from __future__ import annotations

from loadlib import Counter, FastUser, env
from loadlib.users import SANDBOX

API_URL = env("API_URL", base_url=True, help="RSOLV API base URL, e.g. https://api.rsolv-staging.com")

rate_limit_hits = Counter("rate_limit_hits")


class RsolvUser(FastUser):
    abstract = True
    prefix = "/rsolv"
    base_url_env = API_URL

    def on_start(self) -> None:
        rate_limit_hits.add(0)


def api_keys() -> tuple:
    """The five TEST_API_KEY_n declarations (declared on first use by the credentials workload)."""
    return tuple(env(f"TEST_API_KEY_{i}", sandbox=SANDBOX.rsolv_api_keys[i - 1],
                     help=f"RSOLV test customer {i}'s API key") for i in range(1, 6))


def webhook_secret():  # noqa: ANN201 (an EnvVar)
    return env("STRIPE_WEBHOOK_SECRET", sandbox=SANDBOX.stripe_webhook_secret,
               help="Stripe webhook signing secret, e.g. whsec_...")
