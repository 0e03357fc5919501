"""k6's timing breakdown from real ``locust --headless`` runs against a loopback keep-alive server.

Both clients (FastHttpUser, HttpUser), plain HTTP and TLS (self-signed
certificate, verification off). The profile carries seed 000's thresholds
``http_req_connecting: p(95)<100`` and ``http_req_tls_handshaking: p(95)<200``.

This file is also the target server: ``python -m tests.integration.test_timings PORT [CERT KEY]``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.support import LOCUST, child_env, free_port, process, run_locust, wait_http

pytestmark = pytest.mark.integration

NAMES = ("http_req_blocked", "http_req_connecting", "http_req_tls_handshaking", "http_req_sending",
         "http_req_waiting", "http_req_receiving")
SERVER_DELAY_S = 0.01  # the server's think time: it must show up in http_req_waiting

LOCUSTFILE = '''
import urllib3
from locust import FastHttpUser, HttpUser, constant, task

import loadlib  # noqa: F401  (the plugin)

urllib3.disable_warnings()


class Fast(FastHttpUser):
    wait_time = constant(0.02)
    insecure = True  # self-signed loopback certificate

    @task
    def slow(self):
        self.client.get("/slow")


class Http(HttpUser):
    wait_time = constant(0.02)

    def on_start(self):
        self.client.verify = False  # self-signed loopback certificate

    @task
    def slow(self):
        self.client.get("/slow")
'''

PROFILE = '''
description = "timings test: 3 users for ~4 s, seed 000's connection thresholds"
stages = [
  { duration = "1s", target = 3 },
  { duration = "3s", target = 3 },
]

[thresholds]
http_req_failed = ["rate<0.05"]
http_req_connecting = ["p(95)<100"]
http_req_tls_handshaking = ["p(95)<200"]
'''


def make_cert(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cryptography), written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def serve(port: int, cert: str | None = None, key: str | None = None) -> None:
    """HTTP/1.1 keep-alive server on 127.0.0.1 (TLS when given a certificate)."""
    import ssl
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        # Headers and body are two writes: with Nagle on, the body waits for the client's delayed ACK
        # (~40 ms, which http_req_receiving duly shows); this test wants the receiving phase small.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/slow":
                time.sleep(SERVER_DELAY_S)
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    httpd.serve_forever()


def run(tmp_path: Path, user: str, tls: bool) -> tuple[Any, Any, str]:
    locustfile = tmp_path / "timed.py"
    locustfile.write_text(textwrap.dedent(LOCUSTFILE))
    profile = tmp_path / "timings.toml"
    profile.write_text(PROFILE)
    port = free_port()
    args = [sys.executable, "-m", "tests.integration.test_timings", str(port)]
    if tls:
        args += [str(p) for p in make_cert(tmp_path)]
    scheme = "https" if tls else "http"
    with process(args, log=tmp_path / "server.log"):
        if tls:
            import ssl

            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            _wait_tls(f"{scheme}://127.0.0.1:{port}/", ctx)
        else:
            wait_http(f"{scheme}://127.0.0.1:{port}/")
        summary, snap = tmp_path / "summary.json", tmp_path / "snap.json"
        proc = run_locust(["-f", str(locustfile), user, "--headless", "--load-profile", str(profile),
                           "--host", f"{scheme}://127.0.0.1:{port}", "--summary-export", str(summary)],
                          env=child_env(LOADLIB_DEBUG_SNAPSHOT=str(snap)), timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return json.loads(summary.read_text())["metrics"], json.loads(snap.read_text())["metrics"], out


def _wait_tls(url: str, ctx: Any, timeout: float = 30.0) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2, context=ctx) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("user", ["Fast", "Http"])
def test_breakdown_per_client(tmp_path: Path, user: str, tls: bool) -> None:
    summary, snap, out = run(tmp_path, user, tls)
    for name in NAMES:  # the k6 summary export carries every phase, with the profile's thresholds judged
        assert name in summary, name
        assert name in out  # and the end-of-test text summary shows it
    assert summary["http_req_connecting"]["thresholds"] == {"p(95)<100": False}  # k6: false = not crossed
    assert summary["http_req_tls_handshaking"]["thresholds"] == {"p(95)<200": False}

    reqs = snap["http_reqs"]["count"]
    assert reqs >= 30, reqs
    for name in NAMES:
        assert snap[name]["count"] == reqs, name  # one sample per request
    conn, tls_hs, blocked = snap["http_req_connecting"], snap["http_req_tls_handshaking"], snap["http_req_blocked"]
    # Keep-alive: each of the 3 users connects once, every later request reuses its connection.
    assert conn["med"] == 0.0 and conn["p(90)"] == 0.0, conn
    assert conn["max"] > 0.0, conn
    assert blocked["max"] >= conn["max"]  # blocked contains connecting and TLS, as in k6
    assert blocked["med"] < 1.0  # reused: a pool lookup
    if tls:
        assert tls_hs["max"] > 0.0 and tls_hs["med"] == 0.0, tls_hs
    else:
        assert tls_hs["max"] == 0.0, tls_hs
    # The server's 10 ms think time is waiting, not sending or receiving.
    assert snap["http_req_waiting"]["med"] >= SERVER_DELAY_S * 1000 * 0.9, snap["http_req_waiting"]
    assert snap["http_req_sending"]["med"] < SERVER_DELAY_S * 1000 / 2
    assert snap["http_req_receiving"]["med"] < SERVER_DELAY_S * 1000 / 2
    # k6: http_req_duration = sending + waiting + receiving (per request, so also on average).
    parts = sum(snap[n]["avg"] for n in ("http_req_sending", "http_req_waiting", "http_req_receiving"))
    assert snap["http_req_duration"]["avg"] == pytest.approx(parts, rel=1e-6, abs=1e-6)


def test_distributed_master_gets_the_workers_breakdown(tmp_path: Path) -> None:
    """Workers measure; the master's merged snapshot has every phase, one sample per request."""
    locustfile = tmp_path / "timed.py"
    locustfile.write_text(textwrap.dedent(LOCUSTFILE))
    profile = tmp_path / "timings.toml"
    profile.write_text(PROFILE)
    port, bus = free_port(), free_port()
    dump = tmp_path / "master.json"
    with process([sys.executable, "-m", "tests.integration.test_timings", str(port)], log=tmp_path / "server.log"):
        wait_http(f"http://127.0.0.1:{port}/")
        master = [LOCUST, "-f", str(locustfile), "Fast", "--headless", "--load-profile", str(profile),
                  "--host", f"http://127.0.0.1:{port}", "--master", "--master-bind-host", "127.0.0.1",
                  "--master-bind-port", str(bus), "--expect-workers", "1"]
        worker = [LOCUST, "-f", str(locustfile), "Fast", "--worker", "--master-host", "127.0.0.1",
                  "--master-port", str(bus)]
        with process(master, env=child_env(LOADLIB_DEBUG_SNAPSHOT=str(dump)), log=tmp_path / "master.log") as m, \
                process(worker, log=tmp_path / "worker.log") as w:
            code = m.wait(timeout=120)
            w.wait(timeout=30)
    assert code == 0, (tmp_path / "master.log").read_text()[-4000:]
    snap = json.loads(dump.read_text())["metrics"]
    reqs = snap["http_reqs"]["count"]
    assert reqs >= 30
    for name in NAMES:
        assert snap[name]["count"] == reqs, name
    assert snap["http_req_connecting"]["max"] > 0.0 and snap["http_req_connecting"]["med"] == 0.0
    assert snap["http_req_waiting"]["med"] >= SERVER_DELAY_S * 1000 * 0.9


def test_shipped_load_profile_no_longer_misses_the_metrics(tmp_path: Path) -> None:
    """Seed 000's profiles threshold http_req_connecting / tls_handshaking: they exist now (was exit 104)."""
    summary = tmp_path / "summary.json"
    proc = run_locust(["-f", "locustfiles/demo.py", "--headless", "--load-profile", "load", "--time-scale", "0.002",
                       "--summary-export", str(summary)], timeout=180)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 104 and "no metric named" not in out, out[-4000:]
    assert proc.returncode in (0, 99), out[-4000:]  # 99 only if the compressed run misses count>1000
    metrics = json.loads(summary.read_text())["metrics"]
    assert "p(95)<100" in metrics["http_req_connecting"]["thresholds"]
    assert "p(95)<200" in metrics["http_req_tls_handshaking"]["thresholds"]
    assert metrics["http_req_waiting"]["max"] > 0.0


if __name__ == "__main__":
    serve(int(sys.argv[1]), *sys.argv[2:4])
