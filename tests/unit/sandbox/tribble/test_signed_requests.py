"""signing.md §1 on the live sub-app: order of checks, codes, no state change on failure, signed/encrypted replies."""

from __future__ import annotations

import json

import pytest
from cryptography.exceptions import InvalidTag
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.tribble import build

from .conftest import T0
from .helpers import KEY, SECRET, Signer, decrypt, response_signature_ok, signed_headers

NOW = T0 + 12 * 3600
PAYMENT = {"amount": 250, "currency": "USD", "merchant_id": "mrc_0042"}
PAYMENT_BYTES = json.dumps(PAYMENT).encode()


@pytest.fixture
def sign(tribble):
    return Signer(tribble.client, ts=lambda: int(tribble.clock.now))


def test_signed_payment_is_accepted_and_the_response_is_signed(tribble, sign):
    r = sign("POST", "/payments", PAYMENT)
    assert r.status_code == 201, r.text
    assert r.json()["merchant_id"] == "mrc_0042" and r.json()["status"] == "succeeded"
    assert response_signature_ok(r, r.nonce)
    assert r.headers["x-response-timestamp"] == str(NOW)
    assert tribble.count("tribble_payments") == 1


def _attempt(tribble, headers, body=PAYMENT_BYTES):
    return tribble.client.post("/payments", content=body, headers=headers)


def _state(tribble):
    return (tribble.count("tribble_payments"), tribble.count("tribble_nonces"))


@pytest.mark.parametrize("drop", ["X-Api-Key", "X-Timestamp", "X-Nonce", "X-Signature"])
def test_each_missing_header_is_401_missing_signature(tribble, drop):
    headers = signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW)
    del headers[drop]
    r = _attempt(tribble, headers)
    assert (r.status_code, r.json()) == (401, {"error": "missing_signature"})
    assert "x-response-signature" not in r.headers
    assert _state(tribble) == (0, 0)


@pytest.mark.parametrize("header,value", [("X-Nonce", "abc"), ("X-Nonce", "9F86D081884C7D659A2FEAA0C55AD015"),
                                          ("X-Timestamp", "12.5"), ("X-Timestamp", "-5"),
                                          ("X-Signature", "zz" * 32), ("X-Signature", "ab")])
def test_malformed_header_is_401_missing_signature(tribble, header, value):
    headers = signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW)
    headers[header] = value
    r = _attempt(tribble, headers)
    assert (r.status_code, r.json()) == (401, {"error": "missing_signature"})
    assert _state(tribble) == (0, 0)


def test_no_credentials_at_all_is_missing_signature(tribble):
    r = tribble.client.post("/payments", json=PAYMENT)
    assert (r.status_code, r.json()) == (401, {"error": "missing_signature"})


def test_unknown_key_is_401_and_unsigned(tribble):
    headers = signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW, key="nope", secret="x")
    r = _attempt(tribble, headers)
    assert (r.status_code, r.json()) == (401, {"error": "unknown_key"})
    assert "x-response-signature" not in r.headers
    assert _state(tribble) == (0, 0)


@pytest.mark.parametrize("skew,ok", [(-300, True), (300, True), (-301, False), (301, False), (-86400, False)])
def test_clock_skew_window_is_300_seconds(tribble, skew, ok):
    headers = signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW + skew)
    r = _attempt(tribble, headers)
    if ok:
        assert r.status_code == 201, r.text
    else:
        assert (r.status_code, r.json()) == (401, {"error": "stale_timestamp"})
        assert response_signature_ok(r, headers["X-Nonce"])  # the key is known: the rejection is signed
        assert _state(tribble) == (0, 0)


def test_tampered_body_and_tampered_signature_are_bad_signature(tribble):
    headers = signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW)
    r = _attempt(tribble, headers, body=json.dumps({**PAYMENT, "amount": 9999}).encode())
    assert (r.status_code, r.json()) == (401, {"error": "bad_signature"})
    assert response_signature_ok(r, headers["X-Nonce"])
    flipped = dict(headers, **{"X-Signature": headers["X-Signature"][:-1] + ("0" if headers["X-Signature"][-1] != "0"
                                                                            else "1")})
    r = _attempt(tribble, flipped)
    assert (r.status_code, r.json()) == (401, {"error": "bad_signature"})
    wrong_path = signed_headers("POST", "/payments?dry_run=1", json.dumps(PAYMENT).encode(), ts=NOW)
    assert _attempt(tribble, wrong_path).json() == {"error": "bad_signature"}
    assert _state(tribble) == (0, 0)


def test_reused_nonce_is_409_and_charges_nothing(tribble):
    headers = signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW)
    assert _attempt(tribble, headers).status_code == 201
    r = _attempt(tribble, headers)
    assert (r.status_code, r.json()) == (409, {"error": "nonce_reused"})
    assert response_signature_ok(r, headers["X-Nonce"])
    assert tribble.count("tribble_payments") == 1


def test_nonce_window_is_600_seconds_per_key(tribble):
    nonce = "ab" * 16
    assert _attempt(tribble, signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW,
                                            nonce=nonce)).status_code == 201
    tribble.clock.now = NOW + 599
    r = _attempt(tribble, signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW + 599,
                                         nonce=nonce))
    assert r.json() == {"error": "nonce_reused"}
    tribble.clock.now = NOW + 601
    r = _attempt(tribble, signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW + 601,
                                         nonce=nonce))
    assert r.status_code == 201


def test_same_nonce_under_another_key_is_independent(make_tribble):
    t = make_tribble(tribble_api_keys={KEY: SECRET, "other": "other-secret"})
    nonce = "cd" * 16
    body = json.dumps(PAYMENT).encode()
    assert _attempt(t, signed_headers("POST", "/payments", body, ts=NOW, nonce=nonce)).status_code == 201
    assert _attempt(t, signed_headers("POST", "/payments", body, ts=NOW, nonce=nonce, key="other",
                                      secret="other-secret")).status_code == 201


