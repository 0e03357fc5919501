"""Registration, verification, login (JWT), merchant KYC, settlement configuration and API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from loadlib.sandbox.tribble import tokens
from loadlib.sandbox.tribble import validate as v
from loadlib.sandbox.tribble.pipeline import ApiError, Ctx, Endpoint, Reply, invalid

_PW_ITERATIONS = 1000  # a sandbox: cheap enough for registration under load, still salted
_SCHEDULES = ("daily", "weekly", "monthly")


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _PW_ITERATIONS)


def _country(body: dict[str, Any], name: str, default: str | None) -> str:
    value = v.text(body, name, required=default is None, default=default, max_len=2)
    assert value is not None
    value = "GB" if value.upper() == "UK" else value.upper()
    if len(value) != 2 or not value.isalpha():
        raise invalid(name, "must be an ISO 3166 alpha-2 country code")
    return value


def _user(ctx: Ctx, raw_id: Any) -> Any:
    if not isinstance(raw_id, str):
        raise invalid("user_id", "must be a string like usr_1")
    user_id = v.parse_id(raw_id, "usr", "user_not_found")
    row = ctx.db.one("SELECT * FROM tribble_users WHERE id = ?", (user_id,))
    if row is None:
        raise ApiError(404, "user_not_found")
    return row


def register(ctx: Ctx) -> Reply:
    body = ctx.body
    email = v.text(body, "email", max_len=254)
    phone = v.text(body, "phone", max_len=32)
    password = v.text(body, "password", max_len=256)
    name = v.text(body, "name")
    country = _country(body, "country", "US")
    assert email and phone and password and name
    if "@" not in email:
        raise invalid("email", "must be an email address")
    if len(password) < 8:
        raise invalid("password", "must be at least 8 characters")
    salt = secrets.token_bytes(16)
    pw_hash = _hash_password(password, salt)
    email_code, phone_code = (f"{secrets.randbelow(1_000_000):06d}" for _ in range(2))
    with ctx.db.tx() as conn:
        if conn.execute("SELECT 1 FROM tribble_users WHERE email = ?", (email.lower(),)).fetchone():
            raise ApiError(409, "email_taken")
        cur = conn.execute(
            "INSERT INTO tribble_users (email, phone, name, country, pw_salt, pw_hash, email_code, phone_code,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (email.lower(), phone, name, country, salt, pw_hash, email_code, phone_code, ctx.now))
    user_id = f"usr_{cur.lastrowid}"
    return Reply(201, {"id": user_id, "user_id": user_id, "email": email.lower(), "phone": phone, "name": name,
                       "country": country, "email_verified": False, "phone_verified": False,
                       "verification": {"email_code": email_code, "phone_code": phone_code}})


def _verify(ctx: Ctx, channel: str) -> Reply:
    row = _user(ctx, ctx.body.get("user_id"))
    code = v.identifier(ctx.body, "code")
    if not hmac.compare_digest(str(code), row[f"{channel}_code"]):
        raise ApiError(422, "invalid_code")
    with ctx.db.tx() as conn:
        conn.execute(f"UPDATE tribble_users SET {channel}_verified = 1 WHERE id = ?", (row["id"],))
    fresh = ctx.db.one("SELECT email_verified, phone_verified FROM tribble_users WHERE id = ?", (row["id"],))
    assert fresh is not None
    return Reply(200, {"user_id": f"usr_{row['id']}", "email_verified": bool(fresh["email_verified"]),
                       "phone_verified": bool(fresh["phone_verified"])})


def verify_email(ctx: Ctx) -> Reply:
    return _verify(ctx, "email")


def verify_phone(ctx: Ctx) -> Reply:
    return _verify(ctx, "phone")


def _merchant_row(ctx: Ctx, user_id: int) -> Any:
    return ctx.db.one("SELECT * FROM tribble_merchants WHERE user_id = ?", (user_id,))


def login(ctx: Ctx) -> Reply:
    email = v.text(ctx.body, "email", max_len=254)
    password = v.text(ctx.body, "password", max_len=256)
    ttl = v.integer(ctx.body, "expires_in", lo=1, hi=86_400, default=3600)
    assert email and password and ttl
    row = ctx.db.one("SELECT * FROM tribble_users WHERE email = ?", (email.lower(),))
    if row is None or not hmac.compare_digest(_hash_password(password, row["pw_salt"]), row["pw_hash"]):
        raise ApiError(401, "invalid_credentials")
    if not row["email_verified"]:
        raise ApiError(403, "email_not_verified")
    scope = "user merchant" if _merchant_row(ctx, row["id"]) else "user"
    issued = int(ctx.now)
    user_id = f"usr_{row['id']}"
    token = tokens.encode({"sub": user_id, "iat": issued, "exp": issued + ttl, "scope": scope},
                          ctx.rt.cfg.jwt_secret)
    return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": ttl,
                       "user_id": user_id, "scope": scope})


def _user_id(ctx: Ctx) -> int:
    assert ctx.principal is not None
    return int(ctx.principal.id[4:])


def me(ctx: Ctx) -> Reply:
    row = ctx.db.one("SELECT * FROM tribble_users WHERE id = ?", (_user_id(ctx),))
    assert row is not None and ctx.principal is not None
    merchant = ctx.principal.merchant_id
    return Reply(200, {"user_id": ctx.principal.id, "email": row["email"], "name": row["name"],
                       "country": row["country"], "merchant_id": merchant,
                       "scope": "user merchant" if merchant else "user"})


def kyc(ctx: Ctx) -> Reply:
    business = v.text(ctx.body, "business_name")
    country = _country(ctx.body, "country", None)
    tax_id = v.text(ctx.body, "tax_id", max_len=64)
    user_id = _user_id(ctx)
    with ctx.db.tx() as conn:
        if conn.execute("SELECT 1 FROM tribble_merchants WHERE user_id = ?", (user_id,)).fetchone():
            raise ApiError(409, "kyc_already_submitted")
        cur = conn.execute(
            "INSERT INTO tribble_merchants (user_id, business_name, country, tax_id, kyc_status, created_at)"
            " VALUES (?, ?, ?, ?, 'approved', ?)", (user_id, business, country, tax_id, ctx.now))
    return Reply(201, {"merchant_id": f"mrc_{cur.lastrowid}", "user_id": f"usr_{user_id}",
                       "business_name": business, "country": country, "kyc_status": "approved"})


def _require_merchant(ctx: Ctx) -> Any:
    row = _merchant_row(ctx, _user_id(ctx))
    if row is None:
        raise ApiError(403, "kyc_required")
    return row


def settlement_config(ctx: Ctx) -> Reply:
    schedule = v.choice(ctx.body, "schedule", _SCHEDULES)
    currency = v.currency(ctx.body)
    account = v.text(ctx.body, "bank_account", max_len=64)
    merchant = _require_merchant(ctx)
    with ctx.db.tx() as conn:
        conn.execute("UPDATE tribble_merchants SET schedule = ?, settle_currency = ?, bank_account = ?"
                     " WHERE id = ?", (schedule, currency, account, merchant["id"]))
    return Reply(200, {"merchant_id": f"mrc_{merchant['id']}", "schedule": schedule, "currency": currency,
                       "bank_account": account})


def api_keys(ctx: Ctx) -> Reply:
    name = v.text(ctx.body, "name", required=False, default="default")
    merchant = _require_merchant(ctx)
    key_id = f"tk_{secrets.token_hex(8)}"
    secret = secrets.token_hex(24)
    merchant_id = f"mrc_{merchant['id']}"
    with ctx.db.tx() as conn:
        conn.execute("INSERT INTO tribble_api_keys (key_id, secret, merchant_id, name, created_at)"
                     " VALUES (?, ?, ?, ?, ?)", (key_id, secret, merchant_id, name, ctx.now))
    return Reply(201, {"key_id": key_id, "secret": secret, "merchant_id": merchant_id, "name": name})


_S = {"type": "string"}
ENDPOINTS = (
    Endpoint("POST", "/auth/register", register, auth="none", body="object", summary="Register a user",
             schema={"email": _S, "phone": _S, "password": _S, "name": _S, "country": _S,
                     "required": ["email", "phone", "password", "name"]},
             responses={201: "user with verification codes", 409: "email_taken", 422: "validation_error"}),
    Endpoint("POST", "/auth/verify-email", verify_email, auth="none", body="object", summary="Verify email",
             schema={"user_id": _S, "code": _S, "required": ["user_id", "code"]},
             responses={200: "verified", 404: "user_not_found", 422: "invalid_code"}),
    Endpoint("POST", "/auth/verify-phone", verify_phone, auth="none", body="object", summary="Verify phone",
             schema={"user_id": _S, "code": _S, "required": ["user_id", "code"]},
             responses={200: "verified", 404: "user_not_found", 422: "invalid_code"}),
    Endpoint("POST", "/auth/login", login, auth="none", body="object", summary="Log in: an HS256 JWT",
             schema={"email": _S, "password": _S, "expires_in": {"type": "integer"},
                     "required": ["email", "password"]},
             responses={200: "token", 401: "invalid_credentials", 403: "email_not_verified"}),
    Endpoint("GET", "/auth/me", me, auth="jwt", summary="The caller",
             responses={200: "user", 401: "missing_token / invalid_token"}),
    Endpoint("POST", "/merchants/kyc", kyc, auth="jwt", body="object", summary="Merchant KYC",
             schema={"business_name": _S, "country": _S, "tax_id": _S,
                     "required": ["business_name", "country", "tax_id"]},
             responses={201: "merchant", 409: "kyc_already_submitted", 401: "invalid_token"}),
    Endpoint("POST", "/merchants/settlement-config", settlement_config, auth="jwt", body="object",
             summary="Settlement configuration",
             schema={"schedule": {"type": "string", "enum": list(_SCHEDULES)}, "currency": _S, "bank_account": _S,
                     "required": ["schedule", "currency", "bank_account"]},
             responses={200: "config", 403: "kyc_required", 401: "invalid_token"}),
    Endpoint("POST", "/merchants/api-keys", api_keys, auth="jwt", body="optional", summary="Issue an API key",
             schema={"name": _S, "required": []},
             responses={201: "key id and secret", 403: "kyc_required", 401: "invalid_token"}),
)
