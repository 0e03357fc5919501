"""Wallets, payment methods, idempotent payments, status, receipts, reversal, merchant views, audit."""

from __future__ import annotations

import pytest

from loadlib.sandbox.tribble import audit

from .conftest import T0
from .helpers import Signer

NOW = T0 + 12 * 3600


@pytest.fixture
def session(tribble):
    return tribble.register()


def _post(tribble, session, path, body=None, **headers):
    return tribble.client.post(path, json=body, headers={**session["auth"], **headers})


def _get(tribble, session, path):
    return tribble.client.get(path, headers=session["auth"])


def _audit_ok(tribble):
    return {item["name"]: item["ok"] for item in audit(tribble.db)}


def test_wallet_payment_method_and_balance(tribble, session):
    r = _post(tribble, session, "/wallets", {"currency": "USD", "initial_balance": 1000})
    assert r.status_code == 201
    assert r.json() == {"id": "wal_1", "wallet_id": "wal_1", "currency": "USD", "balance": 1000}
    assert _get(tribble, session, "/wallets/wal_1").json()["balance"] == 1000
    assert _post(tribble, session, "/wallets", {"currency": "USD"}).json()["balance"] == 10_000_000
    r = _post(tribble, session, "/payment-methods", {"type": "card", "last4": "4242", "wallet_id": "wal_1"})
    assert r.status_code == 201
    assert r.json() == {"id": "pm_1", "payment_method_id": "pm_1", "type": "card", "last4": "4242",
                        "wallet_id": "wal_1"}
    r = _post(tribble, session, "/payments", {"amount": 12.5, "currency": "USD", "payment_method_id": "pm_1"})
    assert r.status_code == 201
    payment = r.json()
    assert payment["wallet_id"] == "wal_1" and payment["amount"] == 12.5 and payment["merchant_id"] == "mrc_sandbox"
    assert _get(tribble, session, "/wallets/wal_1/balance").json() == {"wallet_id": "wal_1", "currency": "USD",
                                                                      "balance": 987.5}
    assert all(_audit_ok(tribble).values())


@pytest.mark.parametrize("path", ["/wallets/wal_9", "/wallets/wal_9/balance", "/wallets/nope/balance"])
def test_unknown_wallet_is_404(tribble, session, path):
    r = _get(tribble, session, path)
    assert (r.status_code, r.json()) == (404, {"error": "wallet_not_found"})


def test_payment_method_rejections(tribble, session):
    assert _post(tribble, session, "/payment-methods", {"type": "cash"}).json()["field"] == "type"
    assert _post(tribble, session, "/payment-methods", {"type": "card", "last4": "42a2"}).json()["field"] == "last4"
    r = _post(tribble, session, "/payment-methods", {"type": "card", "wallet_id": "wal_3"})
    assert (r.status_code, r.json()) == (404, {"error": "wallet_not_found"})


def test_payment_status_receipt_and_seed_alias(tribble, session):
    txn = _post(tribble, session, "/payments", {"amount": 300, "currency": "EUR", "merchant_id": "mrc_0007"}).json()
    assert txn["id"] == txn["transaction_id"] == "txn_1"
    assert _get(tribble, session, "/payments/txn_1").json() == txn
    assert _get(tribble, session, "/transactions/txn_1").json() == txn
    receipt = _get(tribble, session, "/payments/txn_1/receipt").json()
    assert receipt["receipt_id"] == "rcp_1" and receipt["transaction_id"] == "txn_1" and receipt["amount"] == 300
    for path in ("/payments/txn_2", "/payments/abc", "/transactions/txn_0", "/payments/txn_5/receipt"):
        r = _get(tribble, session, path)
        assert (r.status_code, r.json()) == (404, {"error": "payment_not_found"}), path


