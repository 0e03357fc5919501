"""Reading JWT bearer tokens (specs/signing.md section 3) with pyjwt.

The client never holds the server's signing key, so it reads claims without
verifying the signature; it only needs ``sub``, ``exp`` and ``scope`` to decide
when to log in again.

    >>> bearer("abc")
    {'Authorization': 'Bearer abc'}
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt


@dataclass(frozen=True)
class TokenClaims:
    sub: str
    iat: int
    exp: int
    scope: str
    raw: str

    def expires_within(self, seconds: float, *, now: float | None = None) -> bool:
        """True when the token is expired or will be within ``seconds`` (refresh ahead of expiry)."""
        return self.exp - (time.time() if now is None else now) <= seconds


def read_token(token: str) -> TokenClaims:
    """Claims of an HS256 JWT, unverified; raises ValueError if it is not a JWT with the spec's claims."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError as exc:
        raise ValueError(f"not a JWT: {exc}") from None
    try:
        return TokenClaims(sub=str(claims["sub"]), iat=int(claims["iat"]), exp=int(claims["exp"]),
                           scope=str(claims.get("scope", "")), raw=token)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"JWT lacks a required claim: {exc}") from None


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {token}"}
