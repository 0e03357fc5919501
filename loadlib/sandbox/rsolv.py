"""RSOLV (seed 004): customer onboarding, AI credential vending and Stripe webhooks, rate limited.

Limits (sliding one-minute windows): onboarding 10/min per client IP (first
``X-Forwarded-For`` address when present, else the peer), credential exchange
60/min per customer, webhooks 1000/min globally. Contract: docs/api/rsolv.md.

Defect (``--defect``): ``rsolv_reprocess_duplicates`` processes a repeated webhook event again.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loadlib.sandbox import stripe_sig
from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.ratelimit import SlidingWindow
from loadlib.sandbox.web import (
    INT,
    STR,
    ApiError,
    obj,
    op,
    path_param,
    read_json,
    subapp,
    utc_iso,
    want_int,
    want_str,
)

DEFECTS = frozenset({"rsolv_reprocess_duplicates"})
PROVIDERS = ("anthropic", "openai")
TRIAL_FIXES = 5
ONBOARD_PER_MIN, EXCHANGE_PER_MIN, WEBHOOKS_PER_MIN = 10, 60, 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS rsolv_customers (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, company TEXT,
    trial_fixes_remaining INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rsolv_api_keys (key TEXT PRIMARY KEY, customer_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rsolv_credentials (
    id INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, provider TEXT NOT NULL, expires_at TEXT NOT NULL,
    github_job_id TEXT, github_run_id TEXT, repository TEXT);
CREATE TABLE IF NOT EXISTS rsolv_webhook_events (
    event_id TEXT PRIMARY KEY, type TEXT NOT NULL, received_at TEXT NOT NULL);
-- one row per processing; the audit proves no event id appears twice
CREATE TABLE IF NOT EXISTS rsolv_webhook_processing (
    event_id TEXT NOT NULL, type TEXT NOT NULL, processed_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rsolv_webhook_processing_id ON rsolv_webhook_processing (event_id);
"""


def client_ip(request: Request) -> str:
    """The first X-Forwarded-For address when present (load tests all come from loopback), else the peer."""
    forwarded = request.headers.get("x-forwarded-for", "")
    first = forwarded.split(",")[0].strip()
    if first:
        return first[:100]
    return request.client.host if request.client else "unknown"


