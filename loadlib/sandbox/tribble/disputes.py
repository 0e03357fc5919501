"""Disputes (evidence, resolution), refunds (approval, payout) and the analytics summary."""

from __future__ import annotations

from typing import Any

from loadlib.sandbox.tribble import validate as v
from loadlib.sandbox.tribble.payments import payment_row
from loadlib.sandbox.tribble.pipeline import ApiError, Ctx, Endpoint, Reply, invalid

_OUTCOMES = ("customer", "merchant")


def _dispute_view(ctx: Ctx, row: Any) -> dict[str, Any]:
    did = f"dsp_{row['id']}"
    evidence = ctx.db.query("SELECT * FROM tribble_evidence WHERE dispute_id = ? ORDER BY id", (row["id"],))
    resolution = None
    if row["outcome"] is not None:
        resolution = {"outcome": row["outcome"], "refund_eligible": row["outcome"] == "customer",
                      "resolved_at": row["resolved_at"]}
    return {"id": did, "dispute_id": did, "transaction_id": f"txn_{row['payment_id']}", "reason": row["reason"],
            "amount": v.money(row["amount"]), "status": row["status"],
            "evidence": [{"id": f"evd_{e['id']}", "type": e["type"], "description": e["description"],
                          "created_at": e["created_at"]} for e in evidence],
            "resolution": resolution, "created_at": row["created_at"]}


def _dispute(ctx: Ctx) -> Any:
    row = ctx.db.one("SELECT * FROM tribble_disputes WHERE id = ?",
                     (v.parse_id(ctx.params.get("id"), "dsp", "dispute_not_found"),))
    if row is None:
        raise ApiError(404, "dispute_not_found")
    return row


def _body_payment(ctx: Ctx) -> Any:
    raw = v.text(ctx.body, "transaction_id", max_len=40)
    return payment_row(ctx, raw)


def create_dispute(ctx: Ctx) -> Reply:
    reason = v.text(ctx.body, "reason", max_len=500)
    amount = v.amount_minor(ctx.body, "amount", required=False)
    payment = _body_payment(ctx)
    if amount is None:
        amount = payment["amount"]
    if amount > payment["amount"]:
        raise ApiError(422, "amount_exceeds_payment")
    with ctx.db.tx() as conn:
        cur = conn.execute("INSERT INTO tribble_disputes (payment_id, reason, amount, status, created_at)"
                           " VALUES (?, ?, ?, 'open', ?)", (payment["id"], reason, amount, ctx.now))
    return Reply(201, _dispute_view(ctx, ctx.db.one("SELECT * FROM tribble_disputes WHERE id = ?",
                                                    (cur.lastrowid,))))


def add_evidence(ctx: Ctx) -> Reply:
    kind = v.text(ctx.body, "type", max_len=100)
    description = v.text(ctx.body, "description", max_len=5000)
    row = _dispute(ctx)
    if row["status"] == "resolved":
        raise ApiError(409, "dispute_closed")
    with ctx.db.tx() as conn:
        conn.execute("INSERT INTO tribble_evidence (dispute_id, type, description, created_at) VALUES (?, ?, ?, ?)",
                     (row["id"], kind, description, ctx.now))
        conn.execute("UPDATE tribble_disputes SET status = 'under_review' WHERE id = ?", (row["id"],))
    return Reply(201, _dispute_view(ctx, _dispute(ctx)))


def get_dispute(ctx: Ctx) -> Reply:
    return Reply(200, _dispute_view(ctx, _dispute(ctx)))


def resolve(ctx: Ctx) -> Reply:
    outcome = v.choice(ctx.body, "outcome", _OUTCOMES)
    row = _dispute(ctx)
    with ctx.db.tx() as conn:
        if conn.execute("SELECT status FROM tribble_disputes WHERE id = ?", (row["id"],)).fetchone()[0] \
                == "resolved":
            raise ApiError(409, "already_resolved")
        conn.execute("UPDATE tribble_disputes SET status = 'resolved', outcome = ?, resolved_at = ? WHERE id = ?",
                     (outcome, ctx.now, row["id"]))
    return Reply(200, _dispute_view(ctx, _dispute(ctx)))


