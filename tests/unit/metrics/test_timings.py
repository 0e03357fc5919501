"""The timing breakdown's bookkeeping: greenlet-local stash, wrappers' arithmetic, k6's sums.

The wrappers are applied to small fake client classes driven by a fake clock,
so every phase has an exact expected value; the real clients are exercised in
tests/integration/test_timings.py.
"""

from __future__ import annotations

from typing import Any

import gevent
import pytest

from loadlib.plugin import timings


class Clock:
    """A fake perf_counter: the fake clients advance it by exact amounts (seconds)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(timings, "perf_counter", c)
    return c


def in_greenlet(fn: Any) -> Any:
    """Run ``fn`` in a fresh greenlet (each Locust user has its own) and return its result."""
    g = gevent.spawn(fn)
    g.join(timeout=10)
    assert g.successful(), g.exception
    return g.value


# -- phases(): k6's sums ---------------------------------------------------------------------------------

def test_no_stash_records_everything_as_waiting() -> None:
    assert timings.phases(None, 12.5) == (0.0, 0.0, 0.0, 0.0, 12.5, 0.0)


def test_phases_in_ms_and_duration_is_sending_waiting_receiving() -> None:
    b, c, t, s, w, r = timings.phases([0.001, 0.002, 0.003, 0.0005, 0.004, 0.0], 20.0)
    assert (c, t) == pytest.approx((2.0, 3.0))
    assert b == pytest.approx(6.0)  # blocked = pool wait + connecting + tls, as in k6
    assert (s, w) == pytest.approx((0.5, 4.0))
    assert s + w + r == pytest.approx(20.0 - b)
    assert r == pytest.approx(9.5)


def test_phases_never_exceed_the_response_time() -> None:
    # Sending + waiting measured longer than Locust's timer (clock granularity): the sum stays exact.
    b, _c, _t, s, w, r = timings.phases([0.0, 0.0, 0.0, 0.003, 0.009, 0.0], 10.0)
    assert r == 0.0 and s >= 0.0 and w >= 0.0
    assert b + s + w + r == pytest.approx(10.0)
    b, *_ = timings.phases([0.0, 0.05, 0.0, 0.0, 0.0, 0.0], 10.0)  # a connect outside the timer
    assert b == 10.0


# -- greenlet-local stash ---------------------------------------------------------------------------------

def test_stash_is_per_greenlet_and_consumed_once() -> None:
    def user(value: float) -> Any:
        s = timings._stash()
        assert s is not None
        s[timings.CONNECT] += value
        gevent.sleep(0)  # another user runs here and must not touch our stash
        assert timings._stash() is s
        g = gevent.getcurrent()
        first = timings.take(g)
        return first, timings.take(g)

    a = gevent.spawn(user, 1.0)
    b = gevent.spawn(user, 2.0)
    gevent.joinall([a, b], timeout=10)
    assert a.value[0][timings.CONNECT] == 1.0 and a.value[1] is None
    assert b.value[0][timings.CONNECT] == 2.0 and b.value[1] is None


def test_take_without_measurement_is_none() -> None:
    assert in_greenlet(lambda: timings.take(gevent.getcurrent())) is None
    assert timings.take(object()) is None  # something without __dict__


# -- geventhttpclient-shaped flow (FastHttpUser) ------------------------------------------------------------

def fake_ghc(clock: Clock) -> tuple[type, type, type]:
    class Pool:
        def __init__(self) -> None:
            self.idle: list[str] = []

        def _connect_socket(self) -> str:
            clock.tick(0.002)  # TCP connect
            return "sock"

        def get_socket(self) -> str:
            clock.tick(0.0001)  # pool lookup
            if self.idle:
                return self.idle.pop()
            return self._connect_socket()

    class SSLPool(Pool):
        def _connect_socket(self) -> str:
            sock = super()._connect_socket()
            clock.tick(0.003)  # TLS handshake
            return sock

    class Response:
        def _read_headers(self, pre_buffered: bytes = b"") -> None:
            clock.tick(0.004)  # server think time + headers

    timings._patch(Pool, "get_socket", timings._ghc_get_socket)
    timings._patch(Pool, "_connect_socket", lambda f: timings._timed_setup(f, timings.CONNECT))
    timings._patch(SSLPool, "_connect_socket", lambda f: timings._timed_setup(f, timings.TLS))
    timings._patch(Response, "_read_headers", timings._ghc_read_headers)
    return Pool, SSLPool, Response


def ghc_request(clock: Clock, pool: Any, response_cls: type) -> tuple[float, ...]:
    """One request the way geventhttpclient does it, timed the way Locust does it."""
    t0 = clock()
    sock = pool.get_socket()
    clock.tick(0.0005)  # sendall
    response_cls()._read_headers()
    clock.tick(0.001)  # body read by Locust's response.content
    pool.idle.append(sock)  # keep-alive: back to the pool
    response_time_ms = (clock() - t0) * 1000
    return timings.phases(timings.take(gevent.getcurrent()), response_time_ms) + (response_time_ms,)


def test_fasthttp_new_then_reused_connection(clock: Clock) -> None:
    _Pool, SSLPool, Response = fake_ghc(clock)
    pool = SSLPool()

    def user() -> Any:
        return ghc_request(clock, pool, Response), ghc_request(clock, pool, Response)

    first, second = in_greenlet(user)
    b, c, t, s, w, r, total = first
    assert (c, t) == pytest.approx((2.0, 3.0))
    assert b == pytest.approx(5.1)  # pool lookup + connect + TLS
    assert (s, w, r) == pytest.approx((0.5, 4.0, 1.0))
    assert s + w + r == pytest.approx(total - b)
    b, c, t, s, w, r, _total = second
    assert (c, t) == (0.0, 0.0)  # reused keep-alive connection
    assert b == pytest.approx(0.1)
    assert (s, w, r) == pytest.approx((0.5, 4.0, 1.0))


def test_fasthttp_plain_http_has_no_tls(clock: Clock) -> None:
    Pool, _SSLPool, Response = fake_ghc(clock)
    b, c, t, *_ = in_greenlet(lambda: ghc_request(clock, Pool(), Response))
    assert (c, t) == pytest.approx((2.0, 0.0)) and b == pytest.approx(2.1)


def test_failed_connect_still_counts_its_time(clock: Clock) -> None:
    class Pool:
        def _connect_socket(self) -> str:
            clock.tick(0.007)
            raise ConnectionRefusedError

    timings._patch(Pool, "_connect_socket", lambda f: timings._timed_setup(f, timings.CONNECT))

    def user() -> Any:
        with pytest.raises(ConnectionRefusedError):
            Pool()._connect_socket()
        return timings.phases(timings.take(gevent.getcurrent()), 7.0)

    b, c, _t, s, w, r = in_greenlet(user)
    assert c == pytest.approx(7.0) and b == pytest.approx(7.0) and s + w + r == pytest.approx(0.0)


# -- urllib3-shaped flow (HttpUser) ------------------------------------------------------------------------

def fake_urllib3(clock: Clock) -> tuple[type, type]:
    class Conn:
        def __init__(self) -> None:
            self.sock: str | None = None

        def _new_conn(self) -> str:
            clock.tick(0.002)
            return "sock"

        def connect(self) -> None:
            self.sock = self._new_conn()

        def request(self) -> None:
            if self.sock is None:  # http.client connects lazily, inside the send
                self.connect()
            clock.tick(0.0005)

        def getresponse(self) -> None:
            clock.tick(0.004)

    class TLSConn(Conn):
        def connect(self) -> None:
            self.sock = self._new_conn()
            clock.tick(0.003)

    class Pool:
        def __init__(self, cls: type) -> None:
            self.conn = cls()

        def _get_conn(self) -> Any:
            clock.tick(0.0001)
            return self.conn

    timings._patch(Pool, "_get_conn", lambda f: timings._timed_setup(f, timings.POOL))
    timings._patch(Conn, "_new_conn", lambda f: timings._timed_setup(f, timings.CONNECT))
    timings._patch(TLSConn, "connect", lambda f: timings._timed_setup(f, timings.TLS))
    timings._patch(Conn, "request", timings._urllib3_request)
    timings._patch(Conn, "getresponse", timings._urllib3_getresponse)
    return Pool, TLSConn


def u3_request(clock: Clock, pool: Any, tls: bool) -> tuple[float, ...]:
    t0 = clock()
    conn = pool._get_conn()
    if tls and conn.sock is None:
        conn.connect()  # urllib3 connects HTTPS up front (_validate_conn)
    conn.request()
    conn.getresponse()
    clock.tick(0.001)  # requests reads the body
    return timings.phases(timings.take(gevent.getcurrent()), (clock() - t0) * 1000)


@pytest.mark.parametrize("tls", [False, True])
def test_httpuser_new_then_reused_connection(clock: Clock, tls: bool) -> None:
    Pool, TLSConn = fake_urllib3(clock)
    pool = Pool(TLSConn if tls else TLSConn.__mro__[1])

    def user() -> Any:
        return u3_request(clock, pool, tls), u3_request(clock, pool, tls)

    first, second = in_greenlet(user)
    b, c, t, s, w, r = first
    assert (c, t) == pytest.approx((2.0, 3.0 if tls else 0.0))
    assert b == pytest.approx(0.1 + c + t)
    assert (s, w, r) == pytest.approx((0.5, 4.0, 1.0))  # a lazy connect inside request() is not sending
    b, c, t, s, w, r = second
    assert (b, c, t) == pytest.approx((0.1, 0.0, 0.0))
    assert (s, w, r) == pytest.approx((0.5, 4.0, 1.0))


# -- installation ----------------------------------------------------------------------------------------

def test_patch_wraps_once() -> None:
    class Pool:
        def get_socket(self) -> str:
            return "s"

    timings._patch(Pool, "get_socket", timings._ghc_get_socket)
    once = Pool.__dict__["get_socket"]
    timings._patch(Pool, "get_socket", timings._ghc_get_socket)
    assert Pool.__dict__["get_socket"] is once
    timings._patch(Pool, "missing", timings._ghc_get_socket)  # a client version without it: left alone
    assert "missing" not in Pool.__dict__


def test_install_wraps_the_real_clients_once() -> None:
    from geventhttpclient.connectionpool import ConnectionPool, SSLConnectionPool
    from geventhttpclient.response import HTTPSocketResponse
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool

    timings.install()
    timings.install()
    for owner, name in ((ConnectionPool, "get_socket"), (ConnectionPool, "_connect_socket"),
                        (SSLConnectionPool, "_connect_socket"), (HTTPSocketResponse, "_read_headers"),
                        (HTTPConnectionPool, "_get_conn"), (HTTPConnection, "_new_conn"),
                        (HTTPSConnection, "connect"), (HTTPConnection, "request"), (HTTPConnection, "getresponse")):
        fn = owner.__dict__[name]
        assert getattr(fn, "_loadlib_timed", False), (owner, name)
        assert not getattr(fn.__wrapped__, "_loadlib_timed", False), (owner, name)  # one layer only


# -- the metrics hub records them ------------------------------------------------------------------------

def test_metrics_hub_records_six_trends_with_k6_duration(monkeypatch: pytest.MonkeyPatch) -> None:
    from loadlib.metrics import MetricType, Registry, ValueKind
    from loadlib.plugin import metrics

    reg = Registry()
    monkeypatch.setattr(metrics, "current_registry", lambda: reg)
    monkeypatch.setattr(metrics, "_HUB", metrics._Hub())
    for name in timings.NAMES:
        d = reg.definition(name)
        assert d is not None and d.type is MetricType.TREND and d.contains is ValueKind.TIME

    def user() -> None:
        s = timings._stash()
        assert s is not None
        s[timings.CONNECT], s[timings.SEND], s[timings.WAIT] = 0.002, 0.001, 0.005
        metrics.on_request("GET", "/a", 10.0, 5)  # new connection
        metrics.on_request("GET", "/a", 10.0, 5)  # no stash: reused, nothing measured

    in_greenlet(user)
    snap = reg.snapshot(duration_s=1.0)
    stat = {n: snap.metrics[n].select().stats(("count", "max", "min")) for n in (*timings.NAMES, "http_req_duration")}
    for name in timings.NAMES:
        assert stat[name]["count"] == 2, name
    assert stat["http_req_connecting"]["max"] == pytest.approx(2.0) and stat["http_req_connecting"]["min"] == 0.0
    assert stat["http_req_duration"]["min"] == pytest.approx(8.0)  # 10 ms minus 2 ms of blocked
    assert stat["http_req_sending"]["max"] == pytest.approx(1.0)
    assert stat["http_req_receiving"]["max"] == pytest.approx(2.0)  # 10 - 2 - 1 - 5
