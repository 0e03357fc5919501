"""The server side of signing.md §1: request verification, response signing, response encryption.

Pure functions of their inputs (time and IV are parameters), so tests reproduce
``signing-vectors.json`` byte for byte. Written from the spec, independently of
``loadlib.protocols`` (the client side): a shared bug cannot hide.

    >>> canonical_request("GET", "/w", "1", "a" * 32, b"").split("\\n")[:3]
    ['GET', '/w', '1']
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CLOCK_SKEW_S = 300
NONCE_WINDOW_S = 600
ENCRYPTION_ALG = "A256GCM"
HKDF_INFO = b"response-encryption"

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[0-9a-f]{32}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class SignedHeaders:
    """The four signed-request headers, already checked to be well formed."""

    key_id: str
    timestamp: str
    nonce: str
    signature: str


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_hex(secret: str, message: str) -> str:
    """Lowercase hex HMAC-SHA256 keyed by the secret's UTF-8 bytes."""
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """METHOD, PATH(?query), TIMESTAMP, NONCE, hex SHA-256 of the body; joined by ``\\n``."""
    return "\n".join((method.upper(), path, timestamp, nonce, sha256_hex(body)))


def parse_headers(headers: Mapping[str, str]) -> SignedHeaders | None:
    """The signed headers, or None when one is missing or malformed (-> 401 missing_signature)."""
    key_id = headers.get("x-api-key")
    timestamp = headers.get("x-timestamp")
    nonce = headers.get("x-nonce")
    signature = headers.get("x-signature")
    if not key_id or timestamp is None or nonce is None or signature is None:
        return None
    if not (_TIMESTAMP.fullmatch(timestamp) and _NONCE.fullmatch(nonce) and _SIGNATURE.fullmatch(signature)):
        return None
    return SignedHeaders(key_id, timestamp, nonce, signature)


def is_stale(timestamp: str, now: float) -> bool:
    return abs(int(now) - int(timestamp)) > CLOCK_SKEW_S


def signature_matches(signed: SignedHeaders, secret: str, method: str, path: str, body: bytes) -> bool:
    expected = hmac_hex(secret, canonical_request(method, path, signed.timestamp, signed.nonce, body))
    return hmac.compare_digest(expected, signed.signature)


def response_signature(secret: str, status: int, request_nonce: str, timestamp: str, body: bytes) -> str:
    """HMAC over STATUS, request nonce, X-Response-Timestamp and the body's SHA-256 (the bytes sent)."""
    return hmac_hex(secret, "\n".join((str(status), request_nonce, timestamp, sha256_hex(body))))


def encryption_key(secret: str) -> bytes:
    """HKDF-SHA256(ikm = secret bytes, no salt, info = b"response-encryption"), 32 bytes."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret.encode("utf-8"))


def encrypt_body(secret: str, request_nonce: str, plaintext: bytes, iv: bytes, *, corrupt_tag: bool = False) -> bytes:
    """The encrypted JSON body ``{"alg","iv","ciphertext"}`` (compact, in that key order).

    ``corrupt_tag`` flips a bit of the GCM tag: the ``tribble_undecryptable_body`` defect.
    """
    sealed = AESGCM(encryption_key(secret)).encrypt(iv, plaintext, request_nonce.encode("ascii"))
    if corrupt_tag:
        sealed = sealed[:-1] + bytes([sealed[-1] ^ 0x01])
    document = {"alg": ENCRYPTION_ALG, "iv": base64.b64encode(iv).decode("ascii"),
                "ciphertext": base64.b64encode(sealed).decode("ascii")}
    return json.dumps(document, separators=(",", ":")).encode("utf-8")
