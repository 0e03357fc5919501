"""Tribble 06 - spike & stress (seed 000, 06_spike_stress_test.js).

A light, fast mix that shows degradation and recovery when users jump from
100 to 5000: small signed payments (60%), balance inquiries (25%) and fraud
scoring (15%). The seed expects >80% success during a spike; ``spike_success``
records it, ``payment_duration`` and ``fraud_check_duration`` show the latency curve.

    locust -f locustfiles/tribble_spike.py --headless       # profile spike
    locust -f locustfiles/tribble_spike.py --headless --load-profile gradual-stress
"""

from __future__ import annotations

import secrets

from _tribble import TribbleUser
from locust import task

from loadlib import Rate, Trend, check, default_profile
from loadlib.data import SMALL

default_profile("spike")

payment_duration = Trend("payment_duration", time=True)
fraud_check_duration = Trend("fraud_check_duration", time=True)
spike_success = Rate("spike_success")
_RUN = secrets.token_hex(4)
WALLET_BALANCE = 1_000_000_000


class TribbleSpike(TribbleUser):
    def on_start(self) -> None:
        self.wallet_id = self.new_wallet("USD", balance=WALLET_BALANCE)

    @task(12)
    def payment(self) -> None:
        r = self.signed("POST", "/payments", headers={"Idempotency-Key": self.data.idempotency_key()},
                        name="POST /payments", expect=(201,), json={
                            "amount": self.data.amount(SMALL), "currency": "USD",
                            "merchant_id": self.data.merchant().id, "wallet_id": self.wallet_id})
        payment_duration.add(r.elapsed_ms)
        spike_success.add(check(r, {"payment created": lambda r: r.status == 201}))

    @task(5)
    def balance(self) -> None:
        if not self.wallet_id:
            return
        r = self.signed("GET", f"/wallets/{self.wallet_id}/balance", name="GET /wallets/{id}/balance",
                        expect=(200,))
        spike_success.add(check(r, {"balance read": lambda r: r.status == 200}))

    @task(3)
    def fraud(self) -> None:
        r = self.signed("POST", "/fraud/score", name="POST /fraud/score", expect=(200,), json={
            "userId": f"usr_spike_{_RUN}_{self.worker_index}_{self.user_index}", "amount": self.data.amount(SMALL),
            "merchant": self.data.merchant().id, "currency": "USD"})
        fraud_check_duration.add(r.elapsed_ms)
        spike_success.add(check(r, {"fraud scored": lambda r: r.get("decision") in ("approve", "review", "decline")}))
