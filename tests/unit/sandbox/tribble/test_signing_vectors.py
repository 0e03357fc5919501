"""Every vector of signing-vectors.json, reproduced byte for byte by the sandbox's verifier and responder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadlib.sandbox.tribble import signing

from .conftest import T0
from .helpers import response_signature_ok

VECTORS = json.loads((Path(__file__).parent / "signing-vectors.json").read_text())
REQUESTS = VECTORS["request_signing"]
RESPONSE = VECTORS["response_signing"][0]
ENCRYPTION = VECTORS["response_encryption"][0]


@pytest.mark.parametrize("vector", REQUESTS, ids=lambda v: v["method"])
def test_canonical_string_and_signature_match_the_vector(vector):
    body = vector["body"].encode()
    assert signing.sha256_hex(body) == vector["body_sha256"]
    canonical = signing.canonical_request(vector["method"], vector["path"], vector["timestamp"], vector["nonce"], body)
    assert canonical == vector["canonical"]
    assert signing.hmac_hex(vector["api_secret"], canonical) == vector["signature"]


def _vector_headers(vector):
    return {"X-Api-Key": vector["api_key"], "X-Timestamp": vector["timestamp"], "X-Nonce": vector["nonce"],
            "X-Signature": vector["signature"], "Content-Type": "application/json"}


def test_verifier_accepts_the_post_vector_at_the_vectors_time(make_tribble):
    vector = REQUESTS[0]
    t = make_tribble(now=int(vector["timestamp"]))
    r = t.client.post(vector["path"], content=vector["body"].encode(), headers=_vector_headers(vector))
    assert r.status_code == 200, r.text
    assert r.json() == {"dry_run": True, "status": "validated", "amount": 250, "currency": "USD",
                        "merchant_id": "mrc_0042"}
    assert response_signature_ok(r, vector["nonce"], vector["api_secret"])
    assert t.count("tribble_payments") == 0  # dry run stores nothing


def test_verifier_accepts_the_get_vector_at_the_vectors_time(make_tribble):
    vector = REQUESTS[1]
    t = make_tribble(now=int(vector["timestamp"]))
    auth = t.register()["auth"]  # wal_1 .. wal_7 through JWT: no nonce is spent
    for _ in range(7):
        assert t.client.post("/wallets", json={"currency": "USD", "initial_balance": 42}, headers=auth).status_code == 201
    r = t.client.get(vector["path"], headers=_vector_headers(vector))
    assert r.status_code == 200, r.text
    assert r.json() == {"wallet_id": "wal_7", "currency": "USD", "balance": 42}
    assert response_signature_ok(r, vector["nonce"], vector["api_secret"])


def test_verifier_rejects_the_vectors_outside_the_clock_window(make_tribble):
    vector = REQUESTS[0]
    t = make_tribble(now=int(vector["timestamp"]) + 301)
    r = t.client.post(vector["path"], content=vector["body"].encode(), headers=_vector_headers(vector))
    assert (r.status_code, r.json()) == (401, {"error": "stale_timestamp"})


def test_response_signature_function_matches_the_vector():
    got = signing.response_signature(RESPONSE["api_secret"], RESPONSE["status"], RESPONSE["request_nonce"],
                                     RESPONSE["response_timestamp"], RESPONSE["body"].encode())
    assert got == RESPONSE["signature"]


def test_hkdf_key_and_fixed_iv_ciphertext_match_the_vector():
    v = ENCRYPTION
    assert signing.encryption_key(v["api_secret"]).hex() == v["hkdf_key_hex"]
    body = signing.encrypt_body(v["api_secret"], v["request_nonce"], v["plaintext"].encode(), bytes.fromhex(v["iv_hex"]))
    assert body == v["encrypted_body"].encode()
    got = signing.response_signature(v["api_secret"], v["status"], v["request_nonce"], v["response_timestamp"], body)
    assert got == v["signature_over_encrypted_body"]


def _echo(t, vector_nonce, body, *, encrypt):
    from .helpers import signed_headers

    headers = signed_headers("POST", "/signed/echo?status=201", body, ts=T0, nonce=vector_nonce)
    if encrypt:
        headers["X-Encrypt-Response"] = "A256GCM"
    return t.client.post("/signed/echo?status=201", content=body, headers=headers)


def test_responder_produces_the_response_signing_vector_over_http(make_tribble):
    t = make_tribble(now=T0, response_now=int(RESPONSE["response_timestamp"]))
    r = _echo(t, RESPONSE["request_nonce"], RESPONSE["body"].encode(), encrypt=False)
    assert r.status_code == RESPONSE["status"]
    assert r.content == RESPONSE["body"].encode()
    assert r.headers["x-response-timestamp"] == RESPONSE["response_timestamp"]
    assert r.headers["x-response-signature"] == RESPONSE["signature"]


def test_responder_produces_the_encryption_vector_over_http(make_tribble):
    v = ENCRYPTION
    t = make_tribble(now=T0, response_now=int(v["response_timestamp"]), iv=bytes.fromhex(v["iv_hex"]))
    r = _echo(t, v["request_nonce"], v["plaintext"].encode(), encrypt=True)
    assert r.status_code == v["status"]
    assert r.headers["content-type"].startswith("application/json")
    assert r.content == v["encrypted_body"].encode()
    assert r.headers["x-response-timestamp"] == v["response_timestamp"]
    assert r.headers["x-response-signature"] == v["signature_over_encrypted_body"]
