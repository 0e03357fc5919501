"""Seed 000 test 07's workflows end to end: payment -> receipt, settlement, disputes -> refunds, analytics."""

from __future__ import annotations

import pytest

from loadlib.sandbox.tribble import audit


@pytest.fixture
def api(tribble):
    auth = tribble.register()["auth"]

    def call(method, path, body=None):
        return tribble.client.request(method, path, json=body, headers=auth)
    return call


def _pay(api, amount=100, **extra):
    r = api("POST", "/payments", {"amount": amount, "currency": "USD", **extra})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_dispute_resolution_then_refund_payout_credits_the_wallet(tribble, api):
    api("POST", "/wallets", {"currency": "USD", "initial_balance": 500})
    txn = _pay(api, 200, wallet_id="wal_1", merchant_id="mrc_0042")
    r = api("POST", "/disputes", {"transaction_id": txn, "reason": "item not received"})
    assert r.status_code == 201
    dispute = r.json()
    assert dispute["id"] == "dsp_1" and dispute["status"] == "open" and dispute["amount"] == 200
    r = api("POST", "/disputes/dsp_1/evidence", {"type": "tracking", "description": "no delivery scan"})
    assert r.status_code == 201 and r.json()["status"] == "under_review" and len(r.json()["evidence"]) == 1
    r = api("POST", "/disputes/dsp_1/resolve", {"outcome": "customer"})
    assert r.json()["status"] == "resolved" and r.json()["resolution"]["refund_eligible"] is True
    assert api("GET", "/disputes/dsp_1").json()["resolution"]["outcome"] == "customer"
    assert api("POST", "/disputes/dsp_1/resolve", {"outcome": "merchant"}).json() == {"error": "already_resolved"}
    assert api("POST", "/disputes/dsp_1/evidence", {"type": "x", "description": "y"}).json() == {
        "error": "dispute_closed"}
    r = api("POST", "/refunds", {"transaction_id": txn, "dispute_id": "dsp_1", "reason": "dispute lost"})
    assert r.status_code == 201
    refund = r.json()
    assert refund["amount"] == 200 and refund["status"] == "pending_approval" and refund["dispute_id"] == "dsp_1"
    assert api("POST", "/refunds/rfd_1/payout").json() == {"error": "not_approved"}
    assert api("POST", "/refunds/rfd_1/approve").json()["status"] == "approved"
    assert api("POST", "/refunds/rfd_1/approve").json() == {"error": "invalid_state"}
    assert api("POST", "/refunds/rfd_1/payout").json()["status"] == "paid_out"
    assert api("GET", "/refunds/rfd_1").json()["status"] == "paid_out"
    assert api("GET", "/wallets/wal_1/balance").json()["balance"] == 500
    assert api("GET", f"/payments/{txn}").json()["refunded_amount"] == 200
    assert api("POST", f"/payments/{txn}/reverse").json() == {"error": "payment_refunded"}
    assert all(item["ok"] for item in audit(tribble.db))


def test_dispute_and_refund_rejections(api):
    txn = _pay(api, 100)
    assert api("POST", "/disputes", {"transaction_id": "txn_99", "reason": "x"}).json() == {"error": "payment_not_found"}
    assert api("POST", "/disputes", {"transaction_id": txn, "reason": "x", "amount": 101}).json() == {
        "error": "amount_exceeds_payment"}
    assert api("POST", "/disputes", {"transaction_id": txn}).json()["field"] == "reason"
    assert api("GET", "/disputes/dsp_5").json() == {"error": "dispute_not_found"}
    assert api("POST", "/disputes/dsp_5/resolve", {"outcome": "customer"}).status_code == 404
    api("POST", "/disputes", {"transaction_id": txn, "reason": "x"})
    assert api("POST", "/disputes/dsp_1/resolve", {"outcome": "nobody"}).json()["field"] == "outcome"
    assert api("POST", "/refunds", {"transaction_id": txn, "amount": 60}).status_code == 201
    r = api("POST", "/refunds", {"transaction_id": txn, "amount": 41})
    assert (r.status_code, r.json()) == (422, {"error": "amount_exceeds_refundable"})
    assert api("POST", "/refunds", {"transaction_id": txn}).json()["amount"] == 40
    assert api("POST", "/refunds", {"transaction_id": txn}).json() == {"error": "amount_exceeds_refundable"}
    assert api("POST", "/refunds", {"transaction_id": txn, "dispute_id": "dsp_9"}).json() == {
        "error": "dispute_not_found"}
    other = _pay(api, 10)
    api("POST", "/refunds", {"transaction_id": other, "amount": 5})
    api("POST", "/refunds/rfd_3/approve")
    api("POST", f"/payments/{other}/reverse")
    assert api("POST", "/refunds", {"transaction_id": other}).json() == {"error": "payment_reversed"}
    assert api("POST", "/refunds/rfd_3/payout").json() == {"error": "payment_reversed"}
    for path in ("/refunds/rfd_9", "/refunds/nope"):
        assert api("GET", path).json() == {"error": "refund_not_found"}


def test_user_payment_workflow_and_analytics(tribble, api):
    api("POST", "/wallets", {"currency": "USD"})
    api("POST", "/payment-methods", {"type": "wallet", "wallet_id": "wal_1"})
    txn = _pay(api, 75, payment_method_id="pm_1", merchant_id="mrc_0001")
    assert api("GET", f"/payments/{txn}").json()["status"] == "succeeded"
    assert api("GET", f"/payments/{txn}/receipt").json()["amount"] == 75
    _pay(api, 25, merchant_id="mrc_0002")
    api("POST", "/disputes", {"transaction_id": txn, "reason": "x"})
    api("POST", "/subscriptions/plans", {"name": "P", "amount": 5, "interval": "daily"})
    api("POST", "/subscriptions/enroll", {"planId": "plan_1", "userId": "u"})
    api("POST", "/fraud/score", {"userId": "u", "amount": 1, "merchant": "known", "country": "US",
                                 "timestamp": 1767268800})
    summary = api("GET", "/analytics/summary").json()
    assert summary["payments"] == {"count": 2, "volume": 100, "reversed": 0}
    assert summary["disputes"] == {"open": 1, "resolved": 0}
    assert summary["subscriptions"]["active"] == 1 and summary["fraud"]["approve"] == 1
    assert api("GET", "/analytics/summary?merchant_id=mrc_0002").json()["payments"]["volume"] == 25
    assert api("GET", "/analytics/summary?since=abc").status_code == 422