def _refund_view(row: Any) -> dict[str, Any]:
    rid = f"rfd_{row['id']}"
    return {"id": rid, "refund_id": rid, "transaction_id": f"txn_{row['payment_id']}",
            "amount": v.money(row["amount"]), "status": row["status"], "reason": row["reason"],
            "dispute_id": f"dsp_{row['dispute_id']}" if row["dispute_id"] is not None else None,
            "created_at": row["created_at"]}


def _refund(ctx: Ctx) -> Any:
    row = ctx.db.one("SELECT * FROM tribble_refunds WHERE id = ?",
                     (v.parse_id(ctx.params.get("id"), "rfd", "refund_not_found"),))
    if row is None:
        raise ApiError(404, "refund_not_found")
    return row


def create_refund(ctx: Ctx) -> Reply:
    amount = v.amount_minor(ctx.body, "amount", required=False)
    reason = v.text(ctx.body, "reason", required=False, max_len=500)
    dispute_raw = v.text(ctx.body, "dispute_id", required=False, max_len=40)
    payment = _body_payment(ctx)
    dispute_id = None
    if dispute_raw is not None:
        dispute_id = v.parse_id(dispute_raw, "dsp", "dispute_not_found")
        if ctx.db.one("SELECT 1 FROM tribble_disputes WHERE id = ?", (dispute_id,)) is None:
            raise ApiError(404, "dispute_not_found")
    with ctx.db.tx() as conn:
        if payment["status"] == "reversed":
            raise ApiError(409, "payment_reversed")
        used = conn.execute("SELECT COALESCE(SUM(amount), 0) FROM tribble_refunds WHERE payment_id = ?",
                            (payment["id"],)).fetchone()[0]
        refundable = payment["amount"] - used
        if amount is None:
            amount = refundable
        if amount <= 0 or amount > refundable:
            raise ApiError(422, "amount_exceeds_refundable")
        cur = conn.execute("INSERT INTO tribble_refunds (payment_id, amount, status, reason, dispute_id, created_at)"
                           " VALUES (?, ?, 'pending_approval', ?, ?, ?)",
                           (payment["id"], amount, reason, dispute_id, ctx.now))
    return Reply(201, _refund_view(ctx.db.one("SELECT * FROM tribble_refunds WHERE id = ?", (cur.lastrowid,))))


def approve_refund(ctx: Ctx) -> Reply:
    row = _refund(ctx)
    if row["status"] != "pending_approval":
        raise ApiError(409, "invalid_state")
    with ctx.db.tx() as conn:
        conn.execute("UPDATE tribble_refunds SET status = 'approved' WHERE id = ?", (row["id"],))
    return Reply(200, _refund_view(_refund(ctx)))


def payout_refund(ctx: Ctx) -> Reply:
    row = _refund(ctx)
    if row["status"] != "approved":
        raise ApiError(409, "not_approved")
    with ctx.db.tx() as conn:
        payment = conn.execute("SELECT * FROM tribble_payments WHERE id = ?", (row["payment_id"],)).fetchone()
        if payment["status"] == "reversed":
            raise ApiError(409, "payment_reversed")
        conn.execute("UPDATE tribble_refunds SET status = 'paid_out' WHERE id = ?", (row["id"],))
        if payment["wallet_id"] is not None:
            conn.execute("UPDATE tribble_wallets SET balance = balance + ? WHERE id = ?",
                         (row["amount"], payment["wallet_id"]))
            conn.execute("INSERT INTO tribble_ledger (wallet_id, amount, kind, ref, created_at)"
                         " VALUES (?, ?, 'refund', ?, ?)",
                         (payment["wallet_id"], row["amount"], f"rfd_{row['id']}", ctx.now))
    return Reply(200, _refund_view(_refund(ctx)))


def get_refund(ctx: Ctx) -> Reply:
    return Reply(200, _refund_view(_refund(ctx)))


