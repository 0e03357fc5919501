"""A test-only client for signing.md, written straight from the spec with hashlib/hmac/cryptography.

It deliberately does not import loadlib (neither the client side nor the sandbox's own
signing module): the sandbox is checked against the spec, not against itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY, SECRET = "test_key_12345", "test_secret_67890"


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed_headers(method: str, path: str, body: bytes = b"", *, ts: int | str, key: str = KEY,
                   secret: str = SECRET, nonce: str | None = None, **extra: str) -> dict[str, str]:
    """The four headers of signing.md §1 for a request line ``method path``."""
    nonce = nonce or secrets.token_hex(16)
    canonical = "\n".join([method, path, str(ts), nonce, hashlib.sha256(body).hexdigest()])
    headers = {"X-Api-Key": key, "X-Timestamp": str(ts), "X-Nonce": nonce,
               "X-Signature": _hmac(secret, canonical)}
    headers.update({k.replace("_", "-"): v for k, v in extra.items()})
    if body:
        headers["Content-Type"] = "application/json"
    return headers


def response_signature_ok(response: Any, nonce: str, secret: str = SECRET) -> bool:
    stamp = response.headers.get("x-response-timestamp")
    got = response.headers.get("x-response-signature")
    if stamp is None or got is None:
        return False
    message = "\n".join([str(response.status_code), nonce, stamp, hashlib.sha256(response.content).hexdigest()])
    return hmac.compare_digest(_hmac(secret, message), got)


def decrypt(content: bytes, nonce: str, secret: str = SECRET) -> bytes:
    """Decrypt an ``{"alg","iv","ciphertext"}`` body (raises InvalidTag on a bad tag)."""
    doc = json.loads(content)
    assert doc["alg"] == "A256GCM"
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"response-encryption").derive(secret.encode())
    return AESGCM(key).decrypt(base64.b64decode(doc["iv"]), base64.b64decode(doc["ciphertext"]), nonce.encode())


class Signer:
    """Send signed JSON requests through a TestClient-like client at a fixed or moving time."""

    def __init__(self, client: Any, *, ts: Any, prefix: str = "", key: str = KEY, secret: str = SECRET) -> None:
        self.client, self.ts, self.prefix, self.key, self.secret = client, ts, prefix, key, secret

    def __call__(self, method: str, path: str, payload: Any = None, *, raw: bytes | None = None,
                 headers: dict[str, str] | None = None, nonce: str | None = None) -> Any:
        body = raw if raw is not None else (b"" if payload is None else json.dumps(payload).encode())
        full = self.prefix + path
        ts = self.ts() if callable(self.ts) else self.ts
        h = signed_headers(method, full, body, ts=ts, key=self.key, secret=self.secret, nonce=nonce)
        h.update(headers or {})
        response = self.client.request(method, full, content=body, headers=h)
        response.nonce = h["X-Nonce"]
        return response
