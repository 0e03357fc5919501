"""50 concurrent signed payments reusing one Idempotency-Key against a real uvicorn: exactly one charge."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from loadlib.sandbox.db import Database
from loadlib.sandbox.tribble import audit
from tests.support import ROOT, free_port

from .helpers import response_signature_ok, signed_headers

N = 50
BODY = json.dumps({"amount": 250, "currency": "USD", "merchant_id": "mrc_0042"}).encode()


_SERVER = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.tribble import build
cfg = SandboxConfig(db_path=sys.argv[1], defects=frozenset(sys.argv[3:]))
app = Starlette(routes=[Mount("/tribble", app=build(cfg, Database(cfg.db_path)))])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", lifespan="off", backlog=256)
"""


@contextlib.contextmanager
def serve(tmp_path, defects: frozenset[str] = frozenset()) -> Iterator[tuple[str, Database]]:
    """The sub-app on a real uvicorn in its own process.

    A process, not a thread: other tests in the same pytest run import Locust, whose gevent
    monkey-patching turns threads into greenlets, and uvicorn's event loop would then block
    the test itself.
    """
    db_path = str(tmp_path / "concurrent.db")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, db_path, str(port), *sorted(defects)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "uvicorn exited at start-up"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        db = Database(db_path)
        try:
            yield f"http://127.0.0.1:{port}", db
        finally:
            db.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class _Response:
    def __init__(self, status: int, headers, content: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, content


def _pay(base: str, key: str, barrier: threading.Barrier) -> _Response:
    headers = signed_headers("POST", "/tribble/payments", BODY, ts=int(time.time()), **{"Idempotency_Key": key})
    request = urllib.request.Request(base + "/tribble/payments", data=BODY, headers=headers, method="POST")
    barrier.wait(timeout=30)  # release all requests at once
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            response = _Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        response = _Response(e.code, e.headers, e.read())
    response.nonce = headers["X-Nonce"]
    return response


def _fire(base: str, key: str) -> list[_Response]:
    barrier = threading.Barrier(N)
    with ThreadPoolExecutor(max_workers=N) as pool:
        return list(pool.map(lambda _: _pay(base, key, barrier), range(N)))


def test_fifty_concurrent_retries_make_one_charge(tmp_path):
    with serve(tmp_path) as (base, db):
        responses = _fire(base, "order-42")
        assert [r.status_code for r in responses] == [201] * N
        ids = {json.loads(r.content)["id"] for r in responses}
        assert len(ids) == 1
        replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
        assert len(replayed) == N - 1
        assert all(response_signature_ok(r, r.nonce) for r in responses)
        assert db.one("SELECT COUNT(*) FROM tribble_payments")[0] == 1
        assert all(item["ok"] for item in audit(db))


@pytest.mark.parametrize("defects", [{"tribble_double_charge"}])
def test_the_same_burst_double_charges_when_idempotency_is_broken(tmp_path, defects):
    with serve(tmp_path, defects=frozenset(defects)) as (base, db):
        responses = _fire(base, "order-43")
        assert all(r.status_code == 201 for r in responses)
        assert db.one("SELECT COUNT(*) FROM tribble_payments")[0] == N
        checks = {item["name"]: item["ok"] for item in audit(db)}
        assert checks["tribble_idempotency_single_charge"] is False
