"""Environment-variable declarations: sandbox defaults, required values, malformed values."""

from __future__ import annotations

import pytest

from loadlib.errors import EnvironmentVariableError
from loadlib.users import SANDBOX
from loadlib.users import envvars as envmod


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch):
    monkeypatch.setattr(envmod, "DECLARED", {})


def test_sandbox_defaults_come_from_the_sandbox_config():
    assert SANDBOX.tribble_api_key == "test_key_12345" and SANDBOX.tribble_api_secret == "test_secret_67890"
    assert SANDBOX.escrow_asset_id == "ast_constr_escrow_123"
    assert len(SANDBOX.rsolv_api_keys) == 5 and SANDBOX.stripe_webhook_secret.startswith("whsec_")


def test_embedded_target_uses_sandbox_values_and_real_target_requires_them():
    key = envmod.env("API_KEY", sandbox="k")
    assert key.resolve(embedded=True, environ={}) == "k"
    with pytest.raises(EnvironmentVariableError) as err:
        key.resolve(embedded=False, environ={})
    assert "API_KEY is required" in str(err.value) and err.value.exit_code == 104
    assert key.resolve(embedded=False, environ={"API_KEY": "real"}) == "real"
    assert key.value == "real"


@pytest.mark.parametrize(("kind", "bad"), [("url", "localhost:3000"), ("url", "ftp://x"), ("url", "http://h:99999"),
                                           ("int", "five"), ("nonempty", "   ")])
def test_malformed_values_name_the_variable_and_the_expectation(kind, bad):
    var = envmod.env("VAR_X", kind=kind, sandbox="1")
    with pytest.raises(EnvironmentVariableError) as err:
        var.resolve(embedded=True, environ={"VAR_X": bad})
    message = str(err.value)
    assert "VAR_X" in message and repr(bad) in message and envmod.KINDS[kind] in message


def test_base_url_variable_is_optional_and_overrides():
    base = envmod.env("API_BASE_URL", base_url=True)
    assert base.kind == "url"
    assert base.resolve(embedded=False, environ={}) is None
    assert envmod.base_url_override({}) is None
    assert envmod.base_url_override({"API_BASE_URL": "http://127.0.0.1:9/tribble/"}) == "http://127.0.0.1:9/tribble"
    with pytest.raises(EnvironmentVariableError):
        envmod.base_url_override({"API_BASE_URL": "127.0.0.1:9"})


def test_resolve_all_reports_the_first_problem_in_declaration_order():
    envmod.env("A_VAR", sandbox="a")
    envmod.env("B_VAR", kind="int")
    with pytest.raises(EnvironmentVariableError, match="B_VAR"):
        envmod.resolve_all(embedded=True, environ={})
    assert envmod.resolve_all(embedded=True, environ={"B_VAR": "3"}) == {"A_VAR": "a", "B_VAR": "3"}


def test_redeclaring_returns_the_same_declaration_and_bad_kind_is_refused():
    assert envmod.env("X_VAR") is envmod.env("X_VAR")
    with pytest.raises(ValueError):
        envmod.env("Y_VAR", kind="float")
