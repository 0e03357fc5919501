"""Fraud scoring: ten weighted risk factors, deterministic given the user's scored history.

The rules are the ones in docs/api/tribble.md, so a client can label cases and
measure accuracy. :func:`score` is pure; the endpoint feeds it the user's history
and records the scored transaction.

    >>> score(Txn("u", 100, "USD", "known", "US", "US", None, 1767225600 + 43200, 365), []).decision
    'approve'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from loadlib.sandbox.tribble import validate as v
from loadlib.sandbox.tribble.pipeline import Ctx, Endpoint, Reply, invalid

FACTORS = ("amount", "merchant_reputation", "location", "impossible_travel", "velocity", "device_fingerprint",
           "blacklist", "time_of_day", "currency_mismatch", "account_age")
BLACKLIST = frozenset({"usr_blacklisted", "mrc_blacklisted", "blacklisted", "dev_blacklisted", "fraudco"})
REVIEW_AT, DECLINE_AT = 30, 60
MAX_TRAVEL_KMH = 900.0
FOREIGN = "XX"  # "location": "foreign": a foreign country without coordinates

# Approximate centroids (lat, lon) for impossible-travel distances.
COORDS: dict[str, tuple[float, float]] = {
    "US": (39.8, -98.6), "CA": (56.1, -106.3), "MX": (23.6, -102.6), "BR": (-14.2, -51.9), "AR": (-38.4, -63.6),
    "GB": (55.4, -3.4), "IE": (53.4, -8.2), "FR": (46.2, 2.2), "DE": (51.2, 10.5), "ES": (40.5, -3.7),
    "IT": (41.9, 12.6), "NL": (52.1, 5.3), "CH": (46.8, 8.2), "SE": (60.1, 18.6), "PL": (51.9, 19.1),
    "NG": (9.1, 8.7), "ZA": (-30.6, 22.9), "KE": (-0.02, 37.9), "EG": (26.8, 30.8), "AE": (23.4, 53.8),
    "IN": (20.6, 79.0), "CN": (35.9, 104.2), "JP": (36.2, 138.3), "KR": (35.9, 127.8), "SG": (1.35, 103.8),
    "AU": (-25.3, 133.8), "NZ": (-40.9, 174.9), "RU": (61.5, 105.3),
}
_EUR = ("FR", "DE", "ES", "IT", "NL", "IE")
HOME_CURRENCY: dict[str, str] = {
    "US": "USD", "GB": "GBP", "JP": "JPY", "NG": "NGN", "CA": "CAD", "AU": "AUD", "IN": "INR", "CN": "CNY",
    "BR": "BRL", "MX": "MXN", "CH": "CHF", "SG": "SGD", "ZA": "ZAR", **{c: "EUR" for c in _EUR},
}
_KNOWN_MERCHANT = re.compile(r"mrc_[0-9]+|mrc_sandbox|known")


@dataclass(frozen=True)
class Txn:
    """One transaction to score, with everything resolved (home country, account age)."""

    user_id: str
    amount: float
    currency: str
    merchant: str | None
    country: str | None
    home_country: str
    device: str | None
    ts: float
    account_age_days: float


@dataclass(frozen=True)
class Past:
    ts: float
    country: str | None
    device: str | None


@dataclass(frozen=True)
class Score:
    score: int
    decision: str
    factors: dict[str, int]


def _km(a: str, b: str) -> float:
    (lat1, lon1), (lat2, lon2) = COORDS[a], COORDS[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _impossible_travel(txn: Txn, history: Sequence[Past]) -> bool:
    earlier = [p for p in history if p.ts <= txn.ts]
    if not earlier or txn.country not in COORDS:
        return False
    last = max(earlier, key=lambda p: p.ts)
    if last.country not in COORDS or last.country == txn.country:
        return False
    hours = (txn.ts - last.ts) / 3600.0
    return hours <= 0 or _km(last.country, txn.country) / hours > MAX_TRAVEL_KMH


def decide(total: int) -> str:
    return "decline" if total >= DECLINE_AT else "review" if total >= REVIEW_AT else "approve"


def score(txn: Txn, history: Sequence[Past]) -> Score:
    """The ten factors' contributions, their capped sum, and the decision."""
    recent = sum(1 for p in history if txn.ts - 60 <= p.ts <= txn.ts)
    known_devices = {p.device for p in history if p.device}
    hour = int(txn.ts // 3600) % 24
    home_currency = HOME_CURRENCY.get(txn.home_country)
    contributions = {
        "amount": 0 if txn.amount <= 1000 else 10 if txn.amount <= 5000 else 20,
        "merchant_reputation": 0 if txn.merchant and _KNOWN_MERCHANT.fullmatch(txn.merchant) else 15,
        "location": 15 if txn.country and txn.country != txn.home_country else 0,
        "impossible_travel": 60 if _impossible_travel(txn, history) else 0,
        "velocity": 45 if recent >= 5 else 30 if recent >= 3 else 0,
        "device_fingerprint": 30 if txn.device and history and txn.device not in known_devices else 0,
        "blacklist": 60 if {txn.user_id, txn.merchant, txn.device} & BLACKLIST else 0,
        "time_of_day": 5 if hour < 5 else 0,
        "currency_mismatch": 10 if home_currency and txn.currency != home_currency else 0,
        "account_age": 10 if txn.account_age_days < 1 else 5 if txn.account_age_days < 30 else 0,
    }
    total = min(100, sum(contributions.values()))
    return Score(total, decide(total), contributions)


def _country_code(raw: str, name: str, home: str) -> str:
    low = raw.strip().lower()
    if low in ("home", "home_country"):
        return home
    if low == "foreign":
        return FOREIGN if home != FOREIGN else "ZZ"
    code = "GB" if low == "uk" else raw.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise invalid(name, "must be an ISO-2 country code, 'home' or 'foreign'")
    return code


def _registered_user(ctx: Ctx, user_id: str) -> tuple[str, float] | None:
    if user_id.startswith("usr_") and user_id[4:].isdigit() and len(user_id) < 20:
        row = ctx.db.one("SELECT country, created_at FROM tribble_users WHERE id = ?", (int(user_id[4:]),))
        if row is not None:
            return row["country"], (ctx.now - row["created_at"]) / 86_400
    return None


def score_endpoint(ctx: Ctx) -> Reply:
    body = ctx.body
    user_id = v.identifier(body, "userId")
    amount = v.number(body, "amount", lo=0, hi=v.MAX_AMOUNT, required=True)
    currency = v.currency(body, default="USD")
    merchant = v.text(body, "merchant", required=False, max_len=100) or \
        v.text(body, "merchant_id", required=False, max_len=100)
    device = v.text(body, "device_fingerprint", required=False, max_len=200)
    ts = v.number(body, "timestamp", lo=0, hi=4_102_444_800)
    age = v.number(body, "account_age_days", lo=0, hi=100_000)
    assert user_id is not None and amount is not None
    registered = _registered_user(ctx, user_id)
    home_raw = v.text(body, "home_country", required=False, max_len=20)
    home = _country_code(home_raw, "home_country", "US") if home_raw else (registered[0] if registered else "US")
    where = v.text(body, "country", required=False, max_len=20) or v.text(body, "location", required=False,
                                                                            max_len=20)
    country = _country_code(where, "country", home) if where else None
    if age is None:
        age = registered[1] if registered else 365.0
    txn = Txn(user_id, amount, currency, merchant, country, home, device, ctx.now if ts is None else ts, age)
    with ctx.db.tx() as conn:
        rows = conn.execute("SELECT ts, country, device FROM tribble_fraud_events WHERE user_id = ?",
                            (user_id,)).fetchall()
        result = score(txn, [Past(r["ts"], r["country"], r["device"]) for r in rows])
        decision = result.decision
        if ctx.rt.defect("tribble_wrong_fraud_decision"):
            decision = {"approve": "decline", "review": "approve", "decline": "approve"}[decision]
        cur = conn.execute("INSERT INTO tribble_fraud_events (user_id, ts, country, device, merchant, score, decision)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (user_id, txn.ts, country, device, merchant, result.score, decision))
    return Reply(200, {"transaction_id": f"frd_{cur.lastrowid}", "user_id": user_id, "score": result.score,
                       "decision": decision, "factors": result.factors})


_S = {"type": "string"}
ENDPOINTS = (
    Endpoint("POST", "/fraud/score", score_endpoint, body="object", summary="Score a transaction",
             schema={"userId": _S, "amount": {"type": "number"}, "currency": _S, "merchant": _S,
                     "merchant_id": _S, "country": _S, "location": _S, "home_country": _S,
                     "device_fingerprint": _S, "timestamp": {"type": "number"},
                     "account_age_days": {"type": "number"}, "required": ["userId", "amount"]},
             responses={200: "score, factors, decision", 422: "validation_error"}),
)
