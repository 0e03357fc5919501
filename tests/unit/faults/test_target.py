"""The fault target misbehaves exactly as documented, seen from a plain socket client."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Iterator

import pytest

from loadlib.faults.target import FaultTarget


@pytest.fixture(scope="module")
def target() -> Iterator[FaultTarget]:
    with FaultTarget() as t:
        yield t


def _get(t: FaultTarget, path: str, timeout: float = 5.0) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", t.port, timeout=timeout)
    conn.request("GET", path)
    return conn.getresponse()


def test_ok_and_status_paths(target: FaultTarget) -> None:
    assert _get(target, "/ok").read() == b'{"ok": true}'
    assert _get(target, "/status/503").status == 503
    assert _get(target, "/status/404").status == 404


def test_burst_alternates_five_failures_and_five_successes(target: FaultTarget) -> None:
    statuses = [_get(target, "/burst").status for _ in range(10)]
    assert sorted(statuses) == [200] * 5 + [503] * 5


def test_reset_is_a_tcp_rst(target: FaultTarget) -> None:
    with pytest.raises(ConnectionResetError):
        _get(target, "/reset").read()


def test_stall_never_answers(target: FaultTarget) -> None:
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        _get(target, "/stall?s=3", timeout=0.5)
    assert time.monotonic() - t0 < 2


def test_drip_takes_n_times_every(target: FaultTarget) -> None:
    t0 = time.monotonic()
    assert _get(target, "/drip?n=5&every=0.1").read() == b"xxxxx"
    assert 0.4 < time.monotonic() - t0 < 3


def test_bodies_that_lie(target: FaultTarget) -> None:
    assert _get(target, "/badjson").read() == b'{"ok": tru'
    with pytest.raises(http.client.IncompleteRead):
        _get(target, "/truncated").read()
    r = _get(target, "/wronglength")
    assert int(r.headers["Content-Length"]) < 60 and not r.read().endswith(b"}")


def test_tls_certificate_is_untrusted(target: FaultTarget) -> None:
    ctx = ssl.create_default_context()
    with socket.create_connection(("127.0.0.1", target.tls_port), timeout=5) as raw, \
            pytest.raises(ssl.SSLCertVerificationError):
        ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def test_refused_port_refuses(target: FaultTarget) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", target.refused_port), timeout=2)


def test_dns_name_is_reserved_and_fails_fast(target: FaultTarget) -> None:
    assert target.dns_url.startswith("http://something.invalid")
    t0 = time.monotonic()
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("something.invalid", 80)
    assert time.monotonic() - t0 < 5  # no resolver timeout on the way
    assert target.hits["/ok"] >= 1