@pytest.mark.parametrize("body,field", [
    ({"currency": "USD"}, "amount"), ({"amount": 0, "currency": "USD"}, "amount"),
    ({"amount": -5, "currency": "USD"}, "amount"), ({"amount": "10", "currency": "USD"}, "amount"),
    ({"amount": True, "currency": "USD"}, "amount"), ({"amount": 1.234, "currency": "USD"}, "amount"),
    ({"amount": 2e9, "currency": "USD"}, "amount"), ({"amount": 10}, "currency"),
    ({"amount": 10, "currency": "usd"}, "currency"), ({"amount": 10, "currency": "USD", "wallet_id": 7}, "wallet_id"),
])
def test_payment_validation_is_422_and_charges_nothing(tribble, session, body, field):
    r = _post(tribble, session, "/payments", body)
    assert r.status_code == 422 and r.json()["error"] == "validation_error" and r.json()["field"] == field
    assert tribble.count("tribble_payments") == 0


def test_wallet_payment_rejections(tribble, session):
    _post(tribble, session, "/wallets", {"currency": "USD", "initial_balance": 100})
    cases = [({"amount": 101, "currency": "USD", "wallet_id": "wal_1"}, 402, "insufficient_funds"),
             ({"amount": 10, "currency": "EUR", "wallet_id": "wal_1"}, 422, "currency_mismatch"),
             ({"amount": 10, "currency": "USD", "wallet_id": "wal_2"}, 404, "wallet_not_found"),
             ({"amount": 10, "currency": "USD", "payment_method_id": "pm_4"}, 404, "payment_method_not_found")]
    for body, status, code in cases:
        r = _post(tribble, session, "/payments", body)
        assert (r.status_code, r.json()) == (status, {"error": code})
    assert tribble.count("tribble_payments") == 0
    assert _get(tribble, session, "/wallets/wal_1/balance").json()["balance"] == 100


