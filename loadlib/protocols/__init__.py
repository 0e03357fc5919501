"""Client-side wire protocols, written against ``specs/signing.md`` (never the sandbox's code).

    >>> from loadlib.protocols import signed_headers
    >>> h = signed_headers("test_key_12345", "test_secret_67890", "GET", "/wallets/wal_7/balance", b"",
    ...                    timestamp="1767225600", nonce="9f86d081884c7d659a2feaa0c55ad015")
    >>> h["X-Signature"][:16]
    '2c8ba2dd43698460'

One module per scheme: ``signing`` (signed requests), ``responses`` (response
signatures), ``encryption`` (AES-256-GCM response bodies), ``stripe`` (webhook
signatures), ``tokens`` (reading JWT bearer tokens).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from loadlib.protocols.responses import response_signature, verify_response
from loadlib.protocols.signing import body_sha256, canonical_request, new_nonce, sign_request, signed_headers
from loadlib.protocols.stripe import stripe_signature_header, verify_stripe_header

if TYPE_CHECKING:
    from loadlib.protocols.encryption import DecryptError, decrypt_body, derive_key, encrypt_body
    from loadlib.protocols.tokens import TokenClaims, bearer, read_token

# cryptography and pyjwt (~10 MB per process) load on first use: most users never decrypt or read a JWT.
_LAZY = {"DecryptError": "encryption", "decrypt_body": "encryption", "derive_key": "encryption",
         "encrypt_body": "encryption", "TokenClaims": "tokens", "bearer": "tokens", "read_token": "tokens"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'loadlib.protocols' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"loadlib.protocols.{module}"), name)
    globals()[name] = value
    return value

__all__ = [
    "DecryptError",
    "TokenClaims",
    "bearer",
    "body_sha256",
    "canonical_request",
    "decrypt_body",
    "derive_key",
    "encrypt_body",
    "new_nonce",
    "read_token",
    "response_signature",
    "sign_request",
    "signed_headers",
    "stripe_signature_header",
    "verify_response",
    "verify_stripe_header",
]
