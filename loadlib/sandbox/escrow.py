"""escrowgrid (seed 002): escrow positions with a policy engine and a strict lifecycle.

Positions are created under an asset's policy (known asset, supported currency,
amount within the asset's limit) and move only along the lifecycle below;
anything else is a policy rejection. Contract: docs/api/escrow.md.

Defect (``--defect``): ``escrow_accept_illegal_transition`` applies any move.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.web import (
    NUM,
    STR,
    ApiError,
    obj,
    op,
    path_param,
    query_int,
    query_param,
    read_json,
    subapp,
    utc_iso,
    want_number,
    want_str,
)

STATES = ("CREATED", "FUNDED", "PARTIALLY_RELEASED", "RELEASED", "CANCELLED")
LIFECYCLE: dict[str, frozenset[str]] = {
    "CREATED": frozenset({"FUNDED", "CANCELLED"}),
    "FUNDED": frozenset({"PARTIALLY_RELEASED", "RELEASED", "CANCELLED"}),
    "PARTIALLY_RELEASED": frozenset({"RELEASED"}),
    "RELEASED": frozenset(),
    "CANCELLED": frozenset(),
}
DEFECTS = frozenset({"escrow_accept_illegal_transition"})
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY", "SGD")

SCHEMA = """
CREATE TABLE IF NOT EXISTS escrow_positions (
    id TEXT PRIMARY KEY, asset_id TEXT NOT NULL, holder_reference TEXT NOT NULL, currency TEXT NOT NULL,
    amount REAL NOT NULL, released_amount REAL NOT NULL DEFAULT 0, state TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS escrow_transitions (
    position_id TEXT NOT NULL, step INTEGER NOT NULL, from_state TEXT, to_state TEXT NOT NULL,
    reason TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (position_id, step));
CREATE INDEX IF NOT EXISTS escrow_positions_seq ON escrow_positions (seq);
"""


def _position(db: Database, position_id: str) -> dict[str, Any] | None:
    row = db.one("SELECT * FROM escrow_positions WHERE id = ?", (position_id,))
    if row is None:
        return None
    history = db.query("SELECT from_state, to_state, reason, at FROM escrow_transitions "
                       "WHERE position_id = ? ORDER BY step", (position_id,))
    return {"id": row["id"], "assetId": row["asset_id"], "holderReference": row["holder_reference"],
            "currency": row["currency"], "amount": _num(row["amount"]), "releasedAmount": _num(row["released_amount"]),
            "state": row["state"], "createdAt": row["created_at"], "updatedAt": row["updated_at"],
            "history": [{"fromState": h["from_state"], "toState": h["to_state"], "reason": h["reason"], "at": h["at"]}
                        for h in history]}


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


class _Metrics:
    """Request counts and durations per (method, route, status), rendered as Prometheus text."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, int], int] = {}
        self.durations: dict[tuple[str, str], list[float]] = {}

    def middleware(self, app: Any) -> Any:
        metrics = self

        async def measure(scope: dict, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def capture(message: dict) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, capture)
            finally:
                metrics.observe(scope["method"], _route(scope.get("path", "")), status,
                                time.perf_counter() - started)

        return measure

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        self.counts[key] = self.counts.get(key, 0) + 1
        total = self.durations.setdefault((method, route), [0.0, 0])
        total[0] += seconds
        total[1] += 1

    def render(self, db: Database) -> str:
        lines = ["# HELP escrow_http_requests_total Requests by method, route and status.",
                 "# TYPE escrow_http_requests_total counter"]
        for (method, route, status), n in sorted(self.counts.items()):
            lines.append(f'escrow_http_requests_total{{method="{method}",route="{route}",status="{status}"}} {n}')
        lines += ["# HELP escrow_http_request_duration_seconds Request durations.",
                  "# TYPE escrow_http_request_duration_seconds summary"]
        for (method, route), (total, count) in sorted(self.durations.items()):
            labels = f'method="{method}",route="{route}"'
            lines.append(f"escrow_http_request_duration_seconds_sum{{{labels}}} {total:.6f}")
            lines.append(f"escrow_http_request_duration_seconds_count{{{labels}}} {int(count)}")
        lines += ["# HELP escrow_positions Positions by state.", "# TYPE escrow_positions gauge"]
        counts = {r["state"]: r["n"] for r in db.query("SELECT state, COUNT(*) AS n FROM escrow_positions GROUP BY state")}
        for state in STATES:
            lines.append(f'escrow_positions{{state="{state}"}} {counts.get(state, 0)}')
        return "\n".join(lines) + "\n"


def _route(path: str) -> str:
    """The route template, so position ids do not explode the label set."""
    parts = path.rstrip("/").split("/")
    # the mounted sub-app sees /positions/<id>/transition under root_path /escrow
    if len(parts) >= 3 and parts[-2] == "positions":
        return "/positions/{id}"
    if len(parts) >= 4 and parts[-3] == "positions" and parts[-1] == "transition":
        return "/positions/{id}/transition"
    known = {"/positions", "/health", "/ready", "/metrics"}
    tail = "/" + parts[-1] if parts[-1] else "/"
    return tail if tail in known else "other"


def build(cfg: SandboxConfig, db: Database) -> Starlette:
    db.executescript(SCHEMA)
    metrics = _Metrics()
    accept_any = "escrow_accept_illegal_transition" in cfg.defects
    counter = [int(db.scalar("SELECT COALESCE(MAX(seq), 0) FROM escrow_positions"))]

    def authorize(request: Request) -> None:
        if request.headers.get("x-api-key") != cfg.escrow_api_key:
            raise ApiError(401, "missing or invalid X-API-KEY")

    async def create(request: Request) -> JSONResponse:
        authorize(request)
        body = await read_json(request)
        asset = want_str(body, "assetId", max_len=200)
        holder = want_str(body, "holderReference", max_len=200)
        currency = want_str(body, "currency", max_len=10)
        amount = want_number(body, "amount")
        assert asset is not None and currency is not None and amount is not None
        if asset not in cfg.escrow_assets:
            raise ApiError(422, f"unknown asset {asset!r}", code="UNKNOWN_ASSET")
        if currency not in CURRENCIES:
            raise ApiError(422, f"currency {currency!r} not supported; accepted: {', '.join(CURRENCIES)}",
                           code="UNSUPPORTED_CURRENCY")
        if amount <= 0:
            raise ApiError(422, "amount must be greater than 0", code="INVALID_AMOUNT")
        limit = cfg.escrow_assets[asset]
        if amount > limit:
            raise ApiError(422, f"amount {_num(amount)} over the asset's limit {limit}", code="AMOUNT_OVER_LIMIT")
        position_id = f"pos_{uuid.uuid4().hex}"
        now = utc_iso()
        with db.tx() as conn:
            counter[0] += 1
            conn.execute("INSERT INTO escrow_positions (id, asset_id, holder_reference, currency, amount, state, "
                         "created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, 'CREATED', ?, ?, ?)",
                         (position_id, asset, holder, currency, amount, now, now, counter[0]))
            conn.execute("INSERT INTO escrow_transitions VALUES (?, 0, NULL, 'CREATED', 'created', ?)",
                         (position_id, now))
        return JSONResponse(_position(db, position_id), status_code=201)

    async def listing(request: Request) -> JSONResponse:
        authorize(request)
        limit = query_int(request, "limit", 50, minimum=1, maximum=500)
        state = request.query_params.get("state")
        if state is not None and state not in STATES:
            raise ApiError(400, f"unknown state {state!r}; accepted: {', '.join(STATES)}")
        holder = request.query_params.get("holderReference")
        where, params = [], []
        if state:
            where.append("state = ?")
            params.append(state)
        if holder:
            where.append("holder_reference = ?")
            params.append(holder)
        sql = "SELECT id FROM escrow_positions" + (" WHERE " + " AND ".join(where) if where else "")
        rows = db.query(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit))
        positions = [_position(db, r["id"]) for r in rows]
        return JSONResponse({"positions": positions, "count": len(positions)})

    async def get(request: Request) -> JSONResponse:
        authorize(request)
        position = _position(db, request.path_params["id"])
        if position is None:
            raise ApiError(404, "position not found")
        return JSONResponse(position)

    async def transition(request: Request) -> JSONResponse:
        authorize(request)
        position_id = request.path_params["id"]
        body = await read_json(request)
        to_state = want_str(body, "toState", max_len=50)
        reason = want_str(body, "reason", required=False, default="", max_len=1000) or ""
        if to_state not in STATES:
            raise ApiError(422, f"unknown state {to_state!r}; accepted: {', '.join(STATES)}", code="UNKNOWN_STATE")
        now = utc_iso()
        with db.tx() as conn:
            row = conn.execute("SELECT state, amount FROM escrow_positions WHERE id = ?", (position_id,)).fetchone()
            if row is None:
                raise ApiError(404, "position not found")
            from_state = row["state"]
            if to_state not in LIFECYCLE[from_state] and not accept_any:
                raise ApiError(409, f"illegal transition {from_state} -> {to_state}", code="ILLEGAL_TRANSITION",
                               fromState=from_state, toState=to_state)
            released = {"PARTIALLY_RELEASED": row["amount"] / 2, "RELEASED": row["amount"]}.get(to_state)
            conn.execute("UPDATE escrow_positions SET state = ?, updated_at = ?, "
                         "released_amount = COALESCE(?, released_amount) WHERE id = ?",
                         (to_state, now, released, position_id))
            step = conn.execute("SELECT MAX(step) + 1 FROM escrow_transitions WHERE position_id = ?",
                                (position_id,)).fetchone()[0]
            conn.execute("INSERT INTO escrow_transitions VALUES (?, ?, ?, ?, ?, ?)",
                         (position_id, step, from_state, to_state, reason, now))
        return JSONResponse(_position(db, position_id))

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> JSONResponse:
        db.one("SELECT 1")
        return JSONResponse({"status": "ready", "database": "ok"})

    async def prometheus(request: Request) -> PlainTextResponse:
        return PlainTextResponse(metrics.render(db), media_type="text/plain; version=0.0.4")

    return subapp([
        Route("/positions", create, methods=["POST"]),
        Route("/positions", listing, methods=["GET"]),
        Route("/positions/{id}", get, methods=["GET"]),
        Route("/positions/{id}/transition", transition, methods=["POST"]),
        Route("/health", health), Route("/ready", ready), Route("/metrics", prometheus),
    ], middleware=[Middleware(metrics.middleware)])


