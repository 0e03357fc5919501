"""How every Tribble request is handled: body limit, authentication, JSON, the handler, then signing.

Handlers are plain synchronous functions ``(Ctx) -> Reply`` that raise :class:`ApiError`
for rejections; :func:`asgi_endpoint` wraps one into a Starlette endpoint. Nothing here
awaits between authentication and the handler's transaction, so on the sandbox's single
event loop a request's reads and writes are atomic.

    def balance(ctx: Ctx) -> Reply:
        return Reply(200, {"balance": 0})
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from starlette.requests import Request
from starlette.responses import Response

from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.tribble import signing, tokens

log = logging.getLogger("loadlib.sandbox.tribble")

SANDBOX_MERCHANT = "mrc_sandbox"
_SIGNED_HEADERS = ("x-api-key", "x-timestamp", "x-nonce", "x-signature")


class ApiError(Exception):
    """A rejection rendered as ``{"error": code, **extra}`` with ``status``."""

    def __init__(self, status: int, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.extra = extra


def invalid(field_name: str, detail: str) -> ApiError:
    return ApiError(422, "validation_error", field=field_name, detail=detail)


@dataclass(frozen=True)
class Runtime:
    """What handlers share: config, database, and the injectable clock and IV source."""

    cfg: SandboxConfig
    db: Database
    clock: Callable[[], float] = time.time
    response_clock: Callable[[], float] | None = None
    iv_source: Callable[[int], bytes] = os.urandom

    def defect(self, name: str) -> bool:
        return name in self.cfg.defects


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key (signed request) or a user (JWT)."""

    kind: str  # "key" | "user"
    id: str
    merchant_id: str | None = None

    @property
    def scope_key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def default_merchant(self) -> str:
        return self.merchant_id or SANDBOX_MERCHANT


