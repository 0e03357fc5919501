"""Wallets, payment methods, idempotent payments, receipts, reversals and merchant settlement views.

Idempotency: ``(caller, Idempotency-Key)`` maps to the first successful charge and its
stored response; the lookup and the charge run in one ``BEGIN IMMEDIATE`` transaction,
so concurrent retries with one key charge once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from loadlib.sandbox.tribble import validate as v
from loadlib.sandbox.tribble.pipeline import ApiError, Ctx, Endpoint, Reply, dumps, invalid

DEFAULT_WALLET_BALANCE = 10_000_000
_PM_TYPES = ("card", "bank_account", "wallet")
_SCHEDULE_SECONDS = {"daily": 86_400, "weekly": 7 * 86_400, "monthly": 30 * 86_400}


def _owner(ctx: Ctx) -> str:
    assert ctx.principal is not None
    return ctx.principal.scope_key


def wallet_view(row: Any) -> dict[str, Any]:
    wid = f"wal_{row['id']}"
    return {"id": wid, "wallet_id": wid, "currency": row["currency"], "balance": v.money(row["balance"])}


def payment_view(ctx: Ctx, row: Any) -> dict[str, Any]:
    tid = f"txn_{row['id']}"
    refunded = ctx.db.one("SELECT COALESCE(SUM(amount), 0) AS s FROM tribble_refunds"
                          " WHERE payment_id = ? AND status = 'paid_out'", (row["id"],))
    return {"id": tid, "transaction_id": tid, "status": row["status"], "amount": v.money(row["amount"]),
            "currency": row["currency"], "merchant_id": row["merchant_id"],
            "wallet_id": f"wal_{row['wallet_id']}" if row["wallet_id"] is not None else None,
            "payment_method_id": f"pm_{row['payment_method_id']}" if row["payment_method_id"] is not None else None,
            "description": row["description"], "idempotency_key": row["idempotency_key"],
            "refunded_amount": v.money(refunded["s"] if refunded else 0), "created_at": row["created_at"]}


def create_wallet(ctx: Ctx) -> Reply:
    currency = v.currency(ctx.body)
    initial = v.amount_minor(ctx.body, "initial_balance", required=False, allow_zero=True)
    balance = DEFAULT_WALLET_BALANCE * 100 if initial is None else initial
    with ctx.db.tx() as conn:
        cur = conn.execute("INSERT INTO tribble_wallets (owner, currency, balance, created_at) VALUES (?, ?, ?, ?)",
                           (_owner(ctx), currency, balance, ctx.now))
        conn.execute("INSERT INTO tribble_ledger (wallet_id, amount, kind, ref, created_at)"
                     " VALUES (?, ?, 'funding', NULL, ?)", (cur.lastrowid, balance, ctx.now))
    row = ctx.db.one("SELECT * FROM tribble_wallets WHERE id = ?", (cur.lastrowid,))
    return Reply(201, wallet_view(row))


def _wallet(ctx: Ctx, raw: str | None) -> Any:
    row = ctx.db.one("SELECT * FROM tribble_wallets WHERE id = ?", (v.parse_id(raw, "wal", "wallet_not_found"),))
    if row is None:
        raise ApiError(404, "wallet_not_found")
    return row


def get_wallet(ctx: Ctx) -> Reply:
    return Reply(200, wallet_view(_wallet(ctx, ctx.params.get("id"))))


def wallet_balance(ctx: Ctx) -> Reply:
    row = _wallet(ctx, ctx.params.get("id"))
    return Reply(200, {"wallet_id": f"wal_{row['id']}", "currency": row["currency"],
                       "balance": v.money(row["balance"])})


def create_payment_method(ctx: Ctx) -> Reply:
    kind = v.choice(ctx.body, "type", _PM_TYPES)
    last4 = v.text(ctx.body, "last4", required=False, max_len=4)
    if last4 is not None and not (len(last4) == 4 and last4.isdigit()):
        raise invalid("last4", "must be four digits")
    wallet_raw = v.text(ctx.body, "wallet_id", required=False, max_len=40)
    wallet_id = _wallet(ctx, wallet_raw)["id"] if wallet_raw is not None else None
    with ctx.db.tx() as conn:
        cur = conn.execute("INSERT INTO tribble_payment_methods (owner, type, last4, wallet_id, created_at)"
                           " VALUES (?, ?, ?, ?, ?)", (_owner(ctx), kind, last4, wallet_id, ctx.now))
    pid = f"pm_{cur.lastrowid}"
    return Reply(201, {"id": pid, "payment_method_id": pid, "type": kind, "last4": last4,
                       "wallet_id": f"wal_{wallet_id}" if wallet_id is not None else None})


def _idempotency_key(ctx: Ctx) -> str | None:
    key = ctx.headers.get("idempotency-key")
    if key is None:
        key = v.text(ctx.body, "idempotency_key", required=False, max_len=255)
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not all(33 <= ord(c) < 127 or c == " " for c in key):
        raise invalid("Idempotency-Key", "must be 1..255 printable ASCII characters")
    return key


def _body_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def create_payment(ctx: Ctx) -> Reply:
    body = ctx.body
    amount = v.amount_minor(body, "amount")
    currency = v.currency(body)
    merchant = v.text(body, "merchant_id", required=False, max_len=64)
    wallet_raw = v.text(body, "wallet_id", required=False, max_len=40)
    pm_raw = v.text(body, "payment_method_id", required=False, max_len=40)
    description = v.text(body, "description", required=False, max_len=500)
    key = _idempotency_key(ctx)
    assert amount is not None and ctx.principal is not None
    merchant = merchant or ctx.principal.default_merchant
    if ctx.query.get("dry_run") in ("1", "true"):
        return Reply(200, {"dry_run": True, "status": "validated", "amount": v.money(amount),
                           "currency": currency, "merchant_id": merchant})
    scope = ctx.principal.scope_key
    request_hash = _body_hash(body)
    honour_key = key is not None and not ctx.rt.defect("tribble_double_charge")
    with ctx.db.tx() as conn:
        if honour_key:
            seen = conn.execute("SELECT request_hash, response FROM tribble_idempotency"
                                " WHERE scope_key = ? AND idem_key = ?", (scope, key)).fetchone()
            if seen is not None:
                if seen["request_hash"] != request_hash:
                    raise ApiError(422, "idempotency_key_reused")
                return Reply(201, seen["response"].encode("utf-8"), {"Idempotent-Replayed": "true"})
        wallet_id = pm_id = None
        if pm_raw is not None:
            pm_id = v.parse_id(pm_raw, "pm", "payment_method_not_found")
            pm = conn.execute("SELECT wallet_id FROM tribble_payment_methods WHERE id = ?", (pm_id,)).fetchone()
            if pm is None:
                raise ApiError(404, "payment_method_not_found")
            wallet_id = pm["wallet_id"]
        if wallet_raw is not None:
            wallet_id = v.parse_id(wallet_raw, "wal", "wallet_not_found")
        if wallet_id is not None:
            wallet = conn.execute("SELECT * FROM tribble_wallets WHERE id = ?", (wallet_id,)).fetchone()
            if wallet is None:
                raise ApiError(404, "wallet_not_found")
            if wallet["currency"] != currency:
                raise ApiError(422, "currency_mismatch")
            if wallet["balance"] < amount:
                raise ApiError(402, "insufficient_funds")
        cur = conn.execute(
            "INSERT INTO tribble_payments (scope_key, idempotency_key, amount, currency, merchant_id, wallet_id,"
            " payment_method_id, description, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'succeeded', ?)",
            (scope, key, amount, currency, merchant, wallet_id, pm_id, description, ctx.now))
        payment_id = cur.lastrowid
        if wallet_id is not None:
            conn.execute("UPDATE tribble_wallets SET balance = balance - ? WHERE id = ?", (amount, wallet_id))
            conn.execute("INSERT INTO tribble_ledger (wallet_id, amount, kind, ref, created_at)"
                         " VALUES (?, ?, 'payment', ?, ?)", (wallet_id, -amount, f"txn_{payment_id}", ctx.now))
        row = conn.execute("SELECT * FROM tribble_payments WHERE id = ?", (payment_id,)).fetchone()
        response = dumps(payment_view(ctx, row))
        if honour_key:
            conn.execute("INSERT INTO tribble_idempotency (scope_key, idem_key, request_hash, payment_id, response)"
                         " VALUES (?, ?, ?, ?, ?)", (scope, key, request_hash, payment_id, response.decode()))
    return Reply(201, response)


def payment_row(ctx: Ctx, raw: str | None) -> Any:
    row = ctx.db.one("SELECT * FROM tribble_payments WHERE id = ?",
                     (v.parse_id(raw, "txn", "payment_not_found"),))
    if row is None:
        raise ApiError(404, "payment_not_found")
    return row


def get_payment(ctx: Ctx) -> Reply:
    return Reply(200, payment_view(ctx, payment_row(ctx, ctx.params.get("id"))))


def receipt(ctx: Ctx) -> Reply:
    row = payment_row(ctx, ctx.params.get("id"))
    tid = f"txn_{row['id']}"
    return Reply(200, {"receipt_id": f"rcp_{row['id']}", "transaction_id": tid, "amount": v.money(row["amount"]),
                       "currency": row["currency"], "merchant_id": row["merchant_id"], "status": row["status"],
                       "issued_at": ctx.now})


def reverse(ctx: Ctx) -> Reply:
    reason = v.text(ctx.body, "reason", required=False, max_len=500)
    row = payment_row(ctx, ctx.params.get("id"))
    with ctx.db.tx() as conn:
        row = conn.execute("SELECT * FROM tribble_payments WHERE id = ?", (row["id"],)).fetchone()
        if row["status"] == "reversed":
            raise ApiError(409, "already_reversed")
        if conn.execute("SELECT 1 FROM tribble_refunds WHERE payment_id = ? AND status = 'paid_out'",
                        (row["id"],)).fetchone():
            raise ApiError(409, "payment_refunded")
        conn.execute("UPDATE tribble_payments SET status = 'reversed' WHERE id = ?", (row["id"],))
        conn.execute("INSERT INTO tribble_reversals (payment_id, reason, created_at) VALUES (?, ?, ?)",
                     (row["id"], reason, ctx.now))
        if row["wallet_id"] is not None:
            conn.execute("UPDATE tribble_wallets SET balance = balance + ? WHERE id = ?",
                         (row["amount"], row["wallet_id"]))
            conn.execute("INSERT INTO tribble_ledger (wallet_id, amount, kind, ref, created_at)"
                         " VALUES (?, ?, 'reversal', ?, ?)", (row["wallet_id"], row["amount"],
                                                              f"txn_{row['id']}", ctx.now))
    return get_payment(ctx)


def _merchant_param(ctx: Ctx) -> str:
    merchant = ctx.params.get("id", "")
    if not merchant or len(merchant) > 64:
        raise ApiError(404, "merchant_not_found")
    return merchant


def merchant_transactions(ctx: Ctx) -> Reply:
    merchant = _merchant_param(ctx)
    raw = ctx.query.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 500:
        raise invalid("limit", "must be an integer from 1 to 500")
    rows = ctx.db.query("SELECT * FROM tribble_payments WHERE merchant_id = ? ORDER BY id DESC LIMIT ?",
                        (merchant, int(raw)))
    views = [payment_view(ctx, r) for r in rows]
    return Reply(200, {"merchant_id": merchant, "transactions": views, "count": len(views)})


def settlement_schedule(ctx: Ctx) -> Reply:
    merchant = _merchant_param(ctx)
    schedule, currency = "daily", "USD"
    if merchant.startswith("mrc_") and merchant[4:].isdigit() and len(merchant) < 20:
        row = ctx.db.one("SELECT schedule, settle_currency FROM tribble_merchants WHERE id = ?",
                         (int(merchant[4:]),))
        if row is not None and row["schedule"]:
            schedule, currency = row["schedule"], row["settle_currency"]
    pending = ctx.db.one("SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS s FROM tribble_payments"
                         " WHERE merchant_id = ? AND status = 'succeeded'", (merchant,))
    period = _SCHEDULE_SECONDS[schedule]
    next_at = (int(ctx.now) // period + 1) * period
    return Reply(200, {"merchant_id": merchant, "schedule": schedule, "currency": currency,
                       "next_settlement_at": next_at, "pending_amount": v.money(pending["s"]),
                       "transaction_count": pending["n"]})


_S = {"type": "string"}
_N = {"type": "number"}
_ID_PARAM = ("id",)
ENDPOINTS = (
    Endpoint("POST", "/wallets", create_wallet, body="object", summary="Create a wallet",
             schema={"currency": _S, "initial_balance": _N, "required": ["currency"]},
             responses={201: "wallet", 422: "validation_error", 401: "auth"}),
    Endpoint("GET", "/wallets/{id}", get_wallet, summary="A wallet", responses={200: "wallet", 404: "wallet_not_found"}),
    Endpoint("GET", "/wallets/{id}/balance", wallet_balance, summary="Wallet balance",
             responses={200: "balance", 404: "wallet_not_found"}),
    Endpoint("POST", "/payment-methods", create_payment_method, body="object", summary="Add a payment method",
             schema={"type": {"type": "string", "enum": list(_PM_TYPES)}, "last4": _S, "wallet_id": _S,
                     "required": ["type"]},
             responses={201: "payment method", 404: "wallet_not_found", 422: "validation_error"}),
    Endpoint("POST", "/payments", create_payment, body="object", summary="Charge (idempotent with Idempotency-Key)",
             schema={"amount": _N, "currency": _S, "merchant_id": _S, "wallet_id": _S, "payment_method_id": _S,
                     "description": _S, "idempotency_key": _S, "required": ["amount", "currency"]},
             responses={201: "payment (or replay)", 200: "dry run", 402: "insufficient_funds",
                        404: "wallet_not_found", 422: "idempotency_key_reused / validation_error"},
             query=("dry_run",)),
    Endpoint("GET", "/payments/{id}", get_payment, summary="Payment status",
             responses={200: "payment", 404: "payment_not_found"}),
    Endpoint("GET", "/transactions/{id}", get_payment, summary="Payment status (seed path)",
             responses={200: "payment", 404: "payment_not_found"}),
    Endpoint("GET", "/payments/{id}/receipt", receipt, summary="Receipt",
             responses={200: "receipt", 404: "payment_not_found"}),
    Endpoint("POST", "/payments/{id}/reverse", reverse, body="optional", summary="Reverse a payment",
             schema={"reason": _S, "required": []},
             responses={200: "reversed payment", 404: "payment_not_found", 409: "already_reversed"}),
    Endpoint("GET", "/merchants/{id}/transactions", merchant_transactions, summary="A merchant's payments",
             responses={200: "payments"}, query=("limit",)),
    Endpoint("GET", "/merchants/{id}/settlement-schedule", settlement_schedule, summary="Settlement schedule",
             responses={200: "schedule"}),
)
