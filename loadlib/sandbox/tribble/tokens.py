"""HS256 bearer tokens (signing.md §3) with the sandbox's configured key.

The configured key may be shorter than RFC 7518 recommends; that is the user's
choice for a sandbox, so PyJWT's key-length warning is silenced here only.

    >>> decode(encode({"sub": "usr_1", "iat": 1, "exp": 2, "scope": "user"}, "k"), "k")["sub"]
    'usr_1'
"""

from __future__ import annotations

import warnings
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

REQUIRED_CLAIMS = ["sub", "iat", "exp", "scope"]


def encode(claims: dict[str, Any], secret: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm="HS256")


def decode(token: str, secret: str) -> dict[str, Any]:
    """Signature and claim presence only; raises ``jwt.PyJWTError``. Expiry is checked by the caller's clock."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.decode(token, secret, algorithms=["HS256"],
                          options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                   "require": REQUIRED_CLAIMS})
