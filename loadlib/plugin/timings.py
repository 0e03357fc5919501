"""Hub module: timings. k6's per-request timing breakdown, measured inside Locust's two HTTP clients.

k6's Trends ``http_req_blocked``, ``http_req_connecting``,
``http_req_tls_handshaking``, ``http_req_sending``, ``http_req_waiting`` and
``http_req_receiving`` (all in ms, ``contains=time``) are recorded by
``loadlib.plugin.metrics.on_request`` for every request event, with the same
tags as ``http_req_duration``; this module measures them.

How: at import, a few client methods are wrapped once (no per-request setup).
Each wrapper adds its phase to a small list stashed on the current greenlet
(``getcurrent()._loadlib_t``); Locust fires the ``request`` event in that same
greenlet, and the metrics listener takes the stash (``take()`` removes it, so a
stash is consumed once). A redirect or a client retry adds to the same stash.

What each phase is, per client (``dur`` is Locust's response time):

==================  =====================================================  ================================================
phase               FastHttpUser (geventhttpclient)                        HttpUser (requests / urllib3)
==================  =====================================================  ================================================
connecting          ``ConnectionPool._connect_socket``: TCP connect        ``HTTPConnection._new_conn``: TCP connect
tls_handshaking     ``SSLConnectionPool._connect_socket`` minus connect    ``HTTPSConnection.connect`` minus ``_new_conn``
blocked             ``get_socket``: pool wait + DNS + connect + TLS        ``_get_conn`` + ``connect`` (DNS, connect, TLS)
sending             from getting the socket to the start of reading        ``HTTPConnection.request`` minus any connect in it
waiting             ``_read_headers``: until the response headers parsed   ``HTTPConnection.getresponse``: status + headers
receiving           the rest of ``dur - blocked``: body read, client work  the same
==================  =====================================================  ================================================

k6 semantics kept: ``blocked`` contains ``connecting`` and ``tls_handshaking``
(k6 measures it from asking for a connection to getting one); on a reused
keep-alive connection ``connecting`` and ``tls_handshaking`` are 0 and
``blocked`` is the pool lookup (both clients check an idle socket with a
zero-timeout select, which yields to gevent's loop: µs on an idle generator,
up to ~1 ms on a busy one); and
``http_req_duration = sending + waiting + receiving = dur - blocked`` (k6's
duration leaves the connection setup out, Locust's response time includes it).

Honest approximations: ``waiting`` runs to the end of the response headers,
not to the first byte (for a small response both arrive in one read, so the
body lands in ``waiting`` too); ``receiving`` is the remainder, so it also holds
the client's own request preparation (URL, headers; a few µs); DNS is inside
``blocked`` (as in k6, which has no DNS metric). A request event without a stash
(another client or protocol firing ``request``) records its whole time as
``waiting`` and 0 for every other phase. A request made inside a
``catch_response`` block before that block closes is folded into the outer one.

    >>> from loadlib.plugin import timings
    >>> timings.phases(None, 12.0)          # no stash: everything is waiting
    (0.0, 0.0, 0.0, 0.0, 12.0, 0.0)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from time import perf_counter
from typing import Any

from gevent import getcurrent

NAMES = ("http_req_blocked", "http_req_connecting", "http_req_tls_handshaking", "http_req_sending",
         "http_req_waiting", "http_req_receiving")
ATTR = "_loadlib_t"

# Stash slots (seconds, perf_counter): a list, not a dataclass, because it is touched on the hot path.
POOL, CONNECT, TLS, SEND, WAIT, GOT = range(6)


def _stash() -> list[float] | None:
    """The current greenlet's stash, created on first use; None where a greenlet takes no attributes."""
    try:
        d = getcurrent().__dict__
    except AttributeError:  # pragma: no cover - gevent's and greenlet's greenlets both have one
        return None
    s = d.get(ATTR)
    if s is None:
        s = d[ATTR] = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    return s


def take(g: Any) -> list[float] | None:
    """Remove and return greenlet ``g``'s stash (None when nothing was measured)."""
    d = getattr(g, "__dict__", None)
    return d.pop(ATTR, None) if d else None


def phases(stash: list[float] | None, response_time_ms: float) -> tuple[float, float, float, float, float, float]:
    """(blocked, connecting, tls_handshaking, sending, waiting, receiving) in ms for one request.

    ``receiving`` is what is left of ``response_time_ms`` once the other phases
    are taken out, so ``sending + waiting + receiving == response_time_ms - blocked``.

        >>> phases([0.0, 0.002, 0.003, 0.001, 0.004, 0.0], 20.0)
        (5.0, 2.0, 3.0, 1.0, 4.0, 10.0)
    """
    total = float(response_time_ms or 0.0)
    if stash is None:
        return 0.0, 0.0, 0.0, 0.0, total, 0.0
    connecting = stash[CONNECT] * 1000.0
    tls = stash[TLS] * 1000.0
    blocked = min(total, stash[POOL] * 1000.0 + connecting + tls)
    sending = stash[SEND] * 1000.0
    waiting = stash[WAIT] * 1000.0
    rest = total - blocked
    if sending + waiting > rest:  # clock granularity / a phase outside Locust's timer: keep the sum exact
        waiting = max(0.0, rest - sending)
        sending = rest - waiting
    return blocked, connecting, tls, sending, waiting, rest - sending - waiting


