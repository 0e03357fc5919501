"""The workload helpers every base user class shares (mixed into FastUser and HttpUser).

    class Payments(FastUser):
        prefix = "/tribble"                 # where this system lives on the sandbox
        base_url_env = API_BASE_URL         # env("API_BASE_URL", base_url=True)

        @task
        def pay(self):
            r = self.request_json("POST", "/payments", json={...}, expect=(201,), name="POST /payments")
            check(r, {"created": lambda r: r.status == 201})

Requests go through Locust's client with ``catch_response``, so the helper
decides success: the status must be in ``expect`` and ``validate`` (if given)
must return None; otherwise the request is recorded as failed with the reason.
Signed requests add the spec's headers, verify the response signature and
decrypt encrypted bodies (``loadlib.protocols``); a wrong signature fails the
request as ``response_signature_invalid``, a bad GCM tag as ``decrypt_failed``.
"""

from __future__ import annotations

import itertools
import json as jsonlib
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from loadlib.data import DataStream
from loadlib.faults import deadline
from loadlib.faults.kinds import HTTP_4XX, HTTP_5XX, classify
from loadlib.protocols.responses import verify_response
from loadlib.protocols.signing import new_nonce, sign_request
from loadlib.users.envvars import EnvVar
from loadlib.users.reply import Reply

if TYPE_CHECKING:  # cryptography / pyjwt load on first decrypt / token read (~10 MB a process otherwise)
    from loadlib.protocols.tokens import TokenClaims

Validator = Callable[[Reply], "str | None"]

# error codes whose answers the spec/sandbox leave unsigned (no secret to sign with, or no route)
UNSIGNED_ERRORS = frozenset({"missing_signature", "unknown_key", "not_found", "method_not_allowed"})
SIGNATURE_INVALID = "response_signature_invalid"
DECRYPT_FAILED = "decrypt_failed"

STATUS_KINDS = (HTTP_4XX, HTTP_5XX)

_COUNTERS: dict[str, itertools.count[int]] = {}


def _parse_json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return jsonlib.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _headers_of(response: Any) -> Mapping[str, str]:
    headers = getattr(response, "headers", None)
    return headers if headers is not None else {}


