"""Flux-Gate - flash sale (seed 003, load-test.k6.js).

Setup (once per run, on the master or the local runner at test start, never on
workers) initialises 100 items of ``iphone-15``. Each iteration places one order
with a fresh ``x-idempotency-key`` and userId, not following redirects:
200 (accepted), 302 (waiting room, rate limited) and 409 (sold out) are valid.
At the end (test stop, master/local) the run asks the API how many orders were
accepted and records ``oversold_orders`` = accepted - stock: the profile's
threshold ``oversold_orders: count==0`` fails the run (exit 99) if the target
sold more than it had.

Environment: BASE_URL (Flux-Gate ingestion API, e.g. http://localhost:3000;
embedded sandbox: ``<host>/fluxgate``).

Custom metrics: ``orders_accepted``, ``orders_rejected``, ``rate_limited``,
``oversold_orders`` (Counters), ``order_latency`` (ms), ``orders_confirmed``
(Gauge: accepted orders the API reports at the end).

    locust -f locustfiles/flash_sale.py --headless     # profile flash-sale-ramp
    locust -f locustfiles/flash_sale.py --headless --load-profile flash-sale-spike
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from locust import events, task
from locust.runners import WorkerRunner

from loadlib import Counter, FastUser, Gauge, Trend, check, default_profile, env

default_profile("flash-sale-ramp")

BASE_URL = env("BASE_URL", base_url=True, help="Flux-Gate API base URL, e.g. http://localhost:3000")
PRODUCT_ID = "iphone-15"
STOCK = 100
PREFIX = "/fluxgate"

orders_accepted = Counter("orders_accepted")
orders_rejected = Counter("orders_rejected")
rate_limited = Counter("rate_limited")
oversold_orders = Counter("oversold_orders")
order_latency = Trend("order_latency", time=True)
orders_confirmed = Gauge("orders_confirmed")

log = logging.getLogger("loadlib.flash_sale")


def _base(environment: Any) -> str:
    if BASE_URL.is_set:
        return BASE_URL.value
    return f"{(environment.host or '').rstrip('/')}{PREFIX}"


def _call(method: str, url: str, body: dict | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
    except (OSError, ValueError) as e:
        return 0, str(e)


@events.test_start.add_listener
def setup(environment: Any, **_: Any) -> None:
    """The seed's setup(): initialise the sale once per run (master or local only)."""
    if isinstance(environment.runner, WorkerRunner):
        return
    status, body = _call("POST", f"{_base(environment)}/init", {"productId": PRODUCT_ID, "quantity": STOCK})
    if status != 200:
        log.error("flash sale setup failed: POST /init answered %s %s", status, body)
    else:
        log.info("flash sale initialised: %s", body)


@events.test_stop.add_listener
def verify_no_overselling(environment: Any, **_: Any) -> None:
    """The seed's verification: exactly the stock sold, never more (master or local only)."""
    if isinstance(environment.runner, WorkerRunner):
        return
    status, body = _call("GET", f"{_base(environment)}/orders?productId={PRODUCT_ID}")
    count = body.get("count") if status == 200 and isinstance(body, dict) else None
    if not isinstance(count, int):
        log.error("flash sale verification failed: GET /orders answered %s %s", status, body)
        oversold_orders.add(0)
        return
    orders_confirmed.add(count)
    oversold = max(0, count - STOCK)
    oversold_orders.add(oversold)
    (log.error if oversold else log.info)("flash sale: %d orders accepted for a stock of %d (oversold: %d)",
                                          count, STOCK, oversold)


class FlashSaleBuyer(FastUser):
    prefix = PREFIX
    base_url_env = BASE_URL

    def on_start(self) -> None:
        for counter in (orders_accepted, orders_rejected, rate_limited):
            counter.add(0)

    @task
    def order(self) -> None:
        r = self.request_json("POST", "/order", name="POST /order", expect=(200, 302, 409), allow_redirects=False,
                              headers={"x-idempotency-key": self.data.idempotency_key()},
                              json={"productId": PRODUCT_ID, "userId": self.data.uuid()})
        order_latency.add(r.elapsed_ms)
        check(r, {"valid response": lambda r: r.status in (200, 302, 409)})
        if r.status == 200:
            orders_accepted.add(1)
        elif r.status == 409:
            orders_rejected.add(1)
        elif r.status == 302:
            rate_limited.add(1)


