"""escrowgrid - position lifecycle (seed 002, load/positions-k6.js).

Each iteration creates a position (POST /positions) and transitions it to
FUNDED (POST /positions/{id}/transition), then sleeps 1 s. A 4xx answer is a
policy rejection and counts as expected, as in the seed's check; 5% of the
positions ask for more than the asset's limit so the policy path is exercised.
An authentication failure (401) is not a policy decision: it fails the request.

Environment (validated before any traffic; required against a real target):

| variable | meaning                                   | embedded-sandbox value  |
|----------|-------------------------------------------|-------------------------|
| API_URL  | TAAS API base URL, e.g. http://localhost:4000 | ``<host>/escrow``   |
| API_KEY  | institution admin API key (X-API-KEY)     | escrow_test_key         |
| ASSET_ID | asset the positions reference             | ast_constr_escrow_123   |

Custom metrics: ``positions_created``, ``positions_funded``, ``policy_rejections``
(Counters) and ``position_lifecycle_duration`` (ms, create + fund).

    API_URL=http://localhost:4000 API_KEY=... ASSET_ID=... \
        locust -f locustfiles/escrow_positions.py --headless       # profile escrow-positions
"""

from __future__ import annotations

import time

from locust import task

from loadlib import Counter, FastUser, Trend, check, default_profile, env
from loadlib.users import SANDBOX, Reply

default_profile("escrow-positions")

API_URL = env("API_URL", base_url=True, help="escrowgrid TAAS API base URL, e.g. http://localhost:4000")
API_KEY = env("API_KEY", sandbox=SANDBOX.escrow_api_key, help="institution admin API key sent as X-API-KEY")
ASSET_ID = env("ASSET_ID", sandbox=SANDBOX.escrow_asset_id, help="a valid asset id, e.g. ast_constr_escrow_123")

positions_created = Counter("positions_created")
positions_funded = Counter("positions_funded")
policy_rejections = Counter("policy_rejections")
position_lifecycle_duration = Trend("position_lifecycle_duration", time=True)

POLICY = tuple(s for s in range(400, 500) if s != 401)  # 4xx except auth failures
OVER_LIMIT = 5_000_000_000


def _not_auth(r: Reply) -> str | None:
    return "authentication failed (401): check API_KEY" if r.status == 401 else None


class EscrowPositions(FastUser):
    prefix = "/escrow"
    base_url_env = API_URL

    def on_start(self) -> None:
        for counter in (positions_created, positions_funded, policy_rejections):
            counter.add(0)  # present in every summary, even when nothing happened

    @task
    def create_and_fund(self) -> None:
        t0 = time.perf_counter()
        headers = {"X-API-KEY": API_KEY.value}
        amount = OVER_LIMIT if self.data.chance(0.05) else 10000
        create = self.request_json("POST", "/positions", name="POST /positions", headers=headers,
                                   expect=(201, *POLICY), json={
                                       "assetId": ASSET_ID.value, "currency": "USD", "amount": amount,
                                       "holderReference": f"LOAD_TEST_{self.user_index}_{int(time.time() * 1000)}"})
        check(create, {"position created or rejected with 4xx (policy)":
                       lambda r: r.status == 201 or (400 <= r.status < 500 and r.status != 401)})
        if create.status != 201:
            if create.ok:
                policy_rejections.add(1, tags={"step": "create"})
            self.think(1.0)
            return
        positions_created.add(1)
        pid = create.get("id")
        fund = self.request_json("POST", f"/positions/{pid}/transition", name="POST /positions/{id}/transition",
                                 headers=headers, expect=(200, *POLICY), validate=_not_auth,
                                 json={"toState": "FUNDED", "reason": "load test transition"})
        check(fund, {"position funded or rejected with 4xx (policy)":
                     lambda r: (r.status == 200 and r.get("state") == "FUNDED") or r.status in POLICY})
        if fund.status == 200:
            positions_funded.add(1)
            position_lifecycle_duration.add((time.perf_counter() - t0) * 1000)
        elif fund.ok:
            policy_rejections.add(1, tags={"step": "transition"})
        self.think(1.0)
