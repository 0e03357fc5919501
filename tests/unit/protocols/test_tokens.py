"""Reading bearer tokens: claims without the server's key; malformed tokens are refused."""

from __future__ import annotations

import jwt
import pytest

from loadlib.protocols import bearer, read_token


def test_reads_claims_of_a_token_signed_with_an_unknown_key():
    token = jwt.encode({"sub": "usr_1", "iat": 100, "exp": 400, "scope": "payments"}, "server-only-key-of-at-least-32-bytes!", algorithm="HS256")
    claims = read_token(token)
    assert (claims.sub, claims.iat, claims.exp, claims.scope) == ("usr_1", 100, 400, "payments")
    assert claims.expires_within(60, now=350) and not claims.expires_within(60, now=100)
    assert bearer(token) == {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256")])
def test_rejects_non_tokens_and_missing_claims(token):
    with pytest.raises(ValueError):
        read_token(token)