def _limited(retry_after: int) -> ApiError:
    return ApiError(429, "rate limit exceeded", headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def _customer(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "email": row["email"], "name": row["name"], "company": row["company"],
            "trial_fixes_remaining": row["trial_fixes_remaining"], "created_at": row["created_at"]}


def build(cfg: SandboxConfig, db: Database) -> Starlette:
    db.executescript(SCHEMA)
    onboard_limit = SlidingWindow(ONBOARD_PER_MIN)
    exchange_limit = SlidingWindow(EXCHANGE_PER_MIN)
    webhook_limit = SlidingWindow(WEBHOOKS_PER_MIN)
    reprocess = "rsolv_reprocess_duplicates" in cfg.defects
    with db.tx() as conn:
        for i, key in enumerate(cfg.rsolv_api_keys, start=1):
            cid = f"cus_test_{i}"
            conn.execute("INSERT OR IGNORE INTO rsolv_customers VALUES (?, ?, ?, NULL, ?, ?)",
                         (cid, f"test{i}@rsolv.test", f"Test customer {i}", 1000, utc_iso()))
            conn.execute("INSERT OR IGNORE INTO rsolv_api_keys VALUES (?, ?)", (key, cid))

    def customer_for(request: Request) -> str:
        key = request.headers.get("x-api-key", "")
        row = db.one("SELECT customer_id FROM rsolv_api_keys WHERE key = ?", (key,)) if key else None
        if row is None:
            raise ApiError(401, "missing or invalid X-API-Key")
        return str(row["customer_id"])

    async def onboard(request: Request) -> JSONResponse:
        allowed, retry_after = onboard_limit.hit(client_ip(request))
        if not allowed:
            raise _limited(retry_after)
        body = await read_json(request)
        email = want_str(body, "email", max_len=254)
        name = want_str(body, "name", max_len=200)
        company = want_str(body, "company", required=False, max_len=200)
        assert email is not None
        if "@" not in email.strip("@"):
            raise ApiError(422, f"field 'email' is not an email address: {email!r}", field="email")
        cid = f"cus_{secrets.token_hex(8)}"
        key = f"rsolv_live_{secrets.token_hex(16)}"
        with db.tx() as conn:
            if conn.execute("SELECT 1 FROM rsolv_customers WHERE email = ?", (email,)).fetchone():
                raise ApiError(409, f"email {email!r} already onboarded")
            conn.execute("INSERT INTO rsolv_customers VALUES (?, ?, ?, ?, ?, ?)",
                         (cid, email, name, company, TRIAL_FIXES, utc_iso()))
            conn.execute("INSERT INTO rsolv_api_keys VALUES (?, ?)", (key, cid))
        row = db.one("SELECT * FROM rsolv_customers WHERE id = ?", (cid,))
        return JSONResponse({"customer": _customer(row), "api_key": key, "trial_fixes": TRIAL_FIXES},
                            status_code=201)

    async def exchange(request: Request) -> JSONResponse:
        cid = customer_for(request)
        allowed, retry_after = exchange_limit.hit(cid)
        if not allowed:
            raise _limited(retry_after)
        body = await read_json(request)
        providers = body.get("providers")
        if not isinstance(providers, list) or not providers or not all(isinstance(p, str) for p in providers):
            raise ApiError(422, "field 'providers' must be a non-empty list of provider names", field="providers")
        unknown = [p for p in providers if p not in PROVIDERS]
        if unknown:
            raise ApiError(422, f"unknown provider {unknown[0]!r}; accepted: {', '.join(PROVIDERS)}",
                           field="providers")
        ttl = want_int(body, "ttl_minutes", required=False, default=60, minimum=60, maximum=240)
        meta = [want_str(body, f, required=False, max_len=500) for f in ("github_job_id", "github_run_id", "repository")]
        assert ttl is not None
        expires = utc_iso(time.time() + ttl * 60)
        credentials = {}
        with db.tx() as conn:
            for provider in dict.fromkeys(providers):
                prefix = "sk-ant-sandbox-" if provider == "anthropic" else "sk-sandbox-"
                credentials[provider] = {"api_key": prefix + secrets.token_hex(16), "expires_at": expires}
                conn.execute("INSERT INTO rsolv_credentials (customer_id, provider, expires_at, github_job_id, "
                             "github_run_id, repository) VALUES (?, ?, ?, ?, ?, ?)", (cid, provider, expires, *meta))
            remaining = conn.execute("SELECT trial_fixes_remaining FROM rsolv_customers WHERE id = ?",
                                     (cid,)).fetchone()[0]
        return JSONResponse({"credentials": credentials, "ttl_minutes": ttl, "expires_at": expires,
                             "usage": {"remaining_fixes": remaining}})

    async def customer(request: Request) -> JSONResponse:
        cid = customer_for(request)
        if cid != request.path_params["id"]:
            raise ApiError(404, "customer not found")
        row = db.one("SELECT * FROM rsolv_customers WHERE id = ?", (cid,))
        processed = db.scalar("SELECT COUNT(*) AS n FROM rsolv_webhook_processing")
        return JSONResponse({**_customer(row), "webhook_events_processed": processed})

    async def webhook(request: Request) -> JSONResponse:
        allowed, retry_after = webhook_limit.hit("global")
        if not allowed:
            raise _limited(retry_after)
        raw = await request.body()
        try:
            stripe_sig.verify(request.headers.get("stripe-signature"), raw, cfg.stripe_webhook_secret,
                              now=time.time())
        except stripe_sig.SignatureError as exc:
            raise ApiError(400, f"invalid signature: {exc}") from None
        try:
            event = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "body is not a JSON Stripe event") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
            raise ApiError(400, "a Stripe event needs string 'id' and 'type'")
        event_id, event_type = event["id"][:255], event["type"][:255]
        with db.tx() as conn:
            seen = conn.execute("SELECT 1 FROM rsolv_webhook_events WHERE event_id = ?", (event_id,)).fetchone()
            if seen and not reprocess:
                return JSONResponse({"status": "duplicate", "id": event_id})
            conn.execute("INSERT OR IGNORE INTO rsolv_webhook_events VALUES (?, ?, ?)", (event_id, event_type, utc_iso()))
            conn.execute("INSERT INTO rsolv_webhook_processing VALUES (?, ?, ?)", (event_id, event_type, utc_iso()))
        return JSONResponse({"status": "processed", "id": event_id, "type": event_type})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "healthy"})

    return subapp([
        Route("/api/v1/customers/onboard", onboard, methods=["POST"]),
        Route("/api/v1/customers/{id}", customer, methods=["GET"]),
        Route("/api/v1/credentials/exchange", exchange, methods=["POST"]),
        Route("/api/webhooks/stripe", webhook, methods=["POST"]),
        Route("/api/health", health, methods=["GET"]),
    ])


def audit(db: Database) -> list[dict[str, Any]]:
    """No webhook event was processed twice."""
    twice = db.query("SELECT event_id, COUNT(*) AS n FROM rsolv_webhook_processing GROUP BY event_id "
                     "HAVING COUNT(*) > 1 LIMIT 5")
    total = db.scalar("SELECT COUNT(*) AS n FROM rsolv_webhook_events")
    return [{"name": "no webhook event processed twice", "ok": not twice,
             "detail": "; ".join(f"{r['event_id']}: processed {r['n']} times" for r in twice)
             or f"{total} events"}]


def openapi_paths() -> dict[str, Any]:
    return {
        "/api/v1/customers/onboard": {"post": op(
            "Onboard a customer (10/min per client IP)",
            body=obj({"email": STR, "name": STR, "company": STR}, ["email", "name"]), headers=["X-Forwarded-For"],
            responses={201: "customer, API key, 5 trial fixes", 409: "email taken", 422: "invalid",
                       429: "rate limited"})},
        "/api/v1/customers/{id}": {"get": op("A customer", params=[path_param("id", STR)], headers=["X-API-Key"],
                                             security="X-API-Key", responses={200: "customer", 401: "no key"})},
        "/api/v1/credentials/exchange": {"post": op(
            "Exchange an API key for provider credentials (60/min per customer)", headers=["X-API-Key"],
            security="X-API-Key",
            body=obj({"providers": {"type": "array", "items": {"type": "string", "enum": list(PROVIDERS)}},
                      "ttl_minutes": INT, "github_job_id": STR, "github_run_id": STR, "repository": STR},
                     ["providers"]),
            responses={200: "credentials", 401: "no key", 422: "invalid", 429: "rate limited"})},
        "/api/webhooks/stripe": {"post": op(
            "Stripe webhook (signed)", headers=["Stripe-Signature"], security="Stripe-Signature",
            body=obj({"id": STR, "type": STR, "created": INT, "data": {"type": "object"}}, ["id", "type"]),
            responses={200: "processed or duplicate", 400: "bad signature", 429: "rate limited"})},
        "/api/health": {"get": op("Health")},
    }
