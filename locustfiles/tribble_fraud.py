"""Tribble 05 - fraud detection (seed 000, 05_fraud_detection_test.js).

Each iteration runs one of the seed's five labelled patterns with a fresh
userId and explicit timestamps (noon UTC, so the time-of-day factor stays 0);
every decision is compared with the pattern's label (docs/api/tribble.md):

| pattern           | requests                                   | expected decisions        |
|-------------------|--------------------------------------------|---------------------------|
| normal            | 100 USD, known merchant, home country      | approve                   |
| suspicious        | 10000, unknown merchant, foreign           | review                    |
| velocity          | 6 normal requests within 30 s              | approve x3, review x3     |
| impossible travel | GB then JP five minutes later              | approve, decline          |
| new device        | known device, then a new one an hour later | approve, review           |

Custom metrics: ``fraud_check_duration`` (ms, tagged by pattern) and
``fraud_score_accuracy`` (Rate of decisions matching the label).

    locust -f locustfiles/tribble_fraud.py --headless      # profile fraud-load
"""

from __future__ import annotations

import itertools
import secrets
import time

from _tribble import TribbleUser
from locust import task

from loadlib import Rate, Trend, check, default_profile

default_profile("fraud-load")

fraud_check_duration = Trend("fraud_check_duration", time=True)
fraud_score_accuracy = Rate("fraud_score_accuracy")

NORMAL = {"amount": 100, "merchant": "known", "country": "US", "currency": "USD"}
_case_ids = itertools.count()
# fraud history is per userId and persists on the target: ids must be unique per run, even when
# a --seed replays the rest of the data
_RUN = secrets.token_hex(4)


def _noon_utc() -> int:
    now = int(time.time())
    return now - now % 86_400 + 12 * 3600


class TribbleFraud(TribbleUser):
    def _score(self, pattern: str, body: dict, label: str) -> None:
        r = self.signed("POST", "/fraud/score", json=body, name="POST /fraud/score", expect=(200,))
        fraud_check_duration.add(r.elapsed_ms, tags={"pattern": pattern})
        if r.status != 200:
            return
        decision = r.get("decision")
        correct = decision == label
        fraud_score_accuracy.add(correct, tags={"pattern": pattern})
        check(r, {f"{pattern}: decision is {label}": lambda r: correct,
                  "ten factors scored": lambda r: len(r.get("factors") or {}) == 10})

    def _user(self) -> str:
        return f"usr_load_{_RUN}_{self.worker_index}_{self.user_index}_{next(_case_ids)}"

    def _t0(self) -> int:
        return _noon_utc() + self.data.random.randint(0, 1800)

    @task
    def normal(self) -> None:
        self._score("normal", {**NORMAL, "userId": self._user(), "timestamp": self._t0()}, "approve")

    @task
    def suspicious(self) -> None:
        body = {"userId": self._user(), "amount": 10000, "merchant": "unknown", "location": "foreign",
                "currency": "USD", "timestamp": self._t0()}
        self._score("suspicious", body, "review")

    @task
    def velocity(self) -> None:
        user, t = self._user(), self._t0()
        for i in range(6):
            self._score("velocity", {**NORMAL, "userId": user, "timestamp": t + 5 * i},
                        "approve" if i < 3 else "review")

    @task
    def impossible_travel(self) -> None:
        user, t = self._user(), self._t0()
        self._score("impossible_travel", {**NORMAL, "userId": user, "country": "GB", "timestamp": t}, "approve")
        self._score("impossible_travel", {**NORMAL, "userId": user, "country": "JP", "timestamp": t + 300},
                    "decline")

    @task
    def new_device(self) -> None:
        user, t = self._user(), self._t0()
        known, new = self.data.fingerprint(), self.data.fingerprint()
        self._score("new_device", {**NORMAL, "userId": user, "device_fingerprint": known, "timestamp": t},
                    "approve")
        self._score("new_device", {**NORMAL, "userId": user, "device_fingerprint": new, "timestamp": t + 3600},
                    "review")
