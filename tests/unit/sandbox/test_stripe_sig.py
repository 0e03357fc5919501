"""The server's Stripe verifier against specs/signing-vectors.json (stripe_webhook), not against client code."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from loadlib.sandbox import stripe_sig

HERE = Path(__file__).resolve().parent
SPEC = HERE.parents[3] / "shared" / "specs" / "signing-vectors.json"
# a copy of the stripe_webhook vectors travels with the tests so a clone without ../shared still runs them
BUNDLED = HERE / "stripe_webhook_vectors.json"
VECTORS = json.loads(SPEC.read_text())["stripe_webhook"] if SPEC.exists() else json.loads(BUNDLED.read_text())


def test_bundled_copy_matches_the_spec():
    if not SPEC.exists():
        pytest.skip("../shared/specs not present")
    assert json.loads(BUNDLED.read_text()) == json.loads(SPEC.read_text())["stripe_webhook"]


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_header_is_accepted(vector):
    ts = int(vector["timestamp"])
    assert stripe_sig.verify(vector["header"], vector["body"].encode(), vector["webhook_secret"], now=ts) == ts


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_signature_is_reproduced(vector):
    sig = stripe_sig.expected_signature(vector["webhook_secret"], vector["timestamp"], vector["body"].encode())
    assert f"t={vector['timestamp']},v1={sig}" == vector["header"]


@pytest.mark.parametrize("vector", VECTORS)
def test_tolerance_is_300_seconds(vector):
    ts = int(vector["timestamp"])
    body, secret = vector["body"].encode(), vector["webhook_secret"]
    stripe_sig.verify(vector["header"], body, secret, now=ts + 300)
    stripe_sig.verify(vector["header"], body, secret, now=ts - 300)
    with pytest.raises(stripe_sig.SignatureError, match="tolerance"):
        stripe_sig.verify(vector["header"], body, secret, now=ts + 301)


@pytest.mark.parametrize("vector", VECTORS)
def test_tampering_is_rejected(vector):
    ts = int(vector["timestamp"])
    body, secret = vector["body"].encode(), vector["webhook_secret"]
    with pytest.raises(stripe_sig.SignatureError):
        stripe_sig.verify(vector["header"], body + b" ", secret, now=ts)
    with pytest.raises(stripe_sig.SignatureError):
        stripe_sig.verify(vector["header"], body, secret + "x", now=ts)


@pytest.mark.parametrize("vector", VECTORS)
def test_any_matching_v1_among_several_entries_is_accepted(vector):
    ts = int(vector["timestamp"])
    good = vector["header"].split("v1=")[1]
    header = f"t={vector['timestamp']},v1={'0' * 64},v0=abc,v1={good}"
    assert stripe_sig.verify(header, vector["body"].encode(), vector["webhook_secret"], now=ts) == ts


@pytest.mark.parametrize("header", [None, "", "garbage", "t=abc,v1=00", "v1=00", "t=1767225600", "t=1767225600,v0=00"])
def test_malformed_headers_are_rejected(header):
    with pytest.raises(stripe_sig.SignatureError):
        stripe_sig.verify(header, b"{}", "whsec_test_secret", now=1767225600)


def test_signature_follows_the_spec_formula():
    # HMAC-SHA256(secret, timestamp + "." + body), lowercase hex, straight from specs/signing.md §2
    body = b'{"id":"evt_x"}'
    expected = hmac.new(b"s", b"42." + body, hashlib.sha256).hexdigest()
    assert stripe_sig.expected_signature("s", "42", body) == expected
