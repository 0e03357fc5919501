"""Subscription plans, enrolment, batch charging with deterministic failures, retries and dunning.

A scheduled charge of ``sub_N`` fails iff :func:`scheduled_charge_fails` says so (about
one in ten); a failed subscription needs exactly two retries: the first fails
(``final_notice``), the second succeeds.

    >>> scheduled_charge_fails("sub_1") in (True, False)
    True
"""

from __future__ import annotations

import hashlib
from typing import Any

from loadlib.sandbox.tribble import validate as v
from loadlib.sandbox.tribble.pipeline import ApiError, Ctx, Endpoint, Reply

INTERVAL_SECONDS = {"daily": 86_400, "weekly": 7 * 86_400, "monthly": 30 * 86_400, "yearly": 365 * 86_400}
RETRIES_TO_RECOVER = 2


def scheduled_charge_fails(subscription_id: str) -> bool:
    """The documented rule: ``int(sha256(id)[:8], 16) % 10 == 0``."""
    return int(hashlib.sha256(subscription_id.encode()).hexdigest()[:8], 16) % 10 == 0


def _sub_view(row: Any) -> dict[str, Any]:
    sid = f"sub_{row['id']}"
    notices = {"none": 0, "notice_1": 1, "final_notice": 2}[row["dunning_stage"]]
    return {"id": sid, "subscription_id": sid, "plan_id": f"plan_{row['plan_id']}", "user_id": row["user_id"],
            "status": row["status"], "amount": v.money(row["amount"]), "currency": row["currency"],
            "interval": row["interval"], "next_charge_at": row["next_charge_at"],
            "failed_attempts": row["failed_attempts"],
            "dunning": {"stage": row["dunning_stage"], "notices": notices}, "created_at": row["created_at"]}


def create_plan(ctx: Ctx) -> Reply:
    name = v.text(ctx.body, "name")
    amount = v.amount_minor(ctx.body, "amount")
    interval = v.choice(ctx.body, "interval", tuple(INTERVAL_SECONDS))
    currency = v.currency(ctx.body, default="USD")
    with ctx.db.tx() as conn:
        cur = conn.execute("INSERT INTO tribble_plans (name, amount, currency, interval, created_at)"
                           " VALUES (?, ?, ?, ?, ?)", (name, amount, currency, interval, ctx.now))
    pid = f"plan_{cur.lastrowid}"
    assert amount is not None
    return Reply(201, {"id": pid, "plan_id": pid, "name": name, "amount": v.money(amount), "currency": currency,
                       "interval": interval})


def enroll(ctx: Ctx) -> Reply:
    plan_raw = v.identifier(ctx.body, "planId")
    user = v.identifier(ctx.body, "userId")
    plan_id = v.parse_id(plan_raw, "plan", "plan_not_found")
    with ctx.db.tx() as conn:
        plan = conn.execute("SELECT * FROM tribble_plans WHERE id = ?", (plan_id,)).fetchone()
        if plan is None:
            raise ApiError(404, "plan_not_found")
        cur = conn.execute(
            "INSERT INTO tribble_subscriptions (plan_id, user_id, status, amount, currency, interval,"
            " next_charge_at, created_at) VALUES (?, ?, 'active', ?, ?, ?, ?, ?)",
            (plan_id, user, plan["amount"], plan["currency"], plan["interval"], ctx.now, ctx.now))
        conn.execute("INSERT INTO tribble_sub_events (subscription_id, type, at) VALUES (?, 'enrolled', ?)",
                     (cur.lastrowid, ctx.now))
    return Reply(201, _sub_view(_row(ctx, cur.lastrowid)))


def _row(ctx: Ctx, sub_id: int | None) -> Any:
    row = ctx.db.one("SELECT * FROM tribble_subscriptions WHERE id = ?", (sub_id,))
    if row is None:
        raise ApiError(404, "subscription_not_found")
    return row


def _param_row(ctx: Ctx) -> Any:
    return _row(ctx, v.parse_id(ctx.params.get("id"), "sub", "subscription_not_found"))


