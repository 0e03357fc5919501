"""Flux-Gate (seed 003): a flash sale that must never oversell.

``POST /order`` checks stock, decrements it and records the order in one
immediate transaction, so 200 concurrent orders against stock 100 accept
exactly 100. An admission token bucket sends the excess to a waiting room (302).
Contract: docs/api/fluxgate.md.

Defects (``--defect``): ``fluxgate_oversell`` skips the stock check;
``fluxgate_ignore_idempotency`` records a repeated key as a new order.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.ratelimit import TokenBucket
from loadlib.sandbox.web import (
    INT,
    STR,
    ApiError,
    obj,
    op,
    path_param,
    query_param,
    read_json,
    subapp,
    utc_iso,
    want_int,
    want_str,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS fluxgate_products (
    id TEXT PRIMARY KEY, stock INTEGER NOT NULL, initial INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fluxgate_orders (
    id TEXT PRIMARY KEY, product_id TEXT NOT NULL, user_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL, created_at TEXT NOT NULL);
-- not UNIQUE on purpose: the audit, not the schema, proves a key never made two orders
CREATE INDEX IF NOT EXISTS fluxgate_orders_key ON fluxgate_orders (idempotency_key);
CREATE INDEX IF NOT EXISTS fluxgate_orders_product ON fluxgate_orders (product_id);
"""

DEFECTS = frozenset({"fluxgate_oversell", "fluxgate_ignore_idempotency"})
WAITING_ROOM = "/fluxgate/waiting-room"


def _order_json(row: Any, replayed: bool) -> dict[str, Any]:
    return {"orderId": row["id"], "productId": row["product_id"], "userId": row["user_id"], "status": "accepted",
            "idempotencyKey": row["idempotency_key"], "createdAt": row["created_at"], "replayed": replayed}


def build(cfg: SandboxConfig, db: Database) -> Starlette:
    db.executescript(SCHEMA)
    bucket = TokenBucket(cfg.fluxgate_admission_rate)
    oversell = "fluxgate_oversell" in cfg.defects
    ignore_idempotency = "fluxgate_ignore_idempotency" in cfg.defects

    async def init(request: Request) -> JSONResponse:
        body = await read_json(request)
        product = want_str(body, "productId", max_len=200)
        quantity = want_int(body, "quantity", minimum=0, maximum=1_000_000_000)
        with db.tx() as conn:
            conn.execute("DELETE FROM fluxgate_orders WHERE product_id = ?", (product,))
            conn.execute("INSERT INTO fluxgate_products (id, stock, initial) VALUES (?, ?, ?) "
                         "ON CONFLICT (id) DO UPDATE SET stock = excluded.stock, initial = excluded.initial",
                         (product, quantity, quantity))
        return JSONResponse({"productId": product, "stock": quantity, "initial": quantity})

    async def order(request: Request) -> JSONResponse:
        key = request.headers.get("x-idempotency-key", "").strip()
        if not key:
            raise ApiError(400, "header x-idempotency-key is required")
        if len(key) > 200:
            raise ApiError(422, "header x-idempotency-key is longer than 200 characters")
        body = await read_json(request)
        product = want_str(body, "productId", max_len=200)
        user = want_str(body, "userId", max_len=200)
        if not ignore_idempotency:
            previous = db.one("SELECT * FROM fluxgate_orders WHERE idempotency_key = ? LIMIT 1", (key,))
            if previous is not None:
                if (previous["product_id"], previous["user_id"]) != (product, user):
                    raise ApiError(422, "x-idempotency-key was already used with a different productId/userId")
                return JSONResponse(_order_json(previous, replayed=True))
        if not bucket.take():
            return JSONResponse({"status": "waiting", "location": WAITING_ROOM}, status_code=302,
                                headers={"Location": WAITING_ROOM, "Retry-After": "1"})
        with db.tx() as conn:
            row = conn.execute("SELECT stock FROM fluxgate_products WHERE id = ?", (product,)).fetchone()
            if row is None:
                raise ApiError(404, f"unknown product {product!r}; POST /fluxgate/init first")
            if row["stock"] <= 0 and not oversell:
                raise ApiError(409, "sold out", productId=product)
            conn.execute("UPDATE fluxgate_products SET stock = stock - 1 WHERE id = ?", (product,))
            created = {"id": f"ord_{uuid.uuid4().hex}", "product_id": product, "user_id": user,
                       "idempotency_key": key, "created_at": utc_iso()}
            conn.execute("INSERT INTO fluxgate_orders (id, product_id, user_id, idempotency_key, created_at) "
                         "VALUES (:id, :product_id, :user_id, :idempotency_key, :created_at)", created)
        return JSONResponse(_order_json(created, replayed=False))

    async def waiting_room(request: Request) -> JSONResponse:
        return JSONResponse({"status": "waiting", "retryAfter": 1}, headers={"Retry-After": "1"})

    async def product(request: Request) -> JSONResponse:
        product_id = request.path_params["product_id"]
        row = db.one("SELECT * FROM fluxgate_products WHERE id = ?", (product_id,))
        if row is None:
            raise ApiError(404, f"unknown product {product_id!r}")
        sold = db.scalar("SELECT COUNT(*) AS n FROM fluxgate_orders WHERE product_id = ?", (product_id,))
        return JSONResponse({"productId": row["id"], "stock": row["stock"], "initial": row["initial"], "sold": sold})

    async def orders(request: Request) -> JSONResponse:
        product_id = request.query_params.get("productId")
        if not product_id:
            raise ApiError(400, "query parameter 'productId' is required")
        count = db.scalar("SELECT COUNT(*) AS n FROM fluxgate_orders WHERE product_id = ?", (product_id,))
        return JSONResponse({"productId": product_id, "count": count})

    return subapp([
        Route("/init", init, methods=["POST"]),
        Route("/order", order, methods=["POST"]),
        Route("/waiting-room", waiting_room, methods=["GET"]),
        Route("/products/{product_id}", product, methods=["GET"]),
        Route("/orders", orders, methods=["GET"]),
    ])


