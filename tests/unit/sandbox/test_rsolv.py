"""RSOLV: onboarding, credential exchange, Stripe webhooks, and their rate limits."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

SECRET = "whsec_test_secret"


def onboard(client, email, ip="10.0.0.1", **extra):
    return client.post("/rsolv/api/v1/customers/onboard", json={"email": email, "name": "N", **extra},
                       headers={"X-Forwarded-For": ip})


def exchange(client, key="rsolv_test_key_1", **body):
    return client.post("/rsolv/api/v1/credentials/exchange", json={"providers": ["anthropic"], **body},
                       headers={"X-API-Key": key})


def signed(body: bytes, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    # computed from the spec formula here, not with loadlib.protocols: both sides are checked against the spec
    ts = int(time.time()) if ts is None else ts
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={ts},v1={sig}", "content-type": "application/json"}


def event(event_id="evt_1", kind="invoice.payment_succeeded") -> bytes:
    return json.dumps({"id": event_id, "type": kind, "created": int(time.time()),
                       "data": {"object": {"id": "in_1", "amount_paid": 1500}}}).encode()


def test_health(client):
    assert client.get("/rsolv/api/health").json() == {"status": "healthy"}


def test_onboard_creates_customer_key_and_trial(client):
    r = onboard(client, "a@x.io", company="Acme")
    assert r.status_code == 201
    body = r.json()
    assert body["trial_fixes"] == 5 and body["customer"]["trial_fixes_remaining"] == 5
    assert body["customer"]["email"] == "a@x.io" and body["customer"]["company"] == "Acme"
    key = body["api_key"]
    assert key.startswith("rsolv_live_")
    assert exchange(client, key=key).status_code == 200
    me = client.get(f"/rsolv/api/v1/customers/{body['customer']['id']}", headers={"X-API-Key": key})
    assert me.status_code == 200 and me.json()["id"] == body["customer"]["id"]


@pytest.mark.parametrize("body", [{"name": "N"}, {"email": "no-at-sign", "name": "N"}, {"email": 5, "name": "N"},
                                  {"email": "a@b.c"}])
def test_onboard_validation(client, body):
    assert client.post("/rsolv/api/v1/customers/onboard", json=body).status_code == 422


def test_onboard_duplicate_email_is_409(client):
    onboard(client, "dup@x.io")
    assert onboard(client, "dup@x.io", ip="10.0.0.2").status_code == 409


def test_onboard_limit_is_10_per_minute_per_client_ip(client):
    statuses = [onboard(client, f"u{i}@x.io", ip="10.1.1.1").status_code for i in range(12)]
    assert statuses == [201] * 10 + [429, 429]
    limited = onboard(client, "late@x.io", ip="10.1.1.1")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"] == "rate limit exceeded"
    # another client (X-Forwarded-For) has its own window
    assert onboard(client, "other@x.io", ip="10.1.1.2").status_code == 201


def test_exchange_returns_credentials_per_provider(client):
    r = exchange(client, providers=["anthropic", "openai"], ttl_minutes=240, github_job_id="j", repository="o/r")
    assert r.status_code == 200
    body = r.json()
    assert set(body["credentials"]) == {"anthropic", "openai"}
    assert body["credentials"]["anthropic"]["api_key"].startswith("sk-ant-")
    assert body["ttl_minutes"] == 240


@pytest.mark.parametrize("body", [{"providers": ["mistral"]}, {"providers": []}, {"providers": "anthropic"},
                                  {"ttl_minutes": 59}, {"ttl_minutes": 241}, {"ttl_minutes": "60"}])
def test_exchange_validation(client, body):
    assert exchange(client, **body).status_code == 422


@pytest.mark.parametrize("key", ["", "nope"])
def test_exchange_needs_a_known_key(client, key):
    assert exchange(client, key=key).status_code == 401


def test_exchange_limit_is_60_per_minute_per_customer(client):
    statuses = [exchange(client, key="rsolv_test_key_2").status_code for _ in range(62)]
    assert statuses == [200] * 60 + [429, 429]
    assert exchange(client, key="rsolv_test_key_3").status_code == 200  # another customer


def test_webhook_processed_then_duplicate(client):
    body = event("evt_a")
    first = client.post("/rsolv/api/webhooks/stripe", content=body, headers=signed(body))
    assert first.status_code == 200 and first.json() == {"status": "processed", "id": "evt_a",
                                                         "type": "invoice.payment_succeeded"}
    again = client.post("/rsolv/api/webhooks/stripe", content=body, headers=signed(body))
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "id": "evt_a"}
    assert client.get("/audit").json()["ok"] is True


@pytest.mark.parametrize("headers", [
    {},  # no signature
    {"Stripe-Signature": "garbage"},
    "stale", "future", "wrong-secret", "other-body",
])
def test_webhook_signature_rejections_are_400(client, headers):
    body = event("evt_b")
    now = int(time.time())
    if headers == "stale":
        headers = signed(body, ts=now - 301)
    elif headers == "future":
        headers = signed(body, ts=now + 400)
    elif headers == "wrong-secret":
        headers = signed(body, secret="whsec_other")
    elif headers == "other-body":
        headers = signed(event("evt_c"))
    r = client.post("/rsolv/api/webhooks/stripe", content=body, headers=headers)
    assert r.status_code == 400
    assert "error" in r.json()


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"type": "x"}', b'{"id": 5, "type": "x"}'])
def test_webhook_body_must_be_an_event(client, body):
    assert client.post("/rsolv/api/webhooks/stripe", content=body, headers=signed(body)).status_code == 400


def test_webhook_limit_is_1000_per_minute_globally(client):
    body = b"{}"
    statuses = [client.post("/rsolv/api/webhooks/stripe", content=body).status_code for _ in range(1001)]
    assert statuses[:1000] == [400] * 1000  # unsigned, but counted
    assert statuses[1000] == 429


def test_reprocess_defect_is_caught_by_the_audit(make_client):
    client = make_client(defects={"rsolv_reprocess_duplicates"})
    body = event("evt_d")
    for _ in range(2):
        assert client.post("/rsolv/api/webhooks/stripe", content=body, headers=signed(body)).json()["status"] == "processed"
    failed = [i["name"] for i in client.get("/audit").json()["invariants"] if not i["ok"]]
    assert failed == ["no webhook event processed twice"]