def audit(db: Database) -> list[dict[str, Any]]:
    """Every position's state is reachable: each recorded step is legal and ends in its current state."""
    bad: list[str] = []
    steps: dict[str, list[tuple[str | None, str]]] = {}
    for r in db.query("SELECT position_id, from_state, to_state FROM escrow_transitions ORDER BY position_id, step"):
        steps.setdefault(r["position_id"], []).append((r["from_state"], r["to_state"]))
    positions = db.query("SELECT id, state, amount, released_amount FROM escrow_positions")
    for p in positions:
        path = steps.get(p["id"], [])
        problem = None
        if p["state"] not in STATES:
            problem = f"unknown state {p['state']}"
        elif not path or path[0] != (None, "CREATED"):
            problem = "history does not start at CREATED"
        elif any(b not in LIFECYCLE.get(a or "", frozenset()) for a, b in path[1:]):
            problem = "illegal step " + " -> ".join(s for _, s in path)
        elif path[-1][1] != p["state"]:
            problem = f"state {p['state']} but history ends at {path[-1][1]}"
        elif p["released_amount"] > p["amount"]:
            problem = "released more than the amount"
        if problem:
            bad.append(f"{p['id']}: {problem}")
    return [{"name": "no position in an impossible state", "ok": not bad,
             "detail": "; ".join(bad[:5]) + (f" (+{len(bad) - 5} more)" if len(bad) > 5 else "")
             if bad else f"{len(positions)} positions"}]


def openapi_paths() -> dict[str, Any]:
    auth: dict[str, Any] = {"headers": ["X-API-KEY"], "security": "X-API-KEY"}
    position = obj({"assetId": STR, "holderReference": STR, "currency": STR, "amount": NUM},
                   ["assetId", "holderReference", "currency", "amount"])
    return {
        "/positions": {
            "post": op("Create a position", body=position, **auth,
                       responses={201: "created", 401: "no key", 422: "policy rejection"}),
            "get": op("List positions", params=[query_param("state", STR), query_param("limit")], **auth,
                      responses={200: "positions", 401: "no key"}),
        },
        "/positions/{id}": {"get": op("A position", params=[path_param("id", STR)], **auth,
                                      responses={200: "position", 404: "unknown"})},
        "/positions/{id}/transition": {"post": op(
            "Move a position along its lifecycle", params=[path_param("id", STR)], **auth,
            body=obj({"toState": {"type": "string", "enum": list(STATES)}, "reason": STR}, ["toState"]),
            responses={200: "moved", 404: "unknown", 409: "illegal transition", 422: "unknown state"})},
        "/health": {"get": op("Liveness")},
        "/ready": {"get": op("Readiness")},
        "/metrics": {"get": op("Prometheus metrics")},
    }
