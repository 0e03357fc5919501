"""RSOLV - Stripe webhook processing (seed 004, webhook-load-test.k6.js).

Each iteration posts one Stripe event signed with STRIPE_WEBHOOK_SECRET
(``Stripe-Signature: t=...,v1=...``), mixing the event types the billing
system handles; 10% are duplicates (an event id sent before, same body, fresh
signature), which must be acknowledged as duplicates and not processed again.

Custom metrics: ``webhook_processing_duration`` (ms), ``duplicate_events_sent``
(Counter), ``duplicates_handled`` (Rate of duplicates answered as such),
``webhooks_processed`` (Counter), ``rate_limit_hits``.

    locust -f locustfiles/rsolv_webhooks.py --headless       # profile rsolv-webhooks
"""

from __future__ import annotations

import json
import secrets
import time

from _rsolv import RsolvUser, rate_limit_hits, webhook_secret
from locust import task

from loadlib import Counter, Rate, Trend, check, default_profile
from loadlib.protocols import stripe_signature_header

default_profile("rsolv-webhooks")

SECRET = webhook_secret()
EVENT_TYPES = {"customer.subscription.created": 25, "invoice.payment_succeeded": 40,
               "invoice.payment_failed": 15, "charge.refunded": 10, "customer.subscription.deleted": 10}
_RUN = secrets.token_hex(4)  # event ids must be new on a target that remembers them

webhook_processing_duration = Trend("webhook_processing_duration", time=True)
duplicate_events_sent = Counter("duplicate_events_sent")
duplicates_handled = Rate("duplicates_handled")
webhooks_processed = Counter("webhooks_processed")


class RsolvWebhooks(RsolvUser):
    def on_start(self) -> None:
        super().on_start()
        duplicate_events_sent.add(0)
        self.sent: list[bytes] = []

    def _event(self) -> bytes:
        kind = self.data.weighted(EVENT_TYPES)
        obj = {"id": f"in_{self.data.hex(12)}", "customer": f"cus_{self.data.hex(10)}",
               "amount_paid": self.data.random.randint(500, 50000), "currency": "usd"}
        event = {"id": f"evt_{_RUN}{self.data.hex(16)}", "object": "event", "type": kind, "created": int(time.time()),
                 "data": {"object": obj}}
        return json.dumps(event, separators=(",", ":")).encode()

    @task
    def deliver(self) -> None:
        duplicate = bool(self.sent) and self.data.chance(0.10)
        body = self.data.choice(self.sent) if duplicate else self._event()
        headers = {"Stripe-Signature": stripe_signature_header(SECRET.value, body)}
        r = self.request_json("POST", "/api/webhooks/stripe", body=body, headers=headers, expect=(200, 429),
                              name="POST /api/webhooks/stripe (duplicate)" if duplicate else "POST /api/webhooks/stripe")
        if r.status == 429:
            rate_limit_hits.add(1, tags={"endpoint": "webhooks"})
            return
        webhook_processing_duration.add(r.elapsed_ms)
        if duplicate:
            duplicate_events_sent.add(1)
            handled = r.get("status") == "duplicate"
            duplicates_handled.add(handled)
            check(r, {"duplicate acknowledged, not reprocessed": lambda r: handled})
        else:
            processed = r.get("status") == "processed"
            if processed:
                webhooks_processed.add(1)
                self.sent = [*self.sent[-49:], body]
            check(r, {"event processed": lambda r: processed})