def audit(db: Database) -> list[dict[str, Any]]:
    """Orders never exceed the initial stock; stock matches orders; no key made two orders."""
    oversold = db.query(
        "SELECT p.id, p.initial, p.stock, COUNT(o.id) AS sold FROM fluxgate_products p "
        "LEFT JOIN fluxgate_orders o ON o.product_id = p.id GROUP BY p.id "
        "HAVING COUNT(o.id) > p.initial OR p.stock < 0 OR p.stock != p.initial - COUNT(o.id)")
    doubled = db.query("SELECT idempotency_key, COUNT(*) AS n FROM fluxgate_orders "
                       "GROUP BY idempotency_key HAVING COUNT(*) > 1 LIMIT 5")
    products = db.scalar("SELECT COUNT(*) AS n FROM fluxgate_products")
    n_orders = db.scalar("SELECT COUNT(*) AS n FROM fluxgate_orders")
    return [
        {"name": "orders <= stock per product", "ok": not oversold,
         "detail": "; ".join(f"{r['id']}: sold {r['sold']} of {r['initial']} (stock now {r['stock']})"
                             for r in oversold) or f"{products} products, {n_orders} orders"},
        {"name": "no idempotency key with two orders", "ok": not doubled,
         "detail": "; ".join(f"{r['idempotency_key']}: {r['n']} orders" for r in doubled) or f"{n_orders} orders"},
    ]


def openapi_paths() -> dict[str, Any]:
    return {
        "/init": {"post": op("Create or reset a product's stock (deletes its orders)",
                             body=obj({"productId": STR, "quantity": INT}, ["productId", "quantity"]),
                             responses={200: "stock set", 400: "malformed", 422: "invalid"})},
        "/order": {"post": op("Place one order", headers=["x-idempotency-key"], security="x-idempotency-key",
                              body=obj({"productId": STR, "userId": STR}, ["productId", "userId"]),
                              responses={200: "accepted (or replayed)", 302: "waiting room", 400: "no key",
                                         404: "unknown product", 409: "sold out", 422: "invalid"})},
        "/waiting-room": {"get": op("Waiting room", responses={200: "waiting"})},
        "/products/{product_id}": {"get": op("Stock of a product", params=[path_param("product_id", STR)],
                                             responses={200: "stock", 404: "unknown"})},
        "/orders": {"get": op("Count a product's orders", params=[query_param("productId", STR)],
                              responses={200: "count", 400: "no productId"})},
    }