class WorkloadMixin:
    """Helpers on top of a Locust HTTP user; ``self.client`` is Locust's session."""

    prefix: ClassVar[str] = ""  # the system's path prefix on the sandbox, e.g. "/tribble"
    base_url_env: ClassVar[EnvVar | None] = None  # API_BASE_URL / BASE_URL / API_URL: overrides host + prefix

    client: Any
    environment: Any
    host: str | None

    # --- identity and data -------------------------------------------------
    def _init_workload(self) -> None:
        cls = type(self).__name__
        counter = _COUNTERS.setdefault(cls, itertools.count())
        runner = getattr(self.environment, "runner", None)
        self.user_index: int = next(counter)
        self.worker_index: int = int(getattr(runner, "worker_index", 0) or 0)
        self._data: DataStream | None = None  # built on first use (see ``data``)
        self.token: TokenClaims | None = None

    @property
    def data(self) -> DataStream:
        """This user's deterministic data stream (seeded by class, worker and user index).

        Built on first use: its Mersenne Twister state is ~2.5 kB, which 2,000 sleeping users that
        never draw data should not carry. Same seed, so the same values as building it up front.
        """
        d = self._data
        if d is None:
            d = self._data = DataStream(type(self).__name__, self.worker_index, self.user_index)
        return d

    @data.setter
    def data(self, value: DataStream) -> None:
        self._data = value

    @property
    def base_url(self) -> str:
        """Where this workload's paths are rooted, e.g. ``http://127.0.0.1:8080/tribble``."""
        if self.base_url_env is not None and self.base_url_env.is_set:
            return self.base_url_env.value
        return f"{(self.host or '').rstrip('/')}{self.prefix}"

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    # --- time ----------------------------------------------------------------
    @property
    def time_scale(self) -> float:
        """``--time-scale`` (1.0 when absent): think times shrink with the profile."""
        options = getattr(self.environment, "parsed_options", None)
        try:
            scale = float(getattr(options, "time_scale", 1.0) or 1.0)
        except (TypeError, ValueError):
            scale = 1.0
        return scale if scale > 0 else 1.0

    def think(self, low: float, high: float | None = None) -> float:
        """Sleep a uniform ``low``..``high`` seconds (scaled by --time-scale); returns the seconds slept."""
        import gevent

        seconds = (low if high is None else self.data.uniform(low, high)) * self.time_scale
        gevent.sleep(seconds)
        return seconds

    # --- JWT bearer auth ---------------------------------------------------------
    def use_token(self, raw: str) -> TokenClaims:
        """Remember a bearer token (claims read with pyjwt); ``bearer_headers()`` sends it."""
        from loadlib.protocols.tokens import read_token

        self.token = read_token(raw)
        return self.token

    def bearer_headers(self) -> dict[str, str]:
        if self.token is None:
            raise RuntimeError("no bearer token: call use_token() after logging in")
        from loadlib.protocols.tokens import bearer

        return bearer(self.token.raw)

    # --- requests --------------------------------------------------------------
    def request_json(self, method: str, path: str, *, json: Any = None, body: bytes | None = None,
                     headers: Mapping[str, str] | None = None, name: str | None = None,
                     expect: Collection[int] = (200, 201), validate: Validator | None = None,
                     allow_redirects: bool = True, tags: Mapping[str, str] | None = None,
                     timeout: float | None = None) -> Reply:
        """One JSON request; success iff status in ``expect``, the body parses and ``validate`` returns None.

        ``tags`` ride on the request event's ``context`` (k6's per-request ``tags``). ``timeout``
        (seconds) bounds the whole request, body included (k6's ``timeout``); default: the run's
        ``httpTimeout`` (the user's ``network_timeout``).
        """
        payload = body if body is not None else (None if json is None else jsonlib.dumps(json).encode())
        h = {"Content-Type": "application/json", "Accept": "application/json"} if payload is not None else {}
        h.update(headers or {})
        return self._send(method, path, payload, h, name, expect, validate, allow_redirects, None, tags, timeout)

    def signed_request(self, method: str, path: str, *, key: str, secret: str, json: Any = None,
                       body: bytes | None = None, headers: Mapping[str, str] | None = None,
                       name: str | None = None, expect: Collection[int] = (200, 201),
                       validate: Validator | None = None, encrypt: bool = False, verify: bool = True,
                       timestamp: int | str | None = None, nonce: str | None = None,
                       tamper: Callable[[dict[str, str], bytes], tuple[dict[str, str], bytes]] | None = None,
                       tags: Mapping[str, str] | None = None, timeout: float | None = None) -> Reply:
        """A signed request (specs/signing.md §1) with response verification and decryption.

        ``timestamp``/``nonce`` are injectable (stale timestamps, reused nonces); ``tamper``
        receives the signed headers and body and returns what is actually sent (tampered body
        or signature). ``Reply.timings`` reports sign/verify/decrypt milliseconds.
        """
        payload = body if body is not None else (b"" if json is None else jsonlib.dumps(json).encode())
        full = self.url(path)
        parts = urlsplit(full)
        wire_path = parts.path + (f"?{parts.query}" if parts.query else "")
        t0 = time.perf_counter()
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or new_nonce()
        h = {"X-Api-Key": key, "X-Timestamp": ts, "X-Nonce": nonce,
             "X-Signature": sign_request(secret, method, wire_path, ts, nonce, payload)}
        sign_ms = (time.perf_counter() - t0) * 1000
        if payload:
            h["Content-Type"] = "application/json"
        if encrypt:
            h["X-Encrypt-Response"] = "A256GCM"
        h.update(headers or {})
        if tamper is not None:
            h, payload = tamper(h, payload)
        crypto = _Crypto(secret=secret, nonce=nonce, encrypt=encrypt, verify=verify, sign_ms=sign_ms)
        return self._send(method, full, payload or None, h, name, expect, validate, True, crypto, tags, timeout)

    def _send(self, method: str, path: str, payload: bytes | None, headers: dict[str, str], name: str | None,
              expect: Collection[int], validate: Validator | None, allow_redirects: bool,
              crypto: _Crypto | None, tags: Mapping[str, str] | None = None,
              timeout: float | None = None) -> Reply:
        label = name or f"{method.upper()} {path}"
        extra = {"context": dict(tags)} if tags else {}
        with deadline(timeout if timeout is not None else getattr(self, "network_timeout", None)):
            cm = self.client.request(method.upper(), self.url(path), name=label, data=payload, headers=headers,
                                     catch_response=True, allow_redirects=allow_redirects, **extra)
        with cm as resp:
            status = int(getattr(resp, "status_code", 0) or 0)
            raw = resp.content or b""
            rheaders = _headers_of(resp)
            elapsed = float(getattr(resp, "request_meta", {}).get("response_time", 0.0) or 0.0)
            error: str | None = None
            body = raw
            timings: dict[str, float] = {}
            if crypto is not None:
                body, error, timings = crypto.open(status, rheaders, raw)
            parsed = _parse_json(body)
            wire = (getattr(resp, "request_meta", None) or {}).get("exception")
            if error is None and status == 0:
                error = f"no response: {getattr(resp, 'error', None) or 'connection failed'}"
            elif error is None and wire is not None and classify(wire, status=status) not in STATUS_KINDS:
                # the body failed on the wire after a status line (deadline, reset, short body): a failure
                error = f"{classify(wire, status=status)}: {wire}"
            elif error is None and status not in expect:
                code = parsed.get("error") if isinstance(parsed, dict) else None
                error = f"unexpected status {status}" + (f" ({code})" if code else "") + \
                    f"; expected {'/'.join(map(str, expect))}"
            reply = Reply(status=status, body=body, headers=rheaders, ok=error is None, json=parsed,
                          error=error, elapsed_ms=elapsed, response=resp, timings=timings)
            if error is None and parsed is None and body and _says_json(rheaders, headers):
                error = f"bad_body: invalid JSON ({len(body)} bytes)"
            if error is None and validate is not None:
                error = validate(reply)
            if error is None:
                resp.success()
            else:
                resp.failure(error)
                reply = Reply(status=status, body=body, headers=rheaders, ok=False, json=parsed, error=error,
                              elapsed_ms=elapsed, response=resp, timings=timings)
            return reply


