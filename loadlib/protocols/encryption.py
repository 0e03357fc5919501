"""AES-256-GCM response bodies (specs/signing.md, "Encrypted responses").

Key = HKDF-SHA256(API_SECRET, salt=None, info=b"response-encryption", 32 bytes); AAD = the
request's X-Nonce. The body is ``{"alg":"A256GCM","iv":B64,"ciphertext":B64(ct||tag)}``.

    >>> derive_key("test_secret_67890").hex()[:16]
    '0a562c5d409409e6'
"""

from __future__ import annotations

import base64
import json
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALG = "A256GCM"
_INFO = b"response-encryption"


class DecryptError(ValueError):
    """The body is not a decryptable A256GCM envelope (bad JSON, wrong alg, bad base64, tag mismatch)."""


@lru_cache(maxsize=64)
def derive_key(api_secret: str) -> bytes:
    """The 32-byte AES key derived from the API secret (cached: the secret rarely changes in a run)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(api_secret.encode("utf-8"))


def encrypt_body(api_secret: str, request_nonce: str, plaintext: bytes | str, *, iv: bytes | None = None) -> bytes:
    """The envelope bytes a server sends (used by tests and by replay tools; ``iv`` injectable)."""
    if isinstance(plaintext, str):
        plaintext = plaintext.encode("utf-8")
    iv = os.urandom(12) if iv is None else iv
    ct = AESGCM(derive_key(api_secret)).encrypt(iv, plaintext, request_nonce.encode("ascii"))
    envelope = {"alg": ALG, "iv": base64.b64encode(iv).decode("ascii"),
                "ciphertext": base64.b64encode(ct).decode("ascii")}
    return json.dumps(envelope, separators=(",", ":")).encode("ascii")


def decrypt_body(api_secret: str, request_nonce: str, body: bytes | str) -> bytes:
    """The plaintext of an encrypted response body; raises DecryptError with the reason.

    >>> env = encrypt_body("s", "n" * 32, b"{}", iv=bytes(12))
    >>> decrypt_body("s", "n" * 32, env)
    b'{}'
    """
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecryptError(f"body is not JSON: {exc}") from None
    if not isinstance(envelope, dict) or envelope.get("alg") != ALG:
        raise DecryptError(f"not an {ALG} envelope")
    try:
        iv = base64.b64decode(envelope["iv"], validate=True)
        ct = base64.b64decode(envelope["ciphertext"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise DecryptError(f"bad envelope field: {exc}") from None
    if len(iv) != 12 or len(ct) < 16:
        raise DecryptError("iv must be 12 bytes and ciphertext at least the 16-byte tag")
    try:
        return AESGCM(derive_key(api_secret)).decrypt(iv, ct, request_nonce.encode("ascii"))
    except InvalidTag:
        raise DecryptError("authentication tag mismatch") from None
