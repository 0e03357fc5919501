"""Why a request failed, as one stable word: the ``error_kind`` tag on ``http_reqs``/``http_req_failed``.

    >>> classify(ConnectionRefusedError(111, "Connection refused"))
    'connect_refused'
    >>> classify(None, status=503)
    'http_5xx'
    >>> classify(Exception("bad_body: invalid JSON"))
    'bad_body'

The same failure gets the same kind from FastHttpUser (geventhttpclient) and
HttpUser (requests): the exception, everything it wraps (``__cause__``,
``__context__``, ``.original``, ``.reason``, exception ``args``) and the
response's transport ``error`` are searched by type first, then by message.
A response a script failed on purpose (``response.failure("...")``) gets the
kind its message starts with (``"timeout: ..."``, ``"bad_body: ..."``), else
its HTTP status class, else ``unknown``.
"""

from __future__ import annotations

import socket
import ssl
import zlib
from collections.abc import Iterator
from typing import Any

CONNECT_REFUSED = "connect_refused"
RESET = "reset"
TIMEOUT = "timeout"
TLS = "tls"
DNS = "dns"
HTTP_4XX = "http_4xx"
HTTP_5XX = "http_5xx"
BAD_BODY = "bad_body"
UNKNOWN = "unknown"

ERROR_KINDS: tuple[str, ...] = (CONNECT_REFUSED, RESET, TIMEOUT, TLS, DNS, HTTP_4XX, HTTP_5XX, BAD_BODY, UNKNOWN)

# type names from libraries we do not import here (requests, urllib3, geventhttpclient, gevent, json)
_NAMED: dict[str, str] = {
    "NameResolutionError": DNS,
    "LocationParseError": DNS,
    "SSLError": TLS,
    "CertificateError": TLS,
    "ConnectTimeout": TIMEOUT,
    "ReadTimeout": TIMEOUT,
    "ConnectTimeoutError": TIMEOUT,
    "ReadTimeoutError": TIMEOUT,
    "Timeout": TIMEOUT,
    "RequestTimeout": TIMEOUT,
    "IncompleteRead": BAD_BODY,
    "ChunkedEncodingError": BAD_BODY,
    "ContentDecodingError": BAD_BODY,
    "InvalidChunkLength": BAD_BODY,
    "HTTPParseError": BAD_BODY,
    "JSONDecodeError": BAD_BODY,
    "DecodeError": BAD_BODY,
}

# wrappers whose own type says nothing (urllib3's NewConnectionError even subclasses ConnectTimeoutError):
# look at what they wrap instead
_OPAQUE = frozenset({"NewConnectionError", "MaxRetryError", "ProtocolError", "RetriesExceeded"})

# message fragments, for errors that arrive as text only (checked after every type)
_PHRASES: tuple[tuple[str, str], ...] = (
    ("name or service not known", DNS),
    ("temporary failure in name resolution", DNS),
    ("nodename nor servname", DNS),
    ("failed to resolve", DNS),
    ("getaddrinfo failed", DNS),
    ("certificate verify failed", TLS),
    ("[ssl", TLS),
    ("ssl error", TLS),
    ("connection refused", CONNECT_REFUSED),
    ("connection reset", RESET),
    ("connection aborted", RESET),
    ("broken pipe", RESET),
    ("timed out", TIMEOUT),
    ("timeout", TIMEOUT),
    ("incompleteread", BAD_BODY),
    ("incomplete read", BAD_BODY),
    ("truncated", BAD_BODY),
    ("content-length", BAD_BODY),
    ("invalid json", BAD_BODY),
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps, breadth first, each once."""
    seen: set[int] = set()
    queue: list[Any] = [exc]
    while queue:
        e = queue.pop(0)
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        queue.extend((e.__cause__, e.__context__, getattr(e, "original", None), getattr(e, "reason", None),
                      getattr(e, "error", None)))
        queue.extend(a for a in e.args if isinstance(a, BaseException))


def _by_type(e: BaseException) -> str | None:
    if isinstance(e, socket.gaierror):
        return DNS
    if isinstance(e, ssl.SSLError | ssl.CertificateError):
        return TLS
    if isinstance(e, ConnectionRefusedError):
        return CONNECT_REFUSED
    if isinstance(e, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
        return RESET
    if isinstance(e, TimeoutError):  # socket.timeout is TimeoutError
        return TIMEOUT
    if isinstance(e, zlib.error):
        return BAD_BODY
    for cls in type(e).__mro__:
        if cls.__name__ in _OPAQUE:
            return None
        kind = _NAMED.get(cls.__name__)
        if kind is not None:
            return kind
    return None


def _by_text(text: str) -> str | None:
    head = text.split(":", 1)[0].strip()
    if head in ERROR_KINDS:  # a script's own "kind: reason" (response.failure("timeout: ..."))
        return head
    low = text.lower()
    for phrase, kind in _PHRASES:
        if phrase in low:
            return kind
    return None


def _status_kind(status: int) -> str | None:
    if 400 <= status < 500:
        return HTTP_4XX
    if status >= 500:
        return HTTP_5XX
    return None


def classify(exception: BaseException | None, response: Any = None, *, status: int | None = None) -> str:
    """The error kind of one failed request (see the module docstring); ``unknown`` when nothing fits."""
    if status is None:
        try:
            status = int(getattr(response, "status_code", 0) or 0)
        except (TypeError, ValueError):
            status = 0
    errors = [e for e in (getattr(response, "error", None), exception) if isinstance(e, BaseException)]
    for root in errors:  # the transport error first: it says what happened on the wire
        for e in _chain(root):
            kind = _by_type(e)
            if kind is not None:
                return kind
    # A script's explicit kind prefix wins over the status class ("bad_body: ..." on a 200).
    for root in errors:
        kind = _by_text(str(root)) if str(root).split(":", 1)[0].strip() in ERROR_KINDS else None
        if kind is not None:
            return kind
    kind = _status_kind(status)
    if kind is not None:
        return kind
    for root in errors:
        for e in _chain(root):
            kind = _by_text(f"{type(e).__name__}: {e}")
            if kind is not None:
                return kind
    return UNKNOWN
