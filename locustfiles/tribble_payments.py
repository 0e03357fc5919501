"""Tribble 02 - payment processing (seed 000, 02_payment_load_test.js).

Traffic mix: 90% small payments (100-500), 5% large (5000-50000), 5% retries
that resend an earlier payment with its idempotency key, exactly, in seeded
shuffled blocks of 20 per user (a retry early in every block, so even a short
run exercises idempotency). Every payment is followed by a transaction status
check and a balance inquiry; one in ten is reversed. All calls are signed (API_KEY/API_SECRET) and every
response signature is verified.

Custom metrics: ``payment_duration`` (ms), ``payment_success_rate``,
``idempotency_effectiveness`` (retries that returned the original
transaction) and ``duplicate_charges`` (retries that charged again; must stay 0).

    locust -f locustfiles/tribble_payments.py --headless     # profile payments-load
"""

from __future__ import annotations

from _tribble import TribbleUser
from locust import task

from loadlib import Counter, Rate, Trend, check, default_profile
from loadlib.data import PAYMENT_MIX, AmountBand

default_profile("payments-load")

payment_duration = Trend("payment_duration", time=True)
payment_success_rate = Rate("payment_success_rate")
idempotency_effectiveness = Rate("idempotency_effectiveness")
duplicate_charges = Counter("duplicate_charges")
payment_retries = Counter("payment_retries")

RETRYABLE = (0, 502, 503)
WALLET_BALANCE = 1_000_000_000  # the API maximum: a user never runs out of funds mid-run


class TribblePayments(TribbleUser):
    def on_start(self) -> None:
        duplicate_charges.add(0)
        payment_retries.add(0)
        self.wallet_id = self.new_wallet("USD", balance=WALLET_BALANCE)
        self.history: list[tuple[str, dict, str]] = []  # (idempotency key, body, transaction id)
        self.plan: list[AmountBand] = []
        self.paid = 0
        self.reverse_at = self.data.random.randint(1, 5)  # one payment in ten is reversed

    def _next_band(self) -> AmountBand:
        """The next band of this user's 90/5/5 mix: blocks of 18 small, 1 large, 1 retry (2nd-4th)."""
        if not self.plan:
            small, large, retry = PAYMENT_MIX.bands
            block = [small] * 18 + [large]
            self.data.random.shuffle(block)
            block.insert(self.data.random.randint(1, 3), retry)
            self.plan = block
        return self.plan.pop(0)

    def _pay(self, key: str, body: dict, band: str):  # noqa: ANN202
        r = self.signed("POST", "/payments", json=body, headers={"Idempotency-Key": key},
                        name="POST /payments", expect=(201,))
        if r.status in RETRYABLE:  # transient: the same key makes the retry safe
            payment_retries.add(1)
            self.think(1.0)
            r = self.signed("POST", "/payments", json=body, headers={"Idempotency-Key": key},
                            name="POST /payments", expect=(201,))
        payment_duration.add(r.elapsed_ms, tags={"band": band})
        return r

    def _retry_pay(self, key: str, body: dict, band: str, original: str):  # noqa: ANN202
        # a retry that does not return the original transaction charged twice: the request failed
        r = self.signed("POST", "/payments", json=body, headers={"Idempotency-Key": key},
                        name="POST /payments (retry)", expect=(201,),
                        validate=lambda r: None if r.get("transaction_id") == original else "duplicate_charge")
        payment_duration.add(r.elapsed_ms, tags={"band": band})
        return r

    @task
    def payment(self) -> None:
        if self.wallet_id is None:
            self.wallet_id = self.new_wallet("USD", balance=WALLET_BALANCE)
            return
        band = self._next_band()
        if band.label == "retry" and self.history:
            self._retry(band.label)
            return
        key = self.data.idempotency_key()
        body = {"amount": self.data.random.randint(band.low, band.high), "currency": "USD",
                "merchant_id": self.data.merchant().id, "wallet_id": self.wallet_id,
                "description": f"load test {band.label}"}
        r = self._pay(key, body, band.label)
        ok = check(r, {"payment created": lambda r: r.status == 201 and r.get("status") == "succeeded",
                       "amount charged as sent": lambda r: r.get("amount") == body["amount"]})
        payment_success_rate.add(ok)
        txn = r.get("transaction_id")
        if not txn:
            return
        self.history = [*self.history[-19:], (key, body, txn)]
        status = self.signed("GET", f"/transactions/{txn}", name="GET /transactions/{id}", expect=(200,))
        check(status, {"transaction found": lambda r: r.get("transaction_id") == txn})
        bal = self.signed("GET", f"/wallets/{self.wallet_id}/balance", name="GET /wallets/{id}/balance",
                          expect=(200,))
        check(bal, {"balance is a number": lambda r: isinstance(r.get("balance"), int | float)})
        self.paid += 1
        if self.paid % 10 == self.reverse_at:
            rev = self.signed("POST", f"/payments/{txn}/reverse", json={"reason": "load test reversal"},
                              name="POST /payments/{id}/reverse", expect=(200,))
            check(rev, {"reversed": lambda r: r.get("status") == "reversed"})

    def _retry(self, band: str) -> None:
        key, body, original = self.data.choice(self.history)
        r = self._retry_pay(key, body, band, original)
        same = r.status == 201 and r.get("transaction_id") == original
        check(r, {"retry returned the original transaction": lambda r: same,
                  "retry marked as replay": lambda r: str(r.headers.get("Idempotent-Replayed", "")).lower() == "true"})
        idempotency_effectiveness.add(same)
        payment_success_rate.add(r.status == 201)
        if r.status == 201 and not same:
            duplicate_charges.add(1)