def _record_charge(conn: Any, row: Any, attempt: int, kind: str, ok: bool, now: float) -> int:
    cur = conn.execute("INSERT INTO tribble_sub_charges (subscription_id, attempt, kind, status, amount, at)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (row["id"], attempt, kind, "succeeded" if ok else "failed", row["amount"], now))
    event = "charge_succeeded" if ok else "charge_failed"
    conn.execute("INSERT INTO tribble_sub_events (subscription_id, type, at) VALUES (?, ?, ?)",
                 (row["id"], event, now))
    return int(cur.lastrowid)


def _mark_paid(conn: Any, row: Any, now: float) -> None:
    conn.execute("UPDATE tribble_subscriptions SET status = 'active', failed_attempts = 0, dunning_stage = 'none',"
                 " next_charge_at = next_charge_at + ? WHERE id = ?", (INTERVAL_SECONDS[row["interval"]], row["id"]))


def process_charges(ctx: Ctx) -> Reply:
    limit = v.integer(ctx.body, "limit", lo=1, hi=5000, default=1000)
    succeeded: list[str] = []
    failed: list[str] = []
    with ctx.db.tx() as conn:
        due = conn.execute("SELECT * FROM tribble_subscriptions WHERE status = 'active' AND next_charge_at <= ?"
                           " ORDER BY next_charge_at, id LIMIT ?", (ctx.now, limit)).fetchall()
        for row in due:
            sid = f"sub_{row['id']}"
            if scheduled_charge_fails(sid):
                _record_charge(conn, row, 1, "scheduled", False, ctx.now)
                conn.execute("UPDATE tribble_subscriptions SET status = 'past_due', failed_attempts = 1,"
                             " dunning_stage = 'notice_1' WHERE id = ?", (row["id"],))
                conn.execute("INSERT INTO tribble_sub_events (subscription_id, type, at)"
                             " VALUES (?, 'dunning_notice_1', ?)", (row["id"], ctx.now))
                failed.append(sid)
            else:
                _record_charge(conn, row, 1, "scheduled", True, ctx.now)
                _mark_paid(conn, row, ctx.now)
                succeeded.append(sid)
    return Reply(200, {"processed": len(due), "succeeded": len(succeeded), "failed": len(failed),
                       "succeeded_ids": succeeded, "failed_ids": failed})


def get_subscription(ctx: Ctx) -> Reply:
    return Reply(200, _sub_view(_param_row(ctx)))


def retry_charge(ctx: Ctx) -> Reply:
    row = _param_row(ctx)
    with ctx.db.tx() as conn:
        row = conn.execute("SELECT * FROM tribble_subscriptions WHERE id = ?", (row["id"],)).fetchone()
        if row["status"] == "canceled":
            raise ApiError(409, "subscription_canceled")
        if row["status"] != "past_due":
            raise ApiError(409, "nothing_to_retry")
        attempt = row["failed_attempts"] + 1
        ok = attempt > RETRIES_TO_RECOVER
        charge_id = _record_charge(conn, row, attempt, "retry", ok, ctx.now)
        if ok:
            _mark_paid(conn, row, ctx.now)
        else:
            conn.execute("UPDATE tribble_subscriptions SET failed_attempts = ?, dunning_stage = 'final_notice'"
                         " WHERE id = ?", (attempt, row["id"]))
            conn.execute("INSERT INTO tribble_sub_events (subscription_id, type, at)"
                         " VALUES (?, 'dunning_final_notice', ?)", (row["id"], ctx.now))
    view = _sub_view(_row(ctx, row["id"]))
    charge = {"id": f"chg_{charge_id}", "attempt": attempt, "kind": "retry",
              "status": "succeeded" if ok else "failed", "amount": view["amount"], "at": ctx.now}
    return Reply(200, {"subscription_id": view["id"], "charge": charge, "status": view["status"],
                       "dunning": view["dunning"], "subscription": view})


def cancel(ctx: Ctx) -> Reply:
    row = _param_row(ctx)
    with ctx.db.tx() as conn:
        status = conn.execute("SELECT status FROM tribble_subscriptions WHERE id = ?", (row["id"],)).fetchone()
        if status["status"] == "canceled":
            raise ApiError(409, "already_canceled")
        conn.execute("UPDATE tribble_subscriptions SET status = 'canceled' WHERE id = ?", (row["id"],))
        conn.execute("INSERT INTO tribble_sub_events (subscription_id, type, at) VALUES (?, 'canceled', ?)",
                     (row["id"], ctx.now))
    return Reply(200, _sub_view(_row(ctx, row["id"])))


def history(ctx: Ctx) -> Reply:
    row = _param_row(ctx)
    charges = ctx.db.query("SELECT * FROM tribble_sub_charges WHERE subscription_id = ? ORDER BY id", (row["id"],))
    events = ctx.db.query("SELECT * FROM tribble_sub_events WHERE subscription_id = ? ORDER BY id", (row["id"],))
    return Reply(200, {
        "subscription_id": f"sub_{row['id']}",
        "charges": [{"id": f"chg_{c['id']}", "attempt": c["attempt"], "kind": c["kind"], "status": c["status"],
                     "amount": v.money(c["amount"]), "currency": row["currency"], "at": c["at"]} for c in charges],
        "events": [{"type": e["type"], "at": e["at"]} for e in events]})


_S = {"type": "string"}
ENDPOINTS = (
    Endpoint("POST", "/subscriptions/plans", create_plan, body="object", summary="Create a plan",
             schema={"name": _S, "amount": {"type": "number"},
                     "interval": {"type": "string", "enum": list(INTERVAL_SECONDS)}, "currency": _S,
                     "required": ["name", "amount", "interval"]},
             responses={201: "plan", 422: "validation_error"}),
    Endpoint("POST", "/subscriptions/enroll", enroll, body="object", summary="Enrol a user in a plan",
             schema={"planId": _S, "userId": _S, "required": ["planId", "userId"]},
             responses={201: "subscription", 404: "plan_not_found"}),
    Endpoint("POST", "/subscriptions/process-charges", process_charges, body="optional",
             summary="Charge every due subscription",
             schema={"limit": {"type": "integer"}, "required": []}, responses={200: "counts and ids"}),
    Endpoint("GET", "/subscriptions/{id}", get_subscription, summary="Subscription status",
             responses={200: "subscription", 404: "subscription_not_found"}),
    Endpoint("POST", "/subscriptions/{id}/retry-charge", retry_charge, summary="Retry a failed charge",
             responses={200: "charge outcome", 404: "subscription_not_found",
                        409: "nothing_to_retry / subscription_canceled"}),
    Endpoint("POST", "/subscriptions/{id}/cancel", cancel, summary="Cancel",
             responses={200: "subscription", 404: "subscription_not_found", 409: "already_canceled"}),
    Endpoint("GET", "/subscriptions/{id}/history", history, summary="Charges and events",
             responses={200: "history", 404: "subscription_not_found"}),
)
