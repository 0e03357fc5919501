"""Registration, verification, login and the JWT rules of signing.md §3; merchant onboarding."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from .conftest import T0

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

NOW = T0 + 12 * 3600
SECRET = "sandbox-jwt-secret"  # SandboxConfig's default jwt_secret
REG = {"email": "ada@example.com", "phone": "+15550100", "password": "correct horse", "name": "Ada"}


def test_register_returns_codes_and_verification_unlocks_login(tribble):
    r = tribble.client.post("/auth/register", json=REG)
    assert r.status_code == 201
    user = r.json()
    assert user["id"] == "usr_1" and user["email_verified"] is False and user["country"] == "US"
    codes = user["verification"]
    assert len(codes["email_code"]) == 6 and codes["email_code"].isdigit()
    login = {"email": REG["email"], "password": REG["password"]}
    assert tribble.client.post("/auth/login", json=login).json() == {"error": "email_not_verified"}
    r = tribble.client.post("/auth/verify-phone", json={"user_id": "usr_1", "code": codes["phone_code"]})
    assert r.json() == {"user_id": "usr_1", "email_verified": False, "phone_verified": True}
    r = tribble.client.post("/auth/verify-email", json={"user_id": "usr_1", "code": codes["email_code"]})
    assert r.json() == {"user_id": "usr_1", "email_verified": True, "phone_verified": True}
    r = tribble.client.post("/auth/login", json=login)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "user"
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"sub": "usr_1", "iat": NOW, "exp": NOW + 3600, "scope": "user"}
    me = tribble.client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["user_id"] == "usr_1" and me.json()["merchant_id"] is None


@pytest.mark.parametrize("patch,field", [({"email": "nope"}, "email"), ({"password": "short"}, "password"),
                                         ({"name": 5}, "name"), ({"phone": None}, "phone"),
                                         ({"country": "USA"}, "country")])
def test_register_validation(tribble, patch, field):
    r = tribble.client.post("/auth/register", json={**REG, **patch})
    assert r.status_code == 422
    assert r.json()["error"] == "validation_error" and r.json()["field"] == field
    assert tribble.count("tribble_users") == 0


def test_register_rejects_duplicates_bad_json_and_non_objects(tribble):
    assert tribble.client.post("/auth/register", json=REG).status_code == 201
    r = tribble.client.post("/auth/register", json={**REG, "email": REG["email"].upper()})
    assert (r.status_code, r.json()) == (409, {"error": "email_taken"})
    r = tribble.client.post("/auth/register", content=b"{not json", headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, {"error": "invalid_json"})
    assert tribble.client.post("/auth/register", json=[1, 2]).status_code == 422
    assert tribble.client.post("/auth/register").status_code == 422


def test_verification_rejections(tribble):
    user = tribble.client.post("/auth/register", json=REG).json()
    wrong = "000000" if user["verification"]["email_code"] != "000000" else "111111"
    r = tribble.client.post("/auth/verify-email", json={"user_id": user["id"], "code": wrong})
    assert (r.status_code, r.json()) == (422, {"error": "invalid_code"})
    r = tribble.client.post("/auth/verify-email", json={"user_id": "usr_99", "code": "1"})
    assert (r.status_code, r.json()) == (404, {"error": "user_not_found"})


def test_login_rejects_wrong_password_and_unknown_email(tribble):
    tribble.register()
    for body in ({"email": REG["email"], "password": "wrong password"}, {"email": "x@y.z", "password": "whatever1"}):
        r = tribble.client.post("/auth/login", json=body)
        assert (r.status_code, r.json()) == (401, {"error": "invalid_credentials"})


def _token(claims, secret=SECRET, alg="HS256"):
    return jwt.encode(claims, secret, algorithm=alg)


def _me(tribble, token):
    return tribble.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_expired_token_is_invalid_token(tribble):
    tribble.register()
    token = tribble.login(REG["email"], expires_in=60)
    assert _me(tribble, token).status_code == 200
    tribble.clock.now = NOW + 60
    r = _me(tribble, token)
    assert (r.status_code, r.json()) == (401, {"error": "invalid_token"})


def test_tampered_tokens_are_invalid_token(tribble):
    session = tribble.register()
    token = session["token"]
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged_payload = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "usr_2"}).encode()).rstrip(b"=").decode()
    good = {"sub": "usr_1", "iat": NOW, "exp": NOW + 60, "scope": "user"}
    forged = [
        f"{head}.{forged_payload}.{sig}",                       # payload changed, old signature
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
        _token(good, secret="someone-elses-secret"),            # wrong key
        _token({k: v for k, v in good.items() if k != "scope"}),  # a required claim missing
        _token({**good, "sub": "usr_999"}),                      # a user that does not exist
        jwt.encode(good, None, algorithm="none") if "none" in jwt.algorithms.get_default_algorithms() else "x.y.z",
        "garbage",
    ]
    for bad in forged:
        r = _me(tribble, bad)
        assert (r.status_code, r.json()) == (401, {"error": "invalid_token"}), bad
    assert _me(tribble, _token(good)).status_code == 200


def test_missing_bearer_is_missing_token_on_jwt_endpoints(tribble):
    r = tribble.client.get("/auth/me")
    assert (r.status_code, r.json()) == (401, {"error": "missing_token"})
    r = tribble.client.post("/merchants/kyc", json={}, headers={"Authorization": "Basic abc"})
    assert (r.status_code, r.json()) == (401, {"error": "missing_token"})


def test_invalid_token_on_any_endpoint(tribble):
    r = tribble.client.post("/wallets", json={"currency": "USD"}, headers={"Authorization": "Bearer nope"})
    assert (r.status_code, r.json()) == (401, {"error": "invalid_token"})
    assert tribble.count("tribble_wallets") == 0


def test_merchant_onboarding_kyc_settlement_and_api_keys(tribble):
    session = tribble.register()
    auth = session["auth"]
    r = tribble.client.post("/merchants/settlement-config", json={"schedule": "weekly", "currency": "USD",
                                                                 "bank_account": "GB00"}, headers=auth)
    assert (r.status_code, r.json()) == (403, {"error": "kyc_required"})
    assert tribble.client.post("/merchants/api-keys", json={}, headers=auth).json() == {"error": "kyc_required"}
    r = tribble.client.post("/merchants/kyc", json={"business_name": "Ada Ltd", "country": "gb", "tax_id": "T1"},
                            headers=auth)
    assert r.status_code == 201
    assert r.json() == {"merchant_id": "mrc_1", "user_id": "usr_1", "business_name": "Ada Ltd", "country": "GB",
                        "kyc_status": "approved"}
    r = tribble.client.post("/merchants/kyc", json={"business_name": "Again", "country": "GB", "tax_id": "T1"},
                            headers=auth)
    assert (r.status_code, r.json()) == (409, {"error": "kyc_already_submitted"})
    r = tribble.client.post("/merchants/settlement-config", json={"schedule": "weekly", "currency": "GBP",
                                                                 "bank_account": "GB00"}, headers=auth)
    assert r.json() == {"merchant_id": "mrc_1", "schedule": "weekly", "currency": "GBP", "bank_account": "GB00"}
    r = tribble.client.post("/merchants/settlement-config", json={"schedule": "hourly", "currency": "GBP",
                                                                 "bank_account": "GB00"}, headers=auth)
    assert r.status_code == 422 and r.json()["field"] == "schedule"
    r = tribble.client.post("/merchants/api-keys", headers=auth)
    assert r.status_code == 201
    key = r.json()
    assert key["key_id"].startswith("tk_") and len(key["secret"]) >= 32 and key["merchant_id"] == "mrc_1"
    token = tribble.login(REG["email"])
    assert jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})["scope"] == "user merchant"
    r = tribble.client.get("/merchants/mrc_1/settlement-schedule", headers=auth)
    assert r.json()["schedule"] == "weekly" and r.json()["currency"] == "GBP"
