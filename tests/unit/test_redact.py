"""loadlib.redact: registered values, secret-named environment variables, JWTs, credential headers."""

from __future__ import annotations

import jwt as pyjwt
import pytest

from loadlib.redact import MASK, Secrets, secret_names


def test_registered_values_are_masked_longest_first() -> None:
    s = Secrets(["abcd1234", "abcd1234-extended"])
    assert s.redact("x abcd1234-extended y abcd1234") == f"x {MASK} y {MASK}"


def test_short_values_are_not_registered() -> None:
    s = Secrets(["ab", ""])
    assert s.values == ()
    assert s.redact("ab ab") == "ab ab"


def test_environment_names_decide_what_is_secret() -> None:
    env = {"API_KEY": "test_key_12345", "WEBHOOK_SECRET": "whsec_0123456789", "DB_PASSWORD": "hunter2hunter2",
           "GITHUB_TOKEN": "ghp_abcdefghijkl", "SORT_KEY": "name", "FLAG_TOKEN": "true", "HOME": "/root/secret-dir"}
    assert set(secret_names(env)) == {"API_KEY", "WEBHOOK_SECRET", "DB_PASSWORD", "GITHUB_TOKEN", "SORT_KEY",
                                      "FLAG_TOKEN"}
    s = Secrets()
    s.add_environ(env)
    text = "test_key_12345 whsec_0123456789 hunter2hunter2 ghp_abcdefghijkl name true /root/secret-dir"
    # short or boolean-looking values found by name alone would wreck the output: left alone
    assert s.redact(text, headers=False) == f"{MASK} {MASK} {MASK} {MASK} name true /root/secret-dir"


def test_jwts_are_masked_without_registration() -> None:
    token = pyjwt.encode({"sub": "user_1", "exp": 2_000_000_000}, "k" * 32, algorithm="HS256")
    out = Secrets().redact(f"login ok, token={token}; next", headers=False)
    assert token not in out and MASK in out and out.endswith("; next")


@pytest.mark.parametrize("text", [
    "Authorization: Bearer abc.def-ghi",
    "{'Authorization': 'Basic Zm9vOmJhcg=='}",
    '{"authorization": "Token sk_live_1234"}',
    "X-Api-Key: test_key_12345",
    "api_secret=s3cr3t-value",
    '"webhook_secret": "whsec_abcdef"',
])
def test_credential_headers_are_masked(text: str) -> None:
    out = Secrets().redact(text)
    assert MASK in out
    for word in ("abc.def-ghi", "Zm9vOmJhcg==", "sk_live_1234", "test_key_12345", "s3cr3t-value", "whsec_abcdef"):
        assert word not in out


@pytest.mark.parametrize("text", [
    "GET /payments status=200 error_kind=timeout",
    "tokens_issued: 42",
    "the key idea: monkeys",
    "http_req_failed{error_kind:timeout}",
])
def test_ordinary_text_is_untouched(text: str) -> None:
    assert Secrets(["test_secret_67890"]).redact(text) == text


def test_version_moves_with_each_new_secret() -> None:
    s = Secrets()
    v0 = s.version
    s.add("first-secret")
    s.add("first-secret")
    assert s.version == v0 + 1
