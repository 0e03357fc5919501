"""Tribble fixtures: the sub-app alone (as the vectors' paths expect) on a temporary SQLite file."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.tribble import build

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

T0 = 1767225600  # the vectors' timestamp: 2026-01-01T00:00:00Z


class Clock:
    """A settable clock: ``clock.now`` seconds."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Tribble:
    client: TestClient
    db: Database
    clock: Clock

    def register(self, email: str = "ada@example.com", *, country: str = "US", merchant: bool = False) -> dict:
        """Register, verify and log in; returns {"user", "token", "auth" headers}."""
        r = self.client.post("/auth/register", json={"email": email, "phone": "+15550100", "password": "correct horse",
                                                     "name": "Ada", "country": country})
        assert r.status_code == 201, r.text
        user = r.json()
        r = self.client.post("/auth/verify-email", json={"user_id": user["id"],
                                                         "code": user["verification"]["email_code"]})
        assert r.status_code == 200, r.text
        token = self.login(email)
        auth = {"Authorization": f"Bearer {token}"}
        if merchant:
            r = self.client.post("/merchants/kyc", json={"business_name": "Ada Ltd", "country": country,
                                                         "tax_id": "T-1"}, headers=auth)
            assert r.status_code == 201, r.text
            user["merchant_id"] = r.json()["merchant_id"]
        return {"user": user, "token": token, "auth": auth}

    def login(self, email: str, **extra: Any) -> str:
        r = self.client.post("/auth/login", json={"email": email, "password": "correct horse", **extra})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def count(self, table: str) -> int:
        return self.db.one(f"SELECT COUNT(*) FROM {table}")[0]


MakeTribble = Callable[..., Tribble]


@pytest.fixture
def make_tribble(tmp_path: Path) -> Iterator[MakeTribble]:
    """``make_tribble(defects={...}, now=T0, response_now=..., iv=b"...")`` -> a fresh :class:`Tribble`."""
    made: list[Tribble] = []

    def make(*, now: float = T0 + 12 * 3600, response_now: float | None = None, iv: bytes | None = None,
             **overrides: Any) -> Tribble:
        if "defects" in overrides:
            overrides["defects"] = frozenset(overrides["defects"])
        cfg = SandboxConfig(db_path=str(tmp_path / f"tribble-{len(made)}.db"), **overrides)
        db = Database(cfg.db_path)
        clock = Clock(now)
        kwargs: dict[str, Any] = {"clock": clock}
        if response_now is not None:
            kwargs["response_clock"] = lambda: response_now
        if iv is not None:
            kwargs["iv_source"] = lambda n: iv
        tribble = Tribble(TestClient(build(cfg, db, **kwargs)), db, clock)
        made.append(tribble)
        return tribble

    yield make
    for t in made:
        t.client.close()
        t.db.close()


@pytest.fixture
def tribble(make_tribble: MakeTribble) -> Tribble:
    return make_tribble()
