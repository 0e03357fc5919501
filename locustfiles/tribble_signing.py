"""Tribble 03 - request signing (seed 000, 03_request_signing_test.js).

Valid signed requests (with AES-256-GCM encrypted responses, decrypted and
verified) and every invalid variant, each of which must be rejected with the
spec's code: a rejection passes, an acceptance fails the request.

| variant           | expected answer               |
|-------------------|-------------------------------|
| tampered body     | 401 bad_signature             |
| tampered signature| 401 bad_signature             |
| stale timestamp   | 401 stale_timestamp           |
| reused nonce      | 409 nonce_reused (2nd send)   |

Custom metrics: ``signature_generation_duration``, ``signature_verification_duration``
and ``decryption_duration`` (ms, client-side crypto cost), ``invalid_signature_rejected``
``response_signature_valid`` and ``tampered_response_detected`` (Rates: a response with one
changed byte must fail verification), ``nonce_collisions`` (Counter, must stay 0).

    locust -f locustfiles/tribble_signing.py --headless      # profile signing-load
"""

from __future__ import annotations

import json
import time

from _tribble import API_SECRET, TribbleUser, error_is
from locust import task

from loadlib import Counter, Rate, Trend, check, default_profile
from loadlib.protocols import new_nonce, verify_response
from loadlib.users import Reply

default_profile("signing-load")

signature_generation_duration = Trend("signature_generation_duration", time=True)
signature_verification_duration = Trend("signature_verification_duration", time=True)
decryption_duration = Trend("decryption_duration", time=True)
invalid_signature_rejected = Rate("invalid_signature_rejected")
response_signature_valid = Rate("response_signature_valid")
nonce_collisions = Counter("nonce_collisions")
tampered_response_detected = Rate("tampered_response_detected")

STALE_BY_S = 301 + 300  # well outside the ±300 s window
_seen_nonces: set[str] = set()  # this process's nonces in the server's 600 s memory


def _record(r: Reply) -> None:
    if "sign_ms" in r.timings:
        signature_generation_duration.add(r.timings["sign_ms"])
    if "verify_ms" in r.timings:
        signature_verification_duration.add(r.timings["verify_ms"])
    if "decrypt_ms" in r.timings:
        decryption_duration.add(r.timings["decrypt_ms"])
    if r.status:
        response_signature_valid.add(r.error != "response_signature_invalid")


def _flip_hex(s: str) -> str:
    return s[:-1] + ("0" if s[-1] != "0" else "1")


class TribbleSigning(TribbleUser):
    def on_start(self) -> None:
        nonce_collisions.add(0)

    def _fresh_nonce(self) -> str:
        nonce = new_nonce()  # 128 fresh random bits (never from the seeded stream)
        if nonce in _seen_nonces:
            nonce_collisions.add(1)
        _seen_nonces.add(nonce)
        if len(_seen_nonces) > 200_000:
            _seen_nonces.clear()
        return nonce

    def _payload(self) -> dict:
        m = self.data.merchant()
        return {"transaction_id": f"txn_{self.data.hex(8)}", "status": "succeeded",
                "amount": self.data.amount(), "currency": self.data.currency(), "merchant_id": m.id}

    @task(6)
    def valid_encrypted(self) -> None:
        body = self._payload()
        nonce = self._fresh_nonce()
        r = self.signed("POST", "/signed/echo?status=201", json=body, encrypt=True, nonce=nonce,
                        name="POST /signed/echo (encrypted)", expect=(201,))
        _record(r)
        check(r, {"valid signature accepted": lambda r: r.status == 201,
                  "response signature valid": lambda r: r.error != "response_signature_invalid",
                  "decrypted body round-trips": lambda r: r.json == body})
        if r.ok:
            # the seed's "tampered response": one changed byte must break the signature
            raw = bytes(r.response.content or b"")
            tampered = raw[:-2] + (b"A" if raw[-2:-1] != b"A" else b"B") + raw[-1:]
            detected = not verify_response(API_SECRET.value, r.status, nonce, r.headers, tampered)
            tampered_response_detected.add(detected)
            check(r, {"tampered response detected": lambda r: detected})
        if r.status == 409:
            nonce_collisions.add(1)

    @task(2)
    def valid_plain(self) -> None:
        r = self.signed("GET", "/signed/echo", nonce=self._fresh_nonce(), name="GET /signed/echo", expect=(200,))
        _record(r)
        check(r, {"valid signature accepted": lambda r: r.status == 200 and r.get("ok") is True})

    def _invalid(self, variant: str, expect: int, code: str, **kwargs: object) -> None:
        r = self.signed("POST", "/signed/echo", json=self._payload(), name=f"POST /signed/echo ({variant})",
                        expect=(expect,), validate=error_is(code), **kwargs)  # type: ignore[arg-type]
        _record(r)
        rejected = r.status == expect and r.error_code == code
        invalid_signature_rejected.add(rejected, tags={"variant": variant})
        check(r, {f"{variant} rejected": lambda r: rejected})

    @task(1)
    def tampered_body(self) -> None:
        def tamper(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
            doc = json.loads(body)
            doc["amount"] = doc["amount"] + 1
            return headers, json.dumps(doc).encode()
        self._invalid("tampered body", 401, "bad_signature", tamper=tamper, nonce=self._fresh_nonce())

    @task(1)
    def tampered_signature(self) -> None:
        def tamper(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
            return {**headers, "X-Signature": _flip_hex(headers["X-Signature"])}, body
        self._invalid("tampered signature", 401, "bad_signature", tamper=tamper, nonce=self._fresh_nonce())

    @task(1)
    def stale_timestamp(self) -> None:
        self._invalid("stale timestamp", 401, "stale_timestamp", timestamp=int(time.time()) - STALE_BY_S,
                      nonce=self._fresh_nonce())

    @task(1)
    def reused_nonce(self) -> None:
        nonce = self._fresh_nonce()
        first = self.signed("GET", "/signed/echo", nonce=nonce, name="GET /signed/echo", expect=(200,))
        _record(first)
        if first.status != 200:
            return
        r = self.signed("GET", "/signed/echo", nonce=nonce, name="GET /signed/echo (reused nonce)",
                        expect=(409,), validate=error_is("nonce_reused"))
        _record(r)
        rejected = r.status == 409 and r.error_code == "nonce_reused"
        invalid_signature_rejected.add(rejected, tags={"variant": "reused nonce"})
        check(r, {"reused nonce rejected": lambda r: rejected})
