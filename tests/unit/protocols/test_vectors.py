"""Every vector in specs/signing-vectors.json, reproduced byte for byte by the client side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadlib.protocols import (
    DecryptError,
    body_sha256,
    canonical_request,
    decrypt_body,
    derive_key,
    encrypt_body,
    response_signature,
    sign_request,
    signed_headers,
    stripe_signature_header,
    verify_response,
    verify_stripe_header,
)

HERE = Path(__file__).parent
SHARED = HERE.parents[3] / "shared" / "specs" / "signing-vectors.json"
# A copy travels with the tests so a clone without ../shared still runs them.
VECTORS = json.loads((SHARED if SHARED.exists() else HERE / "signing-vectors.json").read_text())


def test_bundled_copy_matches_the_shared_spec():
    if not SHARED.exists():
        pytest.skip("../shared/specs not present")
    assert json.loads(SHARED.read_text()) == json.loads((HERE / "signing-vectors.json").read_text())


@pytest.mark.parametrize("v", VECTORS["request_signing"], ids=lambda v: v["method"] + " " + v["path"])
def test_request_signing(v):
    body = v["body"].encode()
    assert body_sha256(body) == v["body_sha256"]
    assert canonical_request(v["method"], v["path"], v["timestamp"], v["nonce"], body) == v["canonical"]
    assert sign_request(v["api_secret"], v["method"], v["path"], v["timestamp"], v["nonce"], body) == v["signature"]
    headers = signed_headers(v["api_key"], v["api_secret"], v["method"], v["path"], body,
                             timestamp=v["timestamp"], nonce=v["nonce"])
    assert headers == {"X-Api-Key": v["api_key"], "X-Timestamp": v["timestamp"], "X-Nonce": v["nonce"],
                       "X-Signature": v["signature"]}


def test_lowercase_method_is_canonicalised_and_nonce_is_fresh():
    v = VECTORS["request_signing"][0]
    assert canonical_request("post", v["path"], v["timestamp"], v["nonce"], v["body"]) == v["canonical"]
    a = signed_headers("k", "s", "GET", "/x")
    b = signed_headers("k", "s", "GET", "/x")
    assert a["X-Nonce"] != b["X-Nonce"] and len(a["X-Nonce"]) == 32
    assert a["X-Nonce"] == a["X-Nonce"].lower()


@pytest.mark.parametrize("v", VECTORS["response_signing"], ids=lambda v: str(v["status"]))
def test_response_signing(v):
    sig = response_signature(v["api_secret"], v["status"], v["request_nonce"], v["response_timestamp"],
                             v["body"].encode())
    assert sig == v["signature"]
    headers = {"x-response-timestamp": v["response_timestamp"], "x-response-signature": v["signature"]}
    assert verify_response(v["api_secret"], v["status"], v["request_nonce"], headers, v["body"].encode())
    # a tampered body, status, nonce or signature is rejected
    assert not verify_response(v["api_secret"], v["status"], v["request_nonce"], headers, v["body"].encode() + b" ")
    assert not verify_response(v["api_secret"], 200, v["request_nonce"], headers, v["body"].encode())
    assert not verify_response(v["api_secret"], v["status"], "0" * 32, headers, v["body"].encode())
    bad = dict(headers, **{"x-response-signature": "0" * 64})
    assert not verify_response(v["api_secret"], v["status"], v["request_nonce"], bad, v["body"].encode())
    assert not verify_response(v["api_secret"], v["status"], v["request_nonce"], {}, v["body"].encode())


@pytest.mark.parametrize("v", VECTORS["response_encryption"], ids=lambda v: v["iv_hex"])
def test_response_encryption(v):
    assert derive_key(v["api_secret"]).hex() == v["hkdf_key_hex"]
    envelope = encrypt_body(v["api_secret"], v["request_nonce"], v["plaintext"].encode(),
                            iv=bytes.fromhex(v["iv_hex"]))
    assert envelope == v["encrypted_body"].encode()
    assert decrypt_body(v["api_secret"], v["request_nonce"], v["encrypted_body"].encode()) == v["plaintext"].encode()
    sig = response_signature(v["api_secret"], v["status"], v["request_nonce"], v["response_timestamp"], envelope)
    assert sig == v["signature_over_encrypted_body"]


def test_decrypt_failures_are_reported():
    v = VECTORS["response_encryption"][0]
    env = json.loads(v["encrypted_body"])
    ct = bytearray(__import__("base64").b64decode(env["ciphertext"]))
    ct[-1] ^= 1  # flip one tag bit
    env["ciphertext"] = __import__("base64").b64encode(bytes(ct)).decode()
    with pytest.raises(DecryptError, match="tag"):
        decrypt_body(v["api_secret"], v["request_nonce"], json.dumps(env).encode())
    with pytest.raises(DecryptError, match="tag"):  # wrong AAD
        decrypt_body(v["api_secret"], "0" * 32, v["encrypted_body"].encode())
    with pytest.raises(DecryptError, match="tag"):  # wrong key
        decrypt_body("other", v["request_nonce"], v["encrypted_body"].encode())
    for junk in (b"not json", b'{"alg":"none"}', b'{"alg":"A256GCM","iv":"!!","ciphertext":"AA=="}'):
        with pytest.raises(DecryptError):
            decrypt_body(v["api_secret"], v["request_nonce"], junk)


@pytest.mark.parametrize("v", VECTORS["stripe_webhook"], ids=lambda v: v["timestamp"])
def test_stripe_webhook(v):
    header = stripe_signature_header(v["webhook_secret"], v["body"].encode(), timestamp=v["timestamp"])
    assert header == v["header"]
    now = int(v["timestamp"]) + 10
    assert verify_stripe_header(v["webhook_secret"], v["header"], v["body"], now=now)
    assert verify_stripe_header(v["webhook_secret"], v["header"] + ",v0=abc", v["body"], now=now)
    assert not verify_stripe_header(v["webhook_secret"], v["header"], v["body"], now=now + 400)
    assert not verify_stripe_header("whsec_other", v["header"], v["body"], now=now)
    assert not verify_stripe_header(v["webhook_secret"], v["header"], v["body"] + " ", now=now)
