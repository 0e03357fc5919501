"""Server-side Stripe webhook signature check (shared/specs/signing.md §2), independent of the client code.

    verify("t=1767225600,v1=83da…", raw_body, "whsec_test_secret", now=1767225600)  # raises on failure
"""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_S = 300


class SignatureError(Exception):
    """The Stripe-Signature header is missing, malformed, stale or matches no ``v1`` signature."""


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256(secret, ``timestamp + "." + body``)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(header: str | None, body: bytes, secret: str, *, now: float, tolerance_s: int = TOLERANCE_S) -> int:
    """Check a ``Stripe-Signature`` header over the raw body; return its timestamp or raise SignatureError."""
    if not header:
        raise SignatureError("missing Stripe-Signature header")
    timestamp: str | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t" and timestamp is None:
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("Stripe-Signature has no valid timestamp (t=...)")
    if not candidates:
        raise SignatureError("Stripe-Signature has no v1 signature")
    if abs(now - int(timestamp)) > tolerance_s:
        raise SignatureError(f"timestamp outside the {tolerance_s} s tolerance")
    expected = expected_signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("no v1 signature matches the payload")
    return int(timestamp)