def test_idempotency_replays_the_original_and_rejects_a_different_body(tribble, session):
    _post(tribble, session, "/wallets", {"currency": "USD", "initial_balance": 1000})
    body = {"amount": 100, "currency": "USD", "wallet_id": "wal_1"}
    first = _post(tribble, session, "/payments", body, **{"Idempotency-Key": "order-1"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    reordered = {"wallet_id": "wal_1", "currency": "USD", "amount": 100}
    again = _post(tribble, session, "/payments", reordered, **{"Idempotency-Key": "order-1"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    r = _post(tribble, session, "/payments", {**body, "amount": 101}, **{"Idempotency-Key": "order-1"})
    assert (r.status_code, r.json()) == (422, {"error": "idempotency_key_reused"})
    assert tribble.count("tribble_payments") == 1
    assert _get(tribble, session, "/wallets/wal_1/balance").json()["balance"] == 900
    # A key in the body works like the header (the seed sends it there).
    b = {"amount": 5, "currency": "USD", "idempotency_key": "body-key"}
    assert _post(tribble, session, "/payments", b).json()["id"] == _post(tribble, session, "/payments", b).json()["id"]
    assert tribble.count("tribble_payments") == 2
    assert all(_audit_ok(tribble).values())


def test_idempotency_keys_are_scoped_per_caller(tribble, session):
    body = {"amount": 5, "currency": "USD"}
    mine = _post(tribble, session, "/payments", body, **{"Idempotency-Key": "k"}).json()
    signed = Signer(tribble.client, ts=NOW)("POST", "/payments", body, headers={"Idempotency-Key": "k"})
    assert signed.status_code == 201 and signed.json()["id"] != mine["id"]


def test_failed_charge_does_not_consume_the_key(tribble, session):
    _post(tribble, session, "/wallets", {"currency": "USD", "initial_balance": 10})
    body = {"amount": 20, "currency": "USD", "wallet_id": "wal_1"}
    assert _post(tribble, session, "/payments", body, **{"Idempotency-Key": "k"}).status_code == 402
    _post(tribble, session, "/wallets", {"currency": "USD"})
    assert _post(tribble, session, "/payments", {**body, "wallet_id": "wal_2"},
                 **{"Idempotency-Key": "k"}).status_code == 201


def test_bad_idempotency_key_is_422(tribble, session):
    r = _post(tribble, session, "/payments", {"amount": 5, "currency": "USD"}, **{"Idempotency-Key": "x" * 256})
    assert r.status_code == 422 and r.json()["field"] == "Idempotency-Key"


def test_double_charge_defect_is_caught_by_the_audit(make_tribble):
    t = make_tribble(defects={"tribble_double_charge"})
    s = t.register()
    for _ in range(2):
        r = t.client.post("/payments", json={"amount": 5, "currency": "USD"}, headers={**s["auth"], "Idempotency-Key": "k"})
        assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert t.count("tribble_payments") == 2
    assert _audit_ok(t)["tribble_idempotency_single_charge"] is False


def test_reversal_credits_the_wallet_once(tribble, session):
    _post(tribble, session, "/wallets", {"currency": "USD", "initial_balance": 1000})
    _post(tribble, session, "/payments", {"amount": 400, "currency": "USD", "wallet_id": "wal_1"})
    r = _post(tribble, session, "/payments/txn_1/reverse", {"reason": "customer request"})
    assert r.status_code == 200 and r.json()["status"] == "reversed"
    assert _get(tribble, session, "/payments/txn_1").json()["status"] == "reversed"
    assert _get(tribble, session, "/wallets/wal_1/balance").json()["balance"] == 1000
    r = tribble.client.post("/payments/txn_1/reverse", headers=session["auth"])
    assert (r.status_code, r.json()) == (409, {"error": "already_reversed"})
    r = tribble.client.post("/payments/txn_7/reverse", headers=session["auth"])
    assert (r.status_code, r.json()) == (404, {"error": "payment_not_found"})
    assert _get(tribble, session, "/wallets/wal_1/balance").json()["balance"] == 1000
    assert all(_audit_ok(tribble).values())


def test_audit_catches_a_tampered_ledger_and_an_orphan_reversal(tribble, session):
    _post(tribble, session, "/wallets", {"currency": "USD"})
    assert all(_audit_ok(tribble).values())
    tribble.db.execute("UPDATE tribble_wallets SET balance = balance + 1")
    tribble.db.execute("INSERT INTO tribble_reversals (payment_id, reason, created_at) VALUES (42, NULL, 0)")
    result = _audit_ok(tribble)
    assert result["tribble_wallet_ledger"] is False and result["tribble_reversal_has_payment"] is False
    assert {"name", "ok", "detail"} <= set(audit(tribble.db)[0])


def test_merchant_transactions_and_settlement_schedule(tribble, session):
    for amount in (10, 20, 30):
        _post(tribble, session, "/payments", {"amount": amount, "currency": "USD", "merchant_id": "mrc_0042"})
    _post(tribble, session, "/payments", {"amount": 99, "currency": "USD", "merchant_id": "mrc_0043"})
    _post(tribble, session, "/payments/txn_3/reverse")
    r = _get(tribble, session, "/merchants/mrc_0042/transactions")
    assert r.json()["count"] == 3 and [t["id"] for t in r.json()["transactions"]] == ["txn_3", "txn_2", "txn_1"]
    assert _get(tribble, session, "/merchants/mrc_0042/transactions?limit=1").json()["count"] == 1
    assert _get(tribble, session, "/merchants/mrc_0042/transactions?limit=0").status_code == 422
    s = _get(tribble, session, "/merchants/mrc_0042/settlement-schedule").json()
    assert s == {"merchant_id": "mrc_0042", "schedule": "daily", "currency": "USD",
                 "next_settlement_at": (NOW // 86400 + 1) * 86400, "pending_amount": 30, "transaction_count": 2}


def test_body_limit_unknown_route_and_wrong_method(make_tribble):
    t = make_tribble(max_body_bytes=200)
    s = t.register()  # registration bodies fit in 200 bytes
    r = t.client.post("/payments", json={"amount": 5, "currency": "USD", "description": "x" * 300}, headers=s["auth"])
    assert (r.status_code, r.json()) == (413, {"error": "body_too_large"})
    assert t.count("tribble_payments") == 0
    assert t.client.get("/nothing/here").json() == {"error": "not_found"}
    r = t.client.delete("/payments")
    assert (r.status_code, r.json()) == (405, {"error": "method_not_allowed"})
