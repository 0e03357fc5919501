"""The sandbox as a real process: URL announcement, concurrency on uvicorn, temp DB, audit CLI."""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT, VENV_BIN, child_env, free_port, wait_http

pytestmark = pytest.mark.integration

URL_PREFIX = "LOADLIB_SANDBOX_URL="


@contextlib.contextmanager
def sandbox(*extra: str, env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[str]:
    """``python -m loadlib.sandbox --port 0``; yields the URL it announces on stdout."""
    proc = subprocess.Popen([sys.executable, "-m", "loadlib.sandbox", "--port", "0", *extra], cwd=ROOT,
                            env=env or child_env(), stdout=subprocess.PIPE,
                            stderr=open(log, "wb") if log else subprocess.DEVNULL)  # noqa: SIM115
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline().decode()), daemon=True)
        reader.start()
        reader.join(30)
        assert line and line[0].startswith(URL_PREFIX), f"no URL line; got {line!r}"
        yield line[0].strip()[len(URL_PREFIX):]
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        assert proc.returncode == 0, f"sandbox exited with {proc.returncode}"


def call(url: str, method: str, path: str, body: dict | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else {}
    finally:
        conn.close()


def concurrently(n: int, fn) -> list:
    """Run ``fn(i)`` on n threads released together by a barrier; return results in order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = fn(i)
        except Exception as exc:  # recorded, asserted below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_announces_url_and_serves(tmp_path):
    ready = tmp_path / "ready"
    with sandbox("--ready-file", str(ready)) as url:
        assert url.startswith("http://127.0.0.1:")
        assert ready.read_text().strip() == URL_PREFIX + url
        status, body = call(url, "GET", "/health")
        assert status == 200 and {"mina", "escrow", "fluxgate", "rsolv"} <= set(body["systems"])


def test_200_concurrent_orders_against_stock_100_accept_exactly_100():
    with sandbox() as url:
        assert call(url, "POST", "/fluxgate/init", {"productId": "iphone-15", "quantity": 100})[0] == 200

        def order(i: int) -> int:
            return call(url, "POST", "/fluxgate/order", {"productId": "iphone-15", "userId": f"u{i}"},
                        {"x-idempotency-key": f"key-{i}"})[0]

        statuses = concurrently(200, order)
        assert statuses.count(200) == 100, statuses
        assert statuses.count(409) == 100, statuses
        assert call(url, "GET", "/fluxgate/orders?productId=iphone-15") == (200, {"productId": "iphone-15",
                                                                               "count": 100})
        assert call(url, "GET", "/fluxgate/products/iphone-15")[1]["stock"] == 0
        assert call(url, "GET", "/audit")[1]["ok"] is True


def test_50_concurrent_orders_with_one_idempotency_key_make_one_order():
    with sandbox() as url:
        call(url, "POST", "/fluxgate/init", {"productId": "p", "quantity": 100})
        results = concurrently(50, lambda i: call(url, "POST", "/fluxgate/order", {"productId": "p", "userId": "u"},
                                                  {"x-idempotency-key": "same"}))
        assert all(status == 200 for status, _ in results), results
        assert len({body["orderId"] for _, body in results}) == 1
        assert call(url, "GET", "/fluxgate/orders?productId=p")[1]["count"] == 1


def test_temporary_database_is_removed_at_exit_and_db_path_is_kept(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with sandbox(env=child_env(TMPDIR=str(scratch))) as url:
        call(url, "POST", "/fluxgate/init", {"productId": "p", "quantity": 1})
        assert any(p.name.startswith("loadlib-sandbox-") for p in scratch.iterdir())
    assert list(scratch.iterdir()) == []
    db = tmp_path / "state" / "sandbox.db"
    with sandbox("--db", str(db)) as url:
        call(url, "POST", "/fluxgate/init", {"productId": "kept", "quantity": 7})
    assert db.exists()
    with sandbox("--db", str(db)) as url:
        assert call(url, "GET", "/fluxgate/products/kept")[1]["stock"] == 7


def test_unknown_defect_is_a_config_error():
    proc = subprocess.run([sys.executable, "-m", "loadlib.sandbox", "--defect", "fluxgate_oversel"], cwd=ROOT,
                          env=child_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 104
    assert "fluxgate_oversel" in proc.stderr and "did you mean 'fluxgate_oversell'" in proc.stderr
    assert "Traceback" not in proc.stderr


def audit_cli(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "loadlib"), "sandbox", "audit", "--url", url], cwd=ROOT, env=child_env(),
                          capture_output=True, text=True, timeout=60)


def test_audit_cli_passes_on_a_sound_run_and_fails_on_a_defect():
    with sandbox() as url:
        ok = audit_cli(url)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "orders <= stock per product" in ok.stdout and "FAIL" not in ok.stdout
    with sandbox("--defect", "fluxgate_oversell") as url:
        call(url, "POST", "/fluxgate/init", {"productId": "p", "quantity": 1})
        for i in range(3):
            call(url, "POST", "/fluxgate/order", {"productId": "p", "userId": "u"}, {"x-idempotency-key": f"k{i}"})
        failed = audit_cli(url)
        assert failed.returncode == 1
        row = next(line for line in failed.stdout.splitlines() if "orders <= stock" in line)
        assert row.startswith("FAIL") and "sold 3 of 1" in row


def test_loadlib_sandbox_command_serves_in_the_foreground(tmp_path):
    port = free_port()
    proc = subprocess.Popen([str(VENV_BIN / "loadlib"), "sandbox", "--port", str(port)], cwd=ROOT, env=child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/ready", timeout=30)
        assert call(f"http://127.0.0.1:{port}", "GET", "/mina/api/settings")[0] == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0