def _says_json(response_headers: Mapping[str, str], request_headers: Mapping[str, str]) -> bool:
    """The response claims JSON, or the request asked for it."""
    ctype = response_headers.get("Content-Type") or response_headers.get("content-type") or ""
    accept = request_headers.get("Accept") or request_headers.get("accept") or ""
    return "json" in ctype.lower() or "json" in accept.lower()


class _Crypto:
    """Response-side work of one signed request: verify the signature, then decrypt."""

    __slots__ = ("encrypt", "nonce", "secret", "sign_ms", "verify")

    def __init__(self, *, secret: str, nonce: str, encrypt: bool, verify: bool, sign_ms: float) -> None:
        self.secret, self.nonce, self.encrypt, self.verify, self.sign_ms = secret, nonce, encrypt, verify, sign_ms

    def open(self, status: int, headers: Mapping[str, str], raw: bytes) -> tuple[bytes, str | None, dict[str, float]]:
        timings = {"sign_ms": self.sign_ms}
        if status == 0:
            return raw, None, timings
        plain = _parse_json(raw)
        code = plain.get("error") if isinstance(plain, dict) else None
        if self.verify:
            t0 = time.perf_counter()
            if headers.get("X-Response-Signature") is None and headers.get("x-response-signature") is None:
                valid = code in UNSIGNED_ERRORS
            else:
                valid = verify_response(self.secret, status, self.nonce, headers, raw)
            timings["verify_ms"] = (time.perf_counter() - t0) * 1000
            if not valid:
                return raw, SIGNATURE_INVALID, timings
        is_envelope = isinstance(plain, dict) and plain.get("alg") == "A256GCM"
        if self.encrypt and is_envelope:
            from loadlib.protocols.encryption import DecryptError, decrypt_body

            t0 = time.perf_counter()
            try:
                body = decrypt_body(self.secret, self.nonce, raw)
            except DecryptError:
                return raw, DECRYPT_FAILED, timings
            timings["decrypt_ms"] = (time.perf_counter() - t0) * 1000
            return body, None, timings
        if self.encrypt and 200 <= status < 300:
            return raw, DECRYPT_FAILED, timings  # a success must come back encrypted when asked
        return raw, None, timings
