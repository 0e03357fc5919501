"""The user code every Python generator in the benchmark runs, so they differ only in the layer below.

``BENCH_SCENARIO`` picks the scenario (hello, sleepy, arrival, payments);
``build_user(base, check=...)`` returns a concrete Locust user class on ``base``
(HttpUser, FastHttpUser, loadlib.FastUser) doing that scenario's work.
Signing follows shared/specs/signing.md, written here independently of loadlib
so the benchmark runs before (and without) loadlib's own protocol code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import time
from collections.abc import Callable
from typing import Any

SCENARIO = os.environ.get("BENCH_SCENARIO", "hello")
THINK = float(os.environ.get("BENCH_THINK", "1"))
PAYMENT_PATH = os.environ.get("BENCH_PAYMENT_PATH", "/tribble/payments")
API_KEY = os.environ.get("BENCH_API_KEY", "test_key_12345")
API_SECRET = os.environ.get("BENCH_API_SECRET", "test_secret_67890").encode()

Check = Callable[[Any, dict[str, Callable[[Any], bool]]], Any]


def signed_payment(path: str = PAYMENT_PATH) -> tuple[bytes, dict[str, str]]:
    """A payment body and its signed headers (HMAC-SHA256 over the canonical request)."""
    body = json.dumps({
        "amount": random.randint(100, 500),
        "currency": "USD",
        "merchant_id": f"mrc_{random.randrange(100):04d}",
        "description": "bench payment",
    }, separators=(",", ":")).encode()
    ts = str(int(time.time()))
    nonce = os.urandom(16).hex()
    canonical = "\n".join(("POST", path, ts, nonce, hashlib.sha256(body).hexdigest()))
    return body, {
        "Content-Type": "application/json",
        "Idempotency-Key": os.urandom(16).hex(),
        "X-Api-Key": API_KEY,
        "X-Timestamp": ts,
        "X-Nonce": nonce,
        "X-Signature": hmac.new(API_SECRET, canonical.encode(), hashlib.sha256).hexdigest(),
    }


def status_2xx(r: Any) -> bool:
    return 200 <= r.status_code < 300


def has_transaction_id(r: Any) -> bool:
    try:
        data = json.loads(r.content)
    except ValueError:
        return False
    return isinstance(data, dict) and bool(data.get("transaction_id") or data.get("id"))


PAYMENT_CHECKS = {"status is 2xx": status_2xx, "has transaction id": has_transaction_id}


def build_user(base: type, check: Check | None = None) -> type:
    """A concrete user class on ``base`` for ``BENCH_SCENARIO``.

    Without ``check`` the payment checks mark the request failed via
    ``catch_response`` (plain Locust); with loadlib's ``check`` they are recorded as checks.
    """
    # imported here so the bare loop (bench/bare_loop.py) can share this module without Locust
    from locust import constant, constant_throughput, task

    def hello(self: Any) -> None:
        self.client.get("/hello", name="hello")

    if check is None:

        def pay(self: Any) -> None:
            body, headers = signed_payment()
            with self.client.post(PAYMENT_PATH, data=body, headers=headers, name="payment",
                                  catch_response=True) as r:
                failed = [name for name, ok in PAYMENT_CHECKS.items() if not ok(r)]
                if failed:
                    r.failure(", ".join(failed))
    else:

        def pay(self: Any) -> None:
            body, headers = signed_payment()
            r = self.client.post(PAYMENT_PATH, data=body, headers=headers, name="payment")
            check(r, PAYMENT_CHECKS)

    work = pay if SCENARIO == "payments" else hello
    if SCENARIO == "sleepy":
        wait_time = constant(THINK)
    elif SCENARIO == "arrival" and os.environ.get("BENCH_OPEN_MODEL"):
        wait_time = constant(0)  # loadlib's arrival executor starts each iteration on schedule
    elif SCENARIO == "arrival":
        # plain Locust has no open model: each user paces itself to one iteration per second
        wait_time = constant_throughput(1)
    else:
        wait_time = constant(0)
    return type("BenchUser", (base,), {"tasks": [task(work)], "wait_time": wait_time, "abstract": False})
