"""Signed responses (specs/signing.md, "Signed responses").

    >>> response_signature("test_secret_67890", 201, "9f86d081884c7d659a2feaa0c55ad015", "1767225601",
    ...                    b'{"transaction_id":"txn_1","status":"succeeded"}')[:16]
    '8511488d9c2367ff'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from loadlib.protocols.signing import body_sha256


def response_signature(secret: str, status: int, request_nonce: str, response_timestamp: str,
                       body: bytes | str) -> str:
    """HMAC-SHA256(secret, STATUS \\n REQUEST_NONCE \\n X-Response-Timestamp \\n sha256(body)) in lowercase hex."""
    message = "\n".join((str(int(status)), request_nonce, str(response_timestamp), body_sha256(body)))
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts are case-sensitive; HTTP header maps usually are not
        lowered = name.lower()
        for key, val in headers.items():
            if key.lower() == lowered:
                return val
    return value


def verify_response(secret: str, status: int, request_nonce: str, headers: Mapping[str, str],
                    body: bytes | str) -> bool:
    """True when X-Response-Signature matches; compared in constant time. Missing headers -> False."""
    ts = _header(headers, "X-Response-Timestamp")
    sig = _header(headers, "X-Response-Signature")
    if not ts or not sig:
        return False
    expected = response_signature(secret, status, request_nonce, ts, body)
    return hmac.compare_digest(expected, sig.strip().lower())
