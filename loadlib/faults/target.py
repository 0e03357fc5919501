"""A fault-injecting HTTP target on loopback: one path per way a target can misbehave.

    >>> with FaultTarget() as t:            # doctest: +SKIP
    ...     t.url("/reset")                 # 'http://127.0.0.1:40123/reset'

Or as a process: ``python -m loadlib.faults.target --port 0`` prints its base URL
(then the TLS URL and the refused URL) on stdout, one per line, and serves until killed.

Paths (plain HTTP/1.1, keep-alive on the healthy ones):

==================  ==============================================================  ============
path                what the target does                                            error kind
==================  ==============================================================  ============
``/ok``             200, a small JSON body                                          (success)
``/reset``          starts a response, then closes with RST (SO_LINGER 0)           reset
``/stall``          reads the request, never answers (until ``?s=`` seconds, 30)    timeout
``/drip``           200 whose body arrives one byte every ``?every=`` s (0.2),      timeout when the drip
                    ``?n=`` bytes (20)                                              outlasts the timeout
``/status/NNN``     answers status NNN with a JSON error body                       http_4xx / http_5xx
``/burst``          5xx bursts: requests 1-5 of every 10 get 503, the rest 200      http_5xx
``/badjson``        200 ``application/json`` that does not parse                    bad_body
``/truncated``      Content-Length 100, 20 bytes, then FIN                          bad_body
``/wronglength``    Content-Length shorter than the JSON body sent                  bad_body
TLS ``tls_url``     a TLS listener with a fresh self-signed (untrusted) certificate tls
``refused_url``     a loopback port nobody listens on                               connect_refused
``dns_url``         ``http://something.invalid/`` (reserved: never resolves)        dns
==================  ==============================================================  ============

Threads, not gevent: the target runs beside a test or as its own process.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import ipaddress
import json
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DNS_URL = "http://something.invalid/ok"
MAX_STALL_S = 30.0
_OK_BODY = b'{"ok": true}'


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 (no CA trusts it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "loadlib fault target")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _closed_port() -> int:
    """A loopback port that refuses connections (bound, never listened on, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _response(status: int, body: bytes, *, ctype: str = "application/json", length: int | None = None,
              close: bool = False) -> bytes:
    reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "X")
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body) if length is None else length}\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n")
    return head.encode() + body


class FaultTarget:
    """The target: ``start()`` binds its listeners, ``stop()`` closes everything (also a context manager)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._stop = threading.Event()
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._burst_n = 0
        self.hits: dict[str, int] = {}  # path -> requests seen (tests compare with the generator's counts)
        self.refused_port = 0
        self.tls_port = 0
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    # -- urls ------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def tls_url(self) -> str:
        return f"https://{self.host}:{self.tls_port}/ok"

    @property
    def refused_url(self) -> str:
        return f"http://{self.host}:{self.refused_port}/ok"

    dns_url = DNS_URL

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> FaultTarget:
        plain = self._listen(self.port)
        self.port = plain.getsockname()[1]
        self._tmp = tempfile.TemporaryDirectory(prefix="loadlib-faults-")
        cert, key = _self_signed(Path(self._tmp.name))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        tls = self._listen(0)
        self.tls_port = tls.getsockname()[1]
        self.refused_port = _closed_port()
        self._spawn(self._accept_loop, plain, None)
        self._spawn(self._accept_loop, tls, ctx)
        return self

    def stop(self) -> None:
        self._stop.set()
        for s in self._socks:
            with contextlib.suppress(OSError):
                s.close()
        for t in self._threads:
            t.join(timeout=2)
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> FaultTarget:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listen(self, port: int) -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, port))
        s.listen(512)
        s.settimeout(0.2)
        self._socks.append(s)
        return s

    def _spawn(self, fn: Any, *args: Any) -> None:
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _accept_loop(self, listener: socket.socket, ctx: ssl.SSLContext | None) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn, ctx), daemon=True).start()

    # -- one connection ------------------------------------------------------------------------------------
    def _serve(self, conn: socket.socket, ctx: ssl.SSLContext | None) -> None:
        conn.settimeout(MAX_STALL_S)
        try:
            if ctx is not None:
                try:
                    conn = ctx.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client rejected our certificate: that is the fault
            buf = b""
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, _, buf = buf.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = 0
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v.strip() or 0)
                while len(buf) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                buf = buf[length:]
                target = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
                if not self._answer(conn, target):
                    return
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _answer(self, conn: socket.socket, target: str) -> bool:
        """Send the path's answer; False when the connection must end."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1

        def arg(name: str, default: float) -> float:
            try:
                return float(query[name][0])
            except (KeyError, ValueError, IndexError):
                return default

        if path == "/ok":
            conn.sendall(_response(200, _OK_BODY))
            return True
        if path == "/reset":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Le")
            time.sleep(0.05)  # let the client start reading the body
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False  # close() now sends RST
        if path == "/stall":
            self._stop.wait(min(arg("s", MAX_STALL_S), MAX_STALL_S))
            return False
        if path == "/drip":
            n, every = int(arg("n", 20)), arg("every", 0.2)
            conn.sendall(_response(200, b"", ctype="text/plain", length=n))
            for _ in range(n):
                if self._stop.wait(every):
                    return False
                conn.sendall(b"x")
            return True
        if path.startswith("/status/"):
            try:
                status = int(path.rsplit("/", 1)[1])
            except ValueError:
                status = 400
            conn.sendall(_response(status, json.dumps({"error": f"status_{status}"}).encode()))
            return True
        if path == "/burst":
            with self._lock:
                i = self._burst_n
                self._burst_n += 1
            if i % 10 < 5:
                conn.sendall(_response(503, b'{"error": "overloaded"}'))
            else:
                conn.sendall(_response(200, _OK_BODY))
            return True
        if path == "/badjson":
            conn.sendall(_response(200, b'{"ok": tru'))
            return True
        if path == "/truncated":
            conn.sendall(_response(200, b'{"items": [1, 2, 3, 4', length=100, close=True))
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)
            return False
        if path == "/wronglength":
            body = json.dumps({"items": list(range(20))}).encode()
            conn.sendall(_response(200, body, length=len(body) // 2, close=True))
            return False
        conn.sendall(_response(404, b'{"error": "not_found"}'))
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadlib.faults.target", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port for the plain HTTP listener (0: a free one)")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("--host must be a loopback address")
    target = FaultTarget(args.host, args.port).start()
    print(target.base_url, flush=True)
    print(target.tls_url, flush=True)
    print(target.refused_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        target.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