def analytics(ctx: Ctx) -> Reply:
    merchant = ctx.query.get("merchant_id")
    since_raw = ctx.query.get("since", "0")
    try:
        since = float(since_raw)
    except ValueError:
        raise invalid("since", "must be unix seconds") from None
    where, params = "created_at >= ?", [since]
    if merchant:
        where += " AND merchant_id = ?"
        params.append(merchant)
    pay = ctx.db.one(f"SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS s,"
                     f" COALESCE(SUM(status = 'reversed'), 0) AS r FROM tribble_payments WHERE {where}", params)
    scope = f"payment_id IN (SELECT id FROM tribble_payments WHERE {where})"
    ref = ctx.db.one(f"SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN status = 'paid_out' THEN amount END), 0) AS s"
                     f" FROM tribble_refunds WHERE {scope}", params)
    disputes = {r["status"]: r["n"] for r in ctx.db.query(
        f"SELECT status, COUNT(*) AS n FROM tribble_disputes WHERE {scope} GROUP BY status", params)}
    subs = {r["status"]: r["n"] for r in ctx.db.query(
        "SELECT status, COUNT(*) AS n FROM tribble_subscriptions GROUP BY status")}
    fraud = {r["decision"]: r["n"] for r in ctx.db.query(
        "SELECT decision, COUNT(*) AS n FROM tribble_fraud_events GROUP BY decision")}
    return Reply(200, {
        "payments": {"count": pay["n"], "volume": v.money(pay["s"]), "reversed": pay["r"]},
        "refunds": {"count": ref["n"], "paid_out_amount": v.money(ref["s"])},
        "disputes": {"open": disputes.get("open", 0) + disputes.get("under_review", 0),
                     "resolved": disputes.get("resolved", 0)},
        "subscriptions": {k: subs.get(k, 0) for k in ("active", "past_due", "canceled")},
        "fraud": {k: fraud.get(k, 0) for k in ("approve", "review", "decline")}})


_S = {"type": "string"}
_N = {"type": "number"}
ENDPOINTS = (
    Endpoint("POST", "/disputes", create_dispute, body="object", summary="Open a dispute",
             schema={"transaction_id": _S, "reason": _S, "amount": _N, "required": ["transaction_id", "reason"]},
             responses={201: "dispute", 404: "payment_not_found", 422: "amount_exceeds_payment"}),
    Endpoint("POST", "/disputes/{id}/evidence", add_evidence, body="object", summary="Submit evidence",
             schema={"type": _S, "description": _S, "required": ["type", "description"]},
             responses={201: "dispute", 404: "dispute_not_found", 409: "dispute_closed"}),
    Endpoint("GET", "/disputes/{id}", get_dispute, summary="A dispute",
             responses={200: "dispute", 404: "dispute_not_found"}),
    Endpoint("POST", "/disputes/{id}/resolve", resolve, body="object", summary="Resolve a dispute",
             schema={"outcome": {"type": "string", "enum": list(_OUTCOMES)}, "required": ["outcome"]},
             responses={200: "dispute", 404: "dispute_not_found", 409: "already_resolved"}),
    Endpoint("POST", "/refunds", create_refund, body="object", summary="Request a refund",
             schema={"transaction_id": _S, "amount": _N, "reason": _S, "dispute_id": _S,
                     "required": ["transaction_id"]},
             responses={201: "refund", 404: "payment_not_found", 409: "payment_reversed",
                        422: "amount_exceeds_refundable"}),
    Endpoint("POST", "/refunds/{id}/approve", approve_refund, summary="Approve a refund",
             responses={200: "refund", 404: "refund_not_found", 409: "invalid_state"}),
    Endpoint("POST", "/refunds/{id}/payout", payout_refund, summary="Pay a refund out",
             responses={200: "refund", 404: "refund_not_found", 409: "not_approved"}),
    Endpoint("GET", "/refunds/{id}", get_refund, summary="A refund", responses={200: "refund", 404: "refund_not_found"}),
    Endpoint("GET", "/analytics/summary", analytics, summary="Analytics summary", responses={200: "summary"},
             query=("merchant_id", "since")),
)