# -- wrappers ------------------------------------------------------------------------------------------------

def _timed_setup(original: Callable[..., Any], slot: int) -> Callable[..., Any]:
    """Wrap a connection-setup step: its time (minus nested setup steps) goes to ``slot``."""

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        s = _stash()
        if s is None:
            return original(*args, **kwargs)
        inner = s[CONNECT] + s[TLS] + s[POOL]
        t0 = perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            # A failed connect still took its time, as in k6.
            s[slot] += perf_counter() - t0 - (s[CONNECT] + s[TLS] + s[POOL] - inner)

    wrapper._loadlib_timed = True  # type: ignore[attr-defined]
    return wrapper


def _ghc_get_socket(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_socket(self: Any) -> Any:
        s = _stash()
        if s is None:
            return original(self)
        inner = s[CONNECT] + s[TLS]
        t0 = perf_counter()
        sock = original(self)
        s[GOT] = t = perf_counter()
        s[POOL] += t - t0 - (s[CONNECT] + s[TLS] - inner)
        return sock

    get_socket._loadlib_timed = True  # type: ignore[attr-defined]
    return get_socket


def _ghc_read_headers(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def _read_headers(self: Any, pre_buffered: bytes = b"") -> None:
        s = getattr(getcurrent(), "__dict__", {}).get(ATTR)
        t0 = perf_counter()
        try:
            original(self, pre_buffered)
        finally:
            if s is not None and s[GOT]:
                s[SEND] += t0 - s[GOT]  # the request was written between getting the socket and now
                s[GOT] = 0.0
                s[WAIT] += perf_counter() - t0

    _read_headers._loadlib_timed = True  # type: ignore[attr-defined]
    return _read_headers


def _urllib3_request(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def request(*args: Any, **kwargs: Any) -> Any:
        s = _stash()
        if s is None:
            return original(*args, **kwargs)
        setup = s[CONNECT] + s[TLS] + s[POOL]
        t0 = perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            s[SEND] += perf_counter() - t0 - (s[CONNECT] + s[TLS] + s[POOL] - setup)

    request._loadlib_timed = True  # type: ignore[attr-defined]
    return request


def _urllib3_getresponse(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def getresponse(*args: Any, **kwargs: Any) -> Any:
        s = _stash()
        if s is None:
            return original(*args, **kwargs)
        t0 = perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            s[WAIT] += perf_counter() - t0

    getresponse._loadlib_timed = True  # type: ignore[attr-defined]
    return getresponse


def _patch(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = owner.__dict__.get(name)
    if original is None or getattr(original, "_loadlib_timed", False):
        return  # not defined here (a client version we don't know) or already wrapped
    setattr(owner, name, make(original))


def install() -> None:
    """Wrap the clients' connect / TLS / send / response-header steps (idempotent)."""
    try:
        from geventhttpclient import connectionpool as ghc_pool
        from geventhttpclient import response as ghc_response
    except ImportError:  # pragma: no cover - locust depends on it
        pass
    else:
        _patch(ghc_pool.ConnectionPool, "get_socket", _ghc_get_socket)
        _patch(ghc_pool.ConnectionPool, "_connect_socket", lambda f: _timed_setup(f, CONNECT))
        _patch(ghc_pool.SSLConnectionPool, "_connect_socket", lambda f: _timed_setup(f, TLS))
        _patch(ghc_response.HTTPSocketResponse, "_read_headers", _ghc_read_headers)
    try:
        from urllib3 import connection as u3_conn
        from urllib3 import connectionpool as u3_pool
    except ImportError:  # pragma: no cover - locust depends on requests
        return
    _patch(u3_pool.HTTPConnectionPool, "_get_conn", lambda f: _timed_setup(f, POOL))
    _patch(u3_conn.HTTPConnection, "_new_conn", lambda f: _timed_setup(f, CONNECT))
    _patch(u3_conn.HTTPSConnection, "connect", lambda f: _timed_setup(f, TLS))
    _patch(u3_conn.HTTPConnection, "request", _urllib3_request)
    _patch(u3_conn.HTTPConnection, "getresponse", _urllib3_getresponse)


def register(events: Any) -> None:
    """Wrap the clients once; ``loadlib.plugin.metrics.on_request`` records the phases."""
    install()