def test_rejected_request_does_not_burn_its_nonce(tribble):
    body = json.dumps(PAYMENT).encode()
    good = signed_headers("POST", "/payments", body, ts=NOW)
    bad = dict(good, **{"X-Signature": "0" * 64})
    assert _attempt(tribble, bad).json() == {"error": "bad_signature"}
    assert _attempt(tribble, good).status_code == 201


def test_stale_check_comes_before_signature_check(tribble):
    headers = signed_headers("POST", "/payments", b"{}", ts=NOW - 1000)
    headers["X-Signature"] = "0" * 64
    assert _attempt(tribble, headers).json() == {"error": "stale_timestamp"}


def test_encrypted_response_decrypts_and_signature_covers_ciphertext(tribble, sign):
    r = sign("POST", "/payments", PAYMENT, headers={"X-Encrypt-Response": "A256GCM"})
    assert r.status_code == 201
    doc = r.json()
    assert list(doc) == ["alg", "iv", "ciphertext"] and doc["alg"] == "A256GCM"
    assert response_signature_ok(r, r.nonce)
    payment = json.loads(decrypt(r.content, r.nonce))
    assert payment["status"] == "succeeded" and payment["amount"] == 250
    with pytest.raises(InvalidTag):
        decrypt(r.content, "0" * 32)  # AAD is the request nonce


def test_business_errors_are_encrypted_too_but_verification_errors_are_not(tribble, sign):
    r = sign("GET", "/payments/txn_999", headers={"X-Encrypt-Response": "A256GCM"})
    assert r.status_code == 404
    assert json.loads(decrypt(r.content, r.nonce)) == {"error": "payment_not_found"}
    headers = signed_headers("GET", "/payments/txn_1", ts=NOW - 1000)
    headers["X-Encrypt-Response"] = "A256GCM"
    r = tribble.client.get("/payments/txn_1", headers=headers)
    assert r.json() == {"error": "stale_timestamp"}


def test_unsupported_encryption_is_400_and_keeps_the_nonce_unused(tribble, sign):
    nonce = "ef" * 16
    r = sign("POST", "/payments", PAYMENT, headers={"X-Encrypt-Response": "A128CBC"}, nonce=nonce)
    assert (r.status_code, r.json()) == (400, {"error": "unsupported_encryption"})
    assert _state(tribble) == (0, 0)
    assert sign("POST", "/payments", PAYMENT, nonce=nonce).status_code == 201


def test_signed_echo_returns_body_verbatim_and_requires_signing(tribble, sign):
    raw = b'{"b": 1,  "a": [2]}'
    r = sign("POST", "/signed/echo", raw=raw)
    assert (r.status_code, r.content) == (200, raw)
    assert sign("GET", "/signed/echo").json() == {"ok": True, "key_id": KEY}
    jwt_auth = tribble.register()["auth"]
    r = tribble.client.get("/signed/echo", headers=jwt_auth)
    assert (r.status_code, r.json()) == (401, {"error": "missing_signature"})


def test_keys_issued_by_merchants_sign_requests(tribble):
    merchant = tribble.register(merchant=True)
    r = tribble.client.post("/merchants/api-keys", json={"name": "ci"}, headers=merchant["auth"])
    assert r.status_code == 201
    key = r.json()
    sign = Signer(tribble.client, ts=NOW, key=key["key_id"], secret=key["secret"])
    r = sign("POST", "/payments", {"amount": 10, "currency": "USD"})
    assert r.status_code == 201
    assert r.json()["merchant_id"] == merchant["user"]["merchant_id"]
    assert response_signature_ok(r, r.nonce, key["secret"])
    assert not response_signature_ok(r, r.nonce, SECRET)


def test_mounted_under_tribble_the_prefix_is_part_of_the_canonical_path(make_tribble, tmp_path):
    cfg = SandboxConfig(db_path=str(tmp_path / "mounted.db"))
    db = Database(cfg.db_path)
    app = Starlette(routes=[Mount("/tribble", app=build(cfg, db, clock=lambda: NOW))])
    with TestClient(app) as client:
        sign = Signer(client, ts=NOW, prefix="/tribble")
        r = sign("POST", "/payments?dry_run=1", PAYMENT)
        assert r.status_code == 200, r.text
        headers = signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW)
        r = client.post("/tribble/payments", content=json.dumps(PAYMENT).encode(), headers=headers)
        assert r.json() == {"error": "bad_signature"}
    db.close()


def test_defect_wrong_response_signature(make_tribble):
    t = make_tribble(defects={"tribble_wrong_response_signature"})
    r = Signer(t.client, ts=NOW)("POST", "/payments", PAYMENT)
    assert r.status_code == 201
    assert not response_signature_ok(r, r.nonce)


def test_defect_undecryptable_body(make_tribble):
    t = make_tribble(defects={"tribble_undecryptable_body"})
    r = Signer(t.client, ts=NOW)("POST", "/payments", PAYMENT, headers={"X-Encrypt-Response": "A256GCM"})
    assert r.status_code == 201
    assert response_signature_ok(r, r.nonce)  # signed as sent: only decryption fails
    with pytest.raises(InvalidTag):
        decrypt(r.content, r.nonce)


def test_defect_accept_stale_signature(make_tribble):
    t = make_tribble(defects={"tribble_accept_stale_signature"})
    headers = signed_headers("POST", "/payments", json.dumps(PAYMENT).encode(), ts=NOW - 86400)
    assert _attempt(t, headers).status_code == 201
