"""Signed API requests (specs/signing.md section 1): canonical string, HMAC-SHA256, four headers.

    >>> canonical_request("GET", "/wallets/wal_7/balance", "1767225600", "9f86d081884c7d659a2feaa0c55ad015", b"")
    'GET\\n/wallets/wal_7/balance\\n1767225600\\n9f86d081884c7d659a2feaa0c55ad015\\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time


def body_sha256(body: bytes | str) -> str:
    """Lowercase hex SHA-256 of the exact body bytes (of b"" when there is no body)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return hashlib.sha256(body).hexdigest()


def new_nonce() -> str:
    """32 lowercase hex characters: 128 random bits, unique per request."""
    return secrets.token_hex(16)


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes | str) -> str:
    """METHOD, PATH (with ?query as sent), TIMESTAMP, NONCE, BODY_SHA256 joined by one newline each."""
    return "\n".join((method.upper(), path, str(timestamp), nonce, body_sha256(body)))


def sign_request(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes | str) -> str:
    """Lowercase hex HMAC-SHA256(secret as UTF-8, canonical request)."""
    message = canonical_request(method, path, timestamp, nonce, body).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(api_key: str, api_secret: str, method: str, path: str, body: bytes | str = b"", *,
                   timestamp: str | int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four headers of a signed request; ``timestamp``/``nonce`` are injectable for tests and replays.

    >>> sorted(signed_headers("k", "s", "GET", "/x", timestamp=1, nonce="0" * 32))
    ['X-Api-Key', 'X-Nonce', 'X-Signature', 'X-Timestamp']
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    return {
        "X-Api-Key": api_key,
        "X-Timestamp": ts,
        "X-Nonce": nonce,
        "X-Signature": sign_request(api_secret, method, path, ts, nonce, body),
    }
