"""Sandbox unit-test fixtures: the real app on a temporary SQLite file, driven in-process."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from loadlib.sandbox.app import create_app
from loadlib.sandbox.config import SandboxConfig

with warnings.catch_warnings():
    # starlette warns that plain httpx (what the test extra installs) is deprecated in favour of httpx2
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[MakeClient]:
    """``make_client(defects={"fluxgate_oversell"}, fluxgate_admission_rate=5)`` -> a TestClient."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        if "defects" in overrides:
            overrides["defects"] = frozenset(overrides["defects"])
        cfg = SandboxConfig(db_path=str(tmp_path / f"sandbox-{len(clients)}.db"), **overrides)
        client = TestClient(create_app(cfg))
        client.__enter__()  # runs the lifespan, like uvicorn
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()
