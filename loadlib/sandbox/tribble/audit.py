"""Tribble's invariants after a run, each ``{"name", "ok", "detail"}``."""

from __future__ import annotations

from typing import Any

from loadlib.sandbox.db import Database


def _check(name: str, offenders: list[str], what: str) -> dict[str, Any]:
    detail = "ok" if not offenders else f"{len(offenders)} {what}: {', '.join(offenders[:10])}"
    return {"name": name, "ok": not offenders, "detail": detail}


def audit(db: Database) -> list[dict[str, Any]]:
    """No idempotency key charged twice; wallets equal their ledgers; reversals and refunds consistent."""
    doubles = db.query("SELECT scope_key, idempotency_key, COUNT(*) AS n FROM tribble_payments"
                       " WHERE idempotency_key IS NOT NULL GROUP BY scope_key, idempotency_key HAVING n > 1")
    ledgers = db.query("SELECT w.id, w.balance, COALESCE(SUM(l.amount), 0) AS total FROM tribble_wallets w"
                       " LEFT JOIN tribble_ledger l ON l.wallet_id = w.id GROUP BY w.id HAVING w.balance != total")
    orphans = db.query("SELECT r.payment_id, COUNT(*) AS n, MAX(p.id) AS pid, MAX(p.status) AS status"
                       " FROM tribble_reversals r LEFT JOIN tribble_payments p ON p.id = r.payment_id"
                       " GROUP BY r.payment_id HAVING n > 1 OR pid IS NULL OR status != 'reversed'")
    over = db.query("SELECT p.id, p.amount, SUM(r.amount) AS refunded FROM tribble_payments p"
                    " JOIN tribble_refunds r ON r.payment_id = p.id GROUP BY p.id HAVING refunded > p.amount")
    return [
        _check("tribble_idempotency_single_charge",
               [f"{r['idempotency_key']!r} charged {r['n']}x" for r in doubles], "idempotency keys charged twice"),
        _check("tribble_wallet_ledger",
               [f"wal_{r['id']} balance {r['balance']} != ledger {r['total']}" for r in ledgers],
               "wallets off their ledger (minor units)"),
        _check("tribble_reversal_has_payment",
               [f"txn_{r['payment_id']} ({r['n']} reversals)" for r in orphans],
               "reversals without a (single) reversed payment"),
        _check("tribble_refunds_within_payment",
               [f"txn_{r['id']} refunded {r['refunded']} of {r['amount']}" for r in over],
               "payments refunded beyond their amount"),
    ]
