"""Plans, enrolment, batch charging with the documented deterministic failures, retries, dunning, cancel."""

from __future__ import annotations

import hashlib

import pytest

from .conftest import T0
from .helpers import Signer

NOW = T0 + 12 * 3600
DAY = 86_400


def fails(sub_id: str) -> bool:
    """The rule as docs/api/tribble.md states it."""
    return int(hashlib.sha256(sub_id.encode()).hexdigest()[:8], 16) % 10 == 0


@pytest.fixture
def api(tribble):
    """Signed requests at the tribble clock's time (days pass in these tests; a JWT would expire)."""
    return Signer(tribble.client, ts=lambda: int(tribble.clock.now))


def _plan(api, **extra):
    r = api("POST", "/subscriptions/plans", {"name": "Pro", "amount": 9.99, "interval": "monthly", **extra})
    assert r.status_code == 201, r.text
    return r.json()


def test_plan_and_enrolment(api):
    plan = _plan(api)
    assert plan == {"id": "plan_1", "plan_id": "plan_1", "name": "Pro", "amount": 9.99, "currency": "USD",
                    "interval": "monthly"}
    r = api("POST", "/subscriptions/enroll", {"planId": "plan_1", "userId": 17})
    assert r.status_code == 201
    sub = r.json()
    assert sub["id"] == "sub_1" and sub["user_id"] == "17" and sub["status"] == "active"
    assert sub["next_charge_at"] == NOW and sub["dunning"] == {"stage": "none", "notices": 0}
    assert api("GET", "/subscriptions/sub_1").json() == sub


def test_plan_and_enrolment_rejections(api):
    assert api("POST", "/subscriptions/plans", {"name": "X", "amount": 5, "interval": "hourly"}).json()["field"] == "interval"
    assert api("POST", "/subscriptions/plans", {"name": "X", "interval": "daily"}).json()["field"] == "amount"
    r = api("POST", "/subscriptions/enroll", {"planId": "plan_9", "userId": "u1"})
    assert (r.status_code, r.json()) == (404, {"error": "plan_not_found"})
    assert api("POST", "/subscriptions/enroll", {"planId": "plan_1"}).json()["field"] == "userId"
    for path in ("/subscriptions/sub_4", "/subscriptions/sub_4/history"):
        assert api("GET", path).json() == {"error": "subscription_not_found"}
    for path in ("/subscriptions/sub_4/retry-charge", "/subscriptions/sub_4/cancel"):
        assert api("POST", path).status_code == 404


def test_process_charges_fails_the_documented_share_deterministically(tribble, api):
    _plan(api, interval="daily")
    n = 60
    for i in range(n):
        assert api("POST", "/subscriptions/enroll", {"planId": "plan_1", "userId": f"u{i}"}).status_code == 201
    r = api("POST", "/subscriptions/process-charges")
    assert r.status_code == 200
    body = r.json()
    expected_failed = [f"sub_{i}" for i in range(1, n + 1) if fails(f"sub_{i}")]
    assert body["failed_ids"] == expected_failed and len(expected_failed) > 0
    assert body["processed"] == n and body["succeeded"] == n - len(expected_failed) == len(body["succeeded_ids"])
    # Nothing is due any more until a day has passed.
    assert api("POST", "/subscriptions/process-charges").json()["processed"] == 0
    tribble.clock.now = NOW + DAY
    again = api("POST", "/subscriptions/process-charges", {"limit": 5}).json()
    assert again["processed"] == 5 and set(again["succeeded_ids"]).isdisjoint(expected_failed)


def test_retry_and_dunning_then_cancel(tribble, api):
    _plan(api, interval="weekly")
    failing = next(i for i in range(1, 200) if fails(f"sub_{i}"))
    for i in range(failing):
        api("POST", "/subscriptions/enroll", {"planId": "plan_1", "userId": f"u{i}"})
    sid = f"sub_{failing}"
    assert sid in api("POST", "/subscriptions/process-charges").json()["failed_ids"]
    sub = api("GET", f"/subscriptions/{sid}").json()
    assert sub["status"] == "past_due" and sub["failed_attempts"] == 1 and sub["dunning"]["stage"] == "notice_1"
    first = api("POST", f"/subscriptions/{sid}/retry-charge").json()
    assert first["charge"]["status"] == "failed" and first["status"] == "past_due"
    assert first["dunning"] == {"stage": "final_notice", "notices": 2}
    second = api("POST", f"/subscriptions/{sid}/retry-charge").json()
    assert second["charge"]["status"] == "succeeded" and second["status"] == "active"
    assert second["subscription"]["next_charge_at"] == NOW + 7 * DAY
    r = api("POST", f"/subscriptions/{sid}/retry-charge")
    assert (r.status_code, r.json()) == (409, {"error": "nothing_to_retry"})
    history = api("GET", f"/subscriptions/{sid}/history").json()
    assert [(c["kind"], c["status"]) for c in history["charges"]] == [
        ("scheduled", "failed"), ("retry", "failed"), ("retry", "succeeded")]
    assert [e["type"] for e in history["events"]][:3] == ["enrolled", "charge_failed", "dunning_notice_1"]
    assert api("POST", f"/subscriptions/{sid}/cancel").json()["status"] == "canceled"
    assert api("POST", f"/subscriptions/{sid}/cancel").json() == {"error": "already_canceled"}
    assert api("POST", f"/subscriptions/{sid}/retry-charge").json() == {"error": "subscription_canceled"}
    tribble.clock.now = NOW + 30 * DAY
    assert sid not in str(api("POST", "/subscriptions/process-charges").json())
