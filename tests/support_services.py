"""Real services for integration tests: Prometheus, InfluxDB 1.x and Chromium from Debian packages.

``ensure_binary(name, package)`` installs the package with apt when the binary
is missing (CI runs as root) and otherwise skips the test with the reason.
Each ``start_*`` is a context manager: generated config, a temp dir, free
loopback ports, a readiness wait, and the process stopped at exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import free_port, process, wait_http

APT_TIMEOUT_S = 600
_TRIED: dict[str, str | None] = {}


def ensure_binary(binary: str, package: str) -> str:
    """Path of ``binary``; apt-get installs ``package`` once if missing; ``pytest.skip`` when impossible."""
    found = shutil.which(binary)
    if found:
        return found
    if package not in _TRIED:
        _TRIED[package] = _apt_install(package)
    found = shutil.which(binary)
    if not found:
        pytest.skip(f"{binary} not available and apt-get install {package} failed: {_TRIED[package]}")
    return found


def _apt_install(package: str) -> str | None:
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine"
    if os.geteuid() != 0:
        return "apt-get needs root"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for args in (["apt-get", "install", "-y", "--no-install-recommends", package],
                 ["apt-get", "update"],
                 ["apt-get", "install", "-y", "--no-install-recommends", package]):
        r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_S)
        if args[1] == "install" and r.returncode == 0:
            return None
    return (r.stderr or r.stdout)[-300:]


def http_json(url: str, data: bytes | None = None, timeout: float = 10) -> dict:
    with urllib.request.urlopen(url, data=data, timeout=timeout) as r:
        return json.loads(r.read())


# -- Prometheus ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prometheus:
    url: str

    def query(self, promql: str) -> list[dict]:
        body = http_json(f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        assert body["status"] == "success", body
        return body["data"]["result"]

    def scalar(self, promql: str) -> float | None:
        result = self.query(promql)
        return float(result[0]["value"][1]) if result else None


@contextlib.contextmanager
def start_prometheus(targets: list[str], log_dir: Path, scrape_interval: str = "1s") -> Iterator[Prometheus]:
    binary = ensure_binary("prometheus", "prometheus")
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="prom-", dir=log_dir))
    config = log_dir / "prometheus.yml"
    config.write_text(textwrap.dedent(f"""
        global:
          scrape_interval: {scrape_interval}
          evaluation_interval: {scrape_interval}
        scrape_configs:
          - job_name: loadlib
            static_configs:
              - targets: {json.dumps(targets)}
    """))
    args = [binary, f"--config.file={config}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    with process(args, log=log_dir / "prometheus.log"):
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/-/ready", timeout=45)
        yield Prometheus(url)


# -- InfluxDB 1.x --------------------------------------------------------------------------------------

@dataclass
class Influx:
    url: str
    config: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def query(self, db: str, q: str) -> list[dict]:
        body = http_json(f"{self.url}/query?" + urllib.parse.urlencode({"db": db, "q": q, "epoch": "ms"}))
        return body["results"][0].get("series", [])

    def start(self) -> None:
        binary = ensure_binary("influxd", "influxdb")
        out = open(self.log, "ab")  # noqa: SIM115  (closed with the process)
        self.proc = subprocess.Popen([binary, "-config", str(self.config)], stdout=out, stderr=subprocess.STDOUT)
        out.close()
        wait_http(f"{self.url}/ping", timeout=45, expect=204)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None


@contextlib.contextmanager
def start_influxdb(log_dir: Path) -> Iterator[Influx]:
    binary = ensure_binary("influxd", "influxdb")
    version = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=30).stdout
    if "v1." not in version:
        pytest.skip(f"need InfluxDB 1.x, found {version.strip()!r}")
    port, rpc = free_port(), free_port()
    root = Path(tempfile.mkdtemp(prefix="influx-", dir=log_dir))
    config = root / "influxdb.conf"
    config.write_text(textwrap.dedent(f"""
        reporting-disabled = true
        bind-address = "127.0.0.1:{rpc}"
        [meta]
          dir = "{root}/meta"
        [data]
          dir = "{root}/data"
          wal-dir = "{root}/wal"
          query-log-enabled = false
        [http]
          enabled = true
          bind-address = "127.0.0.1:{port}"
          auth-enabled = false
          log-enabled = false
        [monitor]
          store-enabled = false
        [continuous_queries]
          enabled = false
        [subscriber]
          enabled = false
    """))
    influx = Influx(f"http://127.0.0.1:{port}", config, log_dir / "influxd.log")
    influx.start()
    try:
        yield influx
    finally:
        influx.stop()


# -- Chromium -----------------------------------------------------------------------------------------

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return str(shutil.which(name))
    return ensure_binary("chromium", "chromium")


def dump_dom(url: str, profile_dir: Path, budget_ms: int = 5000, timeout: float = 45) -> str:
    """The DOM of ``url`` after ``budget_ms`` of virtual time (scripts and polling ran): headless Chromium."""
    args = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", f"--virtual-time-budget={budget_ms}",
            "--dump-dom", url]
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return r.stdout


# -- a counting HTTP target -----------------------------------------------------------------------------

class Target:
    """A threaded loopback HTTP server: ``?status=N`` answers N, ``?ms=N`` sleeps first; counts requests."""

    def __init__(self) -> None:
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.count = 0
        self.arrivals: list[float] = []  # unix time of every request
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                n = int(self.headers.get("content-length") or 0)
                if n:
                    self.rfile.read(n)
                with owner.lock:
                    owner.count += 1
                    owner.arrivals.append(time.time())
                q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                if "ms" in q:
                    time.sleep(int(q["ms"][0]) / 1000)
                body = b'{"ok": true}'
                self.send_response(int(q.get("status", ["200"])[0]))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 (http.server's naming)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> Target:
        import threading

        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- a worker on its own network stack ------------------------------------------------------------------
#
# A worker in a separate network namespace has its own loopback: nothing of the host's network is
# visible. Its master and target ports are bridged through Unix sockets (files are shared across
# namespaces), so every address stays a loopback address and no routable interface is created.

def _pump(a: object, b: object) -> None:
    import socket

    src, dst = a, b
    assert isinstance(src, socket.socket) and isinstance(dst, socket.socket)
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def _serve_bridge(listener: object, connect: object) -> None:
    """Accept on ``listener`` forever; connect each client with ``connect()`` and pump both ways."""
    import socket
    import threading

    assert isinstance(listener, socket.socket)
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = connect()  # type: ignore[operator]
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def unix_to_tcp_bridge(path: str, port: int) -> object:
    """Host side (a thread): connections to Unix socket ``path`` go to 127.0.0.1:``port``."""
    import socket
    import threading

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    threading.Thread(target=_serve_bridge, daemon=True,
                     args=(listener, lambda: socket.create_connection(("127.0.0.1", port)))).start()
    return listener


def _tcp_to_unix_main(port: int, path: str) -> None:
    """Namespace side (a process): 127.0.0.1:``port`` inside the namespace -> Unix socket ``path``."""
    import socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)

    def connect() -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        return s

    _serve_bridge(listener, connect)


@contextlib.contextmanager
def network_namespace(name: str) -> Iterator[str]:
    """A fresh network namespace with only ``lo`` up; ``pytest.skip`` where ``ip netns`` is not allowed."""
    if shutil.which("ip") is None or os.geteuid() != 0:
        pytest.skip("ip netns needs the ip tool and root")
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        pytest.skip(f"ip netns add failed here: {r.stderr.strip()}")
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True, timeout=30)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


if __name__ == "__main__":  # python -m tests.support_services tcp-to-unix PORT PATH
    import sys

    if sys.argv[1:2] == ["tcp-to-unix"]:
        _tcp_to_unix_main(int(sys.argv[2]), sys.argv[3])
