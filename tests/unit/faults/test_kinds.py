"""classify(): the same failure gets the same kind from geventhttpclient, requests and plain sockets."""

from __future__ import annotations

import socket
import ssl

import pytest
import requests
import urllib3.exceptions as u3
from geventhttpclient.response import HTTPParseError
from geventhttpclient.useragent import RetriesExceeded

from loadlib.faults import ERROR_KINDS, RequestTimeout, classify


class CatchResponseError(Exception):
    """Locust's (imported here it would monkey-patch ssl after requests imported it)."""


class _Resp:
    def __init__(self, status: int = 0, error: BaseException | None = None) -> None:
        self.status_code, self.error = status, error


def _wrapped(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as e:
            raise outer from e
    except BaseException as e:
        return e


def _requests_refused() -> BaseException:
    conn = _wrapped(u3.NewConnectionError(None, "Failed to establish a new connection"),  # type: ignore[arg-type]
                    ConnectionRefusedError(111, "Connection refused"))
    return requests.exceptions.ConnectionError(u3.MaxRetryError(None, "/ok", conn))  # type: ignore[arg-type]


CASES = [
    (ConnectionRefusedError(111, "Connection refused"), None, "connect_refused"),
    (_requests_refused(), None, "connect_refused"),  # urllib3's NewConnectionError subclasses ConnectTimeoutError
    (ConnectionResetError(104, "Connection reset by peer"), None, "reset"),
    (requests.exceptions.ConnectionError(u3.ProtocolError("Connection aborted.",
                                                          ConnectionResetError(104, "reset"))), None, "reset"),
    (RetriesExceeded("http://x/stall", 0, original=TimeoutError("timed out")), None, "timeout"),
    (requests.exceptions.ReadTimeout("Read timed out. (read timeout=1.0)"), None, "timeout"),
    (RequestTimeout("request timed out after 1 s"), None, "timeout"),
    (ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), None, "tls"),
    (requests.exceptions.SSLError("HTTPSConnectionPool: Max retries exceeded"), None, "tls"),
    (socket.gaierror(-2, "Name or service not known"), None, "dns"),
    (requests.exceptions.ConnectionError(u3.NameResolutionError("something.invalid", None,  # type: ignore[arg-type]
                                                                socket.gaierror(-2, "x"))), None, "dns"),
    (HTTPParseError("Data after `Connection: close`", 5), None, "bad_body"),
    (requests.exceptions.ChunkedEncodingError(u3.ProtocolError(
        "Connection broken: IncompleteRead(21 bytes read, 79 more expected)")), None, "bad_body"),
    (CatchResponseError("bad_body: invalid JSON (10 bytes)"), _Resp(200), "bad_body"),
    (CatchResponseError("unexpected status 503; expected 200"), _Resp(503), "http_5xx"),
    (CatchResponseError("unexpected status 404; expected 200"), _Resp(404), "http_4xx"),
    (CatchResponseError("no response: ..."), _Resp(0, ConnectionRefusedError(111, "refused")), "connect_refused"),
    (CatchResponseError("timeout: the script says so"), _Resp(200), "timeout"),
    (CatchResponseError("signature does not match"), _Resp(200), "unknown"),
    (None, _Resp(502), "http_5xx"),
    (ValueError("something else"), None, "unknown"),
]


@pytest.mark.parametrize(("exc", "response", "kind"), CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_classify(exc: BaseException | None, response: object, kind: str) -> None:
    assert classify(exc, response) == kind
    assert kind in ERROR_KINDS


def test_transport_error_wins_over_status_and_message() -> None:
    # a 200 status line followed by a reset body is a reset, whatever the script wrote
    assert classify(CatchResponseError("unexpected"), _Resp(200, ConnectionResetError(104, "x"))) == "reset"


def test_kinds_are_stable_words() -> None:
    assert ERROR_KINDS == ("connect_refused", "reset", "timeout", "tls", "dns", "http_4xx", "http_5xx", "bad_body",
                           "unknown")
