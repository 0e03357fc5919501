"""Fraud scoring: the labelled cases of docs/api/tribble.md give exactly the documented scores and decisions."""

from __future__ import annotations

import itertools

import pytest

from loadlib.sandbox.tribble.fraud import FACTORS

from .conftest import T0
from .helpers import Signer

T = T0 + 12 * 3600  # noon UTC: no time-of-day risk
NORMAL = {"amount": 100, "merchant": "known", "country": "US", "currency": "USD"}
_users = itertools.count(1)


@pytest.fixture
def score(tribble):
    sign = Signer(tribble.client, ts=lambda: int(tribble.clock.now))

    def call(user, **fields):
        r = sign("POST", "/fraud/score", {"userId": user, "timestamp": T, **fields})
        assert r.status_code == 200, r.text
        return r.json()
    return call


def fresh() -> str:
    return f"case-{next(_users)}"


def test_normal_is_approved_with_all_ten_factors_reported(score):
    result = score(fresh(), **NORMAL)
    assert result["score"] == 0 and result["decision"] == "approve"
    assert set(result["factors"]) == set(FACTORS) and len(FACTORS) == 10


def test_suspicious_large_unknown_foreign_is_review(score):
    result = score(fresh(), amount=10000, merchant="unknown", location="foreign", currency="USD")
    assert result["score"] == 50 and result["decision"] == "review"
    assert {k: v for k, v in result["factors"].items() if v} == {"amount": 20, "merchant_reputation": 15,
                                                                  "location": 15}


def test_velocity_burst_within_60_seconds(score):
    user = fresh()
    results = [score(user, **{**NORMAL, "timestamp": T + 5 * i}) for i in range(6)]
    assert [r["score"] for r in results] == [0, 0, 0, 30, 30, 45]
    assert [r["decision"] for r in results] == ["approve"] * 3 + ["review"] * 3
    # Outside the 60 s window the burst no longer counts.
    assert score(user, **{**NORMAL, "timestamp": T + 200})["decision"] == "approve"


def test_impossible_travel_uk_to_japan_in_five_minutes_is_declined(score):
    user = fresh()
    first = score(user, **{**NORMAL, "country": "UK", "timestamp": T})
    second = score(user, **{**NORMAL, "country": "JP", "timestamp": T + 300})
    assert (first["score"], first["decision"]) == (15, "approve")
    assert (second["score"], second["decision"]) == (75, "decline")
    assert second["factors"]["impossible_travel"] == 60
    gb_user = fresh()
    score(gb_user, **{**NORMAL, "country": "GB", "home_country": "GB", "currency": "GBP", "timestamp": T})
    assert score(gb_user, **{**NORMAL, "country": "JP", "home_country": "GB", "currency": "GBP",
                             "timestamp": T + 300})["score"] == 75
    slow = fresh()  # the same trip a day later is possible
    score(slow, **{**NORMAL, "country": "GB", "timestamp": T})
    assert score(slow, **{**NORMAL, "country": "JP", "timestamp": T + 86400})["factors"]["impossible_travel"] == 0


def test_new_device_with_known_merchant_is_review(score):
    user = fresh()
    assert score(user, **NORMAL, device_fingerprint="dev_A")["decision"] == "approve"
    second = score(user, **{**NORMAL, "timestamp": T + 3600}, device_fingerprint="dev_B")
    assert (second["score"], second["decision"]) == (30, "review")
    third = score(user, **{**NORMAL, "timestamp": T + 7200}, device_fingerprint="dev_A")
    assert third["decision"] == "approve"


def test_remaining_factors(score):
    assert score(fresh(), **NORMAL, device_fingerprint="dev_blacklisted")["factors"]["blacklist"] == 60
    assert score(fresh(), **{**NORMAL, "merchant": "fraudco"})["decision"] == "decline"
    assert score(fresh(), **{**NORMAL, "timestamp": T0 + 3 * 3600})["factors"]["time_of_day"] == 5
    assert score(fresh(), **{**NORMAL, "currency": "EUR"})["factors"]["currency_mismatch"] == 10
    assert score(fresh(), **NORMAL, account_age_days=0.5)["factors"]["account_age"] == 10
    assert score(fresh(), **NORMAL, account_age_days=10)["factors"]["account_age"] == 5
    assert score(fresh(), **{**NORMAL, "amount": 5000})["factors"]["amount"] == 10
    assert score(fresh(), **{**NORMAL, "merchant": "mrc_0042"})["factors"]["merchant_reputation"] == 0
    everything = score(fresh(), amount=50000, merchant="blacklisted", country="NG", currency="NGN")
    assert everything["score"] == 100 and everything["decision"] == "decline"


def test_registered_user_home_country_and_account_age(tribble, score):
    user = tribble.register(country="GB")["user"]["id"]
    result = score(user, amount=100, merchant="known", country="GB", currency="GBP")
    assert result["factors"]["location"] == 0 and result["factors"]["account_age"] == 10


def test_same_inputs_same_history_same_answer(make_tribble):
    answers = []
    for _ in range(2):
        t = make_tribble()
        sign = Signer(t.client, ts=int(t.clock.now))
        answers.append([sign("POST", "/fraud/score", {"userId": "u", "timestamp": T + i, **NORMAL,
                                                      "country": c}).json()["score"]
                        for i, c in enumerate(["US", "GB", "US", "JP", "US"])])
    assert answers[0] == answers[1]


def test_wrong_decision_defect_flips_decisions(make_tribble):
    t = make_tribble(defects={"tribble_wrong_fraud_decision"})
    r = Signer(t.client, ts=int(t.clock.now))("POST", "/fraud/score", {"userId": "u", "timestamp": T, **NORMAL})
    assert r.json()["score"] == 0 and r.json()["decision"] == "decline"


@pytest.mark.parametrize("body,field", [({"amount": 1}, "userId"), ({"userId": "u"}, "amount"),
                                        ({"userId": "u", "amount": "1"}, "amount"),
                                        ({"userId": "u", "amount": 1, "country": "Japan"}, "country"),
                                        ({"userId": [1], "amount": 1}, "userId"),
                                        ({"userId": "u", "amount": 1, "timestamp": "now"}, "timestamp")])
def test_fraud_validation(tribble, body, field):
    r = Signer(tribble.client, ts=int(tribble.clock.now))("POST", "/fraud/score", body)
    assert r.status_code == 422 and r.json()["field"] == field
    assert tribble.count("tribble_fraud_events") == 0
