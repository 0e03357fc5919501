"""Stripe webhook signatures (specs/signing.md section 2, Stripe's published scheme).

    >>> stripe_signature_header("whsec_test_secret", b"{}", timestamp=1)[:4]
    't=1,'
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_S = 300


def _signature(secret: str, timestamp: str, body: bytes) -> str:
    payload = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def stripe_signature_header(secret: str, body: bytes | str, *, timestamp: int | str | None = None) -> str:
    """``t=TIMESTAMP,v1=HEX`` for the raw body bytes as sent."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return f"t={ts},v1={_signature(secret, ts, body)}"


def verify_stripe_header(secret: str, header: str, body: bytes | str, *, now: float | None = None,
                         tolerance_s: int = TOLERANCE_S) -> bool:
    """Receiver-side check (any matching v1 within the tolerance); used by tests and mock receivers."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    ts = next((v for k, v in parts if k.strip() == "t"), None)
    if ts is None or not ts.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(ts)) > tolerance_s:
        return False
    expected = _signature(secret, ts, body)
    return any(k.strip() == "v1" and hmac.compare_digest(expected, v.strip()) for k, v in parts)
