"""Tribble 04 - subscription batch charging (seed 000, 04_subscription_load_test.js).

Each user creates a plan, then per iteration enrols a handful of subscribers,
triggers a batch charge (``process-charges``), checks the status of its own
subscriptions, and retries every failed (past_due) charge with exponential
backoff (1 s, 2 s, 4 s, scaled by --time-scale) until it recovers. One in five
subscriptions is cancelled afterwards.

Custom metrics: ``batch_processing_duration`` (ms per process-charges call),
``batch_throughput`` (Gauge: items charged per minute of batch processing),
``retry_success_rate``, ``dunning_notices`` and ``subscriptions_created``.

    locust -f locustfiles/tribble_subscriptions.py --headless   # profile subscriptions-load
"""

from __future__ import annotations

from _tribble import TribbleUser
from locust import task

from loadlib import Counter, Gauge, Rate, Trend, check, default_profile

default_profile("subscriptions-load")

batch_processing_duration = Trend("batch_processing_duration", time=True)
batch_throughput = Gauge("batch_throughput")
retry_success_rate = Rate("retry_success_rate")
dunning_notices = Counter("dunning_notices")
subscriptions_created = Counter("subscriptions_created")

ENROL_PER_ITERATION = 5
BACKOFF_S = (1.0, 2.0, 4.0)
BATCH_LIMIT = 200


class TribbleSubscriptions(TribbleUser):
    def on_start(self) -> None:
        dunning_notices.add(0)
        subscriptions_created.add(0)
        self.plan_id: str | None = None

    def _plan(self) -> str | None:
        r = self.signed("POST", "/subscriptions/plans", name="POST /subscriptions/plans", expect=(201,), json={
            "name": f"Plan {self.data.hex(6)}", "amount": self.data.choice((9.99, 19, 49, 99)),
            "interval": self.data.choice(("monthly", "monthly", "weekly", "yearly")), "currency": "USD"})
        check(r, {"plan created": lambda r: r.status == 201 and bool(r.get("plan_id"))})
        return r.get("plan_id")

    @task
    def batch_cycle(self) -> None:
        self.plan_id = self.plan_id or self._plan()
        if not self.plan_id:
            return
        mine: list[str] = []
        for _ in range(ENROL_PER_ITERATION):
            r = self.signed("POST", "/subscriptions/enroll", name="POST /subscriptions/enroll", expect=(201,),
                            json={"planId": self.plan_id, "userId": self.data.user().id})
            if check(r, {"enrolled": lambda r: r.get("status") == "active"}):
                subscriptions_created.add(1)
                mine.append(r.get("subscription_id"))
        batch = self.signed("POST", "/subscriptions/process-charges", json={"limit": BATCH_LIMIT},
                            name="POST /subscriptions/process-charges", expect=(200,))
        batch_processing_duration.add(batch.elapsed_ms)
        processed = batch.get("processed") or 0
        if batch.ok and processed and batch.elapsed_ms > 0:
            batch_throughput.add(processed / (batch.elapsed_ms / 60_000.0))
        check(batch, {"batch processed": lambda r: r.status == 200 and isinstance(r.get("processed"), int)})
        cancel = self.data.random.randrange(len(mine)) if mine else -1
        for i, sub_id in enumerate(mine):
            self._settle(sub_id, cancel=i == cancel)

    def _settle(self, sub_id: str, *, cancel: bool) -> None:
        r = self.signed("GET", f"/subscriptions/{sub_id}", name="GET /subscriptions/{id}", expect=(200,))
        check(r, {"subscription readable": lambda r: r.get("subscription_id") == sub_id})
        if r.get("status") == "past_due":
            dunning_notices.add(1)
            recovered = False
            for delay in BACKOFF_S:
                self.think(delay)
                retry = self.signed("POST", f"/subscriptions/{sub_id}/retry-charge",
                                    name="POST /subscriptions/{id}/retry-charge", expect=(200,))
                if retry.get("status") == "active":
                    recovered = True
                    break
                if retry.status != 200:
                    break
                dunning_notices.add(1)
            retry_success_rate.add(recovered)
            check(r, {"failed charge recovered by retries": lambda _: recovered})
        if cancel:
            c = self.signed("POST", f"/subscriptions/{sub_id}/cancel", name="POST /subscriptions/{id}/cancel",
                            expect=(200,))
            check(c, {"cancelled": lambda r: r.get("status") == "canceled"})