@dataclass(frozen=True)
class Ctx:
    rt: Runtime
    principal: Principal | None
    body: Any
    raw: bytes
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    now: float

    @property
    def db(self) -> Database:
        return self.rt.db


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # JSON-able value, or bytes sent verbatim
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Signing:
    secret: str
    nonce: str
    encrypt: bool = False


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True)
class Endpoint:
    """One operation: where it lives, how it authenticates, what body it takes, and its OpenAPI text."""

    method: str
    path: str
    handler: Handler
    auth: str = "any"  # none | jwt | signed | any
    body: str = "none"  # none | object | optional | raw
    summary: str = ""
    schema: Mapping[str, Any] | None = None
    responses: Mapping[int, str] = field(default_factory=lambda: {200: "ok"})
    query: tuple[str, ...] = ()


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ApiError(413, "body_too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def request_target(scope: Mapping[str, Any]) -> str:
    """PATH plus ``?query`` as on the request line (the mount prefix included)."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope.get("root_path", "") + scope.get("path", "")
    query = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def lookup_secret(rt: Runtime, key_id: str) -> tuple[str, str] | None:
    """(secret, merchant id) of an API key: the configured keys, then keys issued by merchants."""
    secret = rt.cfg.tribble_api_keys.get(key_id)
    if secret is not None:
        return secret, SANDBOX_MERCHANT
    row = rt.db.one("SELECT secret, merchant_id FROM tribble_api_keys WHERE key_id = ?", (key_id,))
    return (row["secret"], row["merchant_id"]) if row else None


class _Rejected(Exception):
    def __init__(self, error: ApiError, signing_ctx: _Signing | None) -> None:
        super().__init__(error.code)
        self.error = error
        self.signing = signing_ctx


def verify_signed(rt: Runtime, headers: Mapping[str, str], method: str, target: str, body: bytes,
                  now: float) -> tuple[Principal, _Signing]:
    """signing.md §1's checks in the spec's order; the nonce is recorded only when all pass."""
    signed = signing.parse_headers(headers)
    if signed is None:
        raise _Rejected(ApiError(401, "missing_signature"), None)
    found = lookup_secret(rt, signed.key_id)
    if found is None:
        raise _Rejected(ApiError(401, "unknown_key"), None)
    secret, merchant_id = found
    reply_signing = _Signing(secret, signed.nonce)
    if not rt.defect("tribble_accept_stale_signature") and signing.is_stale(signed.timestamp, now):
        raise _Rejected(ApiError(401, "stale_timestamp"), reply_signing)
    if not signing.signature_matches(signed, secret, method, target, body):
        raise _Rejected(ApiError(401, "bad_signature"), reply_signing)
    seen = rt.db.one("SELECT seen_at FROM tribble_nonces WHERE key_id = ? AND nonce = ?",
                     (signed.key_id, signed.nonce))
    if seen is not None and seen["seen_at"] > now - signing.NONCE_WINDOW_S:
        raise _Rejected(ApiError(409, "nonce_reused"), reply_signing)
    encrypt = headers.get("x-encrypt-response")
    if encrypt is not None and encrypt != signing.ENCRYPTION_ALG:
        raise _Rejected(ApiError(400, "unsupported_encryption"), reply_signing)
    with rt.db.tx() as conn:
        conn.execute("INSERT OR REPLACE INTO tribble_nonces (key_id, nonce, seen_at) VALUES (?, ?, ?)",
                     (signed.key_id, signed.nonce, now))
        if random.random() < 0.002:  # keep the table bounded: expired nonces can never match again
            conn.execute("DELETE FROM tribble_nonces WHERE seen_at < ?", (now - signing.NONCE_WINDOW_S,))
    return (Principal("key", signed.key_id, merchant_id),
            _Signing(secret, signed.nonce, encrypt=encrypt is not None))


def verify_jwt(rt: Runtime, headers: Mapping[str, str], now: float) -> Principal:
    """signing.md §3: HS256 with the sandbox secret; expiry checked against the runtime clock."""
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        raise ApiError(401, "missing_token")
    token = auth[7:].strip()
    try:
        claims = tokens.decode(token, rt.cfg.jwt_secret)
    except jwt.PyJWTError:
        raise ApiError(401, "invalid_token") from None
    exp, sub = claims.get("exp"), claims.get("sub")
    if isinstance(exp, bool) or not isinstance(exp, int | float) or exp <= now or not isinstance(sub, str):
        raise ApiError(401, "invalid_token")
    user_id = _parse_user(sub)
    row = rt.db.one("SELECT u.id, m.id AS merchant FROM tribble_users u "
                    "LEFT JOIN tribble_merchants m ON m.user_id = u.id WHERE u.id = ?", (user_id,))
    if row is None:
        raise ApiError(401, "invalid_token")
    return Principal("user", sub, f"mrc_{row['merchant']}" if row["merchant"] is not None else None)


def _parse_user(sub: str) -> int:
    if sub.startswith("usr_") and sub[4:].isdigit() and len(sub) < 24:
        return int(sub[4:])
    return -1


def _authenticate(rt: Runtime, ep: Endpoint, request: Request, body: bytes,
                  now: float) -> tuple[Principal | None, _Signing | None]:
    headers = request.headers
    if ep.auth == "none":
        return None, None
    if ep.auth == "jwt":
        return verify_jwt(rt, headers, now), None
    wants_signed = ep.auth == "signed" or any(h in headers for h in _SIGNED_HEADERS) \
        or "authorization" not in headers
    if wants_signed:
        return verify_signed(rt, headers, request.method, request_target(request.scope), body, now)
    return verify_jwt(rt, headers, now), None


def _parse_body(ep: Endpoint, raw: bytes) -> Any:
    if ep.body in ("none", "raw"):
        return None
    if not raw.strip():
        if ep.body == "optional":
            return {}
        raise invalid("body", "a JSON object is required")
    try:
        value = json.loads(raw)
        # Lone surrogates ("\\ud800") parse but cannot be stored or echoed as UTF-8: reject them here.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise ApiError(400, "invalid_json") from None
    if not isinstance(value, dict):
        raise invalid("body", "must be a JSON object")
    return value


def _render(rt: Runtime, reply: Reply, signing_ctx: _Signing | None) -> Response:
    body = reply.body if isinstance(reply.body, bytes) else dumps(reply.body)
    headers = dict(reply.headers)
    if signing_ctx is not None:
        if signing_ctx.encrypt:
            body = signing.encrypt_body(signing_ctx.secret, signing_ctx.nonce, body, rt.iv_source(12),
                                        corrupt_tag=rt.defect("tribble_undecryptable_body"))
        stamp = str(int((rt.response_clock or rt.clock)()))
        status = reply.status + 1 if rt.defect("tribble_wrong_response_signature") else reply.status
        headers["X-Response-Timestamp"] = stamp
        headers["X-Response-Signature"] = signing.response_signature(
            signing_ctx.secret, status, signing_ctx.nonce, stamp, body)
    return Response(body, status_code=reply.status, headers=headers, media_type="application/json")


def error_reply(error: ApiError) -> Reply:
    return Reply(error.status, {"error": error.code, **error.extra})


def asgi_endpoint(rt: Runtime, ep: Endpoint) -> Callable[[Request], Any]:
    """The Starlette endpoint running ``ep`` through the pipeline."""

    async def endpoint(request: Request) -> Response:
        try:
            raw = await _read_body(request, rt.cfg.max_body_bytes)
        except ApiError as exc:
            return _render(rt, error_reply(exc), None)
        # From here on nothing awaits: authentication, nonce and handler run as one atomic step.
        now = rt.clock()
        signing_ctx: _Signing | None = None
        try:
            principal, signing_ctx = _authenticate(rt, ep, request, raw, now)
            ctx = Ctx(rt, principal, _parse_body(ep, raw), raw, request.path_params,
                      request.query_params, request.headers, now)
            reply = ep.handler(ctx)
        except _Rejected as rejected:
            # Verification failures are signed when the key is known, never encrypted.
            sig = rejected.signing
            return _render(rt, error_reply(rejected.error), _Signing(sig.secret, sig.nonce) if sig else None)
        except ApiError as exc:
            reply = error_reply(exc)
        except Exception:  # a bug: still answer JSON (signed), never a bare 500 page
            log.exception("tribble: unhandled error on %s %s", request.method, request.url.path)
            reply = Reply(500, {"error": "internal_error"})
        return _render(rt, reply, signing_ctx)

    endpoint.__name__ = ep.handler.__name__
    return endpoint
