"""The request helpers decide success the way the brief says, without sockets (a fake Locust client)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from loadlib.data import set_seed
from loadlib.protocols import encrypt_body, response_signature
from loadlib.users.base import DECRYPT_FAILED, SIGNATURE_INVALID, WorkloadMixin

SECRET = "test_secret_67890"


class FakeResponse:
    """Locust's ResponseContextManager, reduced to what the helpers use."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.status_code, self.content, self.headers = status, body, headers
        self.request_meta = {"response_time": 1.5}
        self.outcome: str | None = None

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def success(self) -> None:
        self.outcome = "success"

    def failure(self, why: str) -> None:
        self.outcome = f"failure: {why}"


class FakeClient:
    def __init__(self, answer) -> None:  # noqa: ANN001 (callable(method, url, headers, data) -> FakeResponse)
        self.answer, self.sent, self.responses = answer, [], []

    def request(self, method: str, url: str, **kw: Any) -> FakeResponse:
        self.sent.append(SimpleNamespace(method=method, url=url, **kw))
        resp = self.answer(method, url, kw.get("headers") or {}, kw.get("data") or b"")
        self.responses.append(resp)
        return resp


class User(WorkloadMixin):
    prefix = "/tribble"

    def __init__(self, answer) -> None:  # noqa: ANN001
        self.client = FakeClient(answer)
        self.environment = SimpleNamespace(runner=None, parsed_options=SimpleNamespace(time_scale=0.5))
        self.host = "http://127.0.0.1:9"
        set_seed(1)
        self._init_workload()


def signed_answer(status: int, body: bytes, *, encrypt: bool = False, wrong_sig: bool = False,
                  corrupt_tag: bool = False):  # noqa: ANN201
    def answer(method: str, url: str, headers: dict[str, str], data: bytes) -> FakeResponse:
        nonce = headers["X-Nonce"]
        payload = encrypt_body(SECRET, nonce, body) if encrypt else body
        if corrupt_tag:
            env = json.loads(payload)
            env["ciphertext"] = env["ciphertext"][:-4] + ("AAAA" if env["ciphertext"][-4:] != "AAAA" else "BBBB")
            payload = json.dumps(env).encode()
        sig = response_signature(SECRET, status + (1 if wrong_sig else 0), nonce, "1767225601", payload)
        return FakeResponse(status, payload, {"X-Response-Timestamp": "1767225601", "X-Response-Signature": sig})
    return answer


def test_json_request_success_and_unexpected_status():
    u = User(lambda m, url, h, d: FakeResponse(201, b'{"id": "txn_1"}', {}))
    r = u.request_json("POST", "/payments", json={"amount": 1}, name="POST /payments", expect=(201,))
    sent = u.client.sent[0]
    assert sent.url == "http://127.0.0.1:9/tribble/payments" and sent.name == "POST /payments"
    assert json.loads(sent.data) == {"amount": 1} and sent.catch_response is True
    assert r.ok and r.get("id") == "txn_1" and u.client.responses[0].outcome == "success"
    r = u.request_json("POST", "/payments", json={}, expect=(200,))
    assert not r.ok and "unexpected status 201" in (r.error or "")
    assert u.client.responses[1].outcome.startswith("failure: unexpected status 201")


def test_validate_turns_a_wrong_body_into_a_failure_and_tags_ride_in_context():
    u = User(lambda m, url, h, d: FakeResponse(200, b'{"status": "pending"}', {}))
    r = u.request_json("GET", "/x", tags={"kind": "api_read"},
                       validate=lambda r: None if r.get("status") == "done" else "not done")
    assert r.error == "not done" and u.client.responses[0].outcome == "failure: not done"
    assert u.client.sent[0].context == {"kind": "api_read"}


def test_signed_request_signs_the_wire_path_and_verifies_the_response():
    u = User(signed_answer(201, b'{"ok": true}'))
    r = u.signed_request("POST", "/payments?dry_run=1", key="test_key_12345", secret=SECRET, json={"a": 1},
                         expect=(201,), timestamp=1767225600, nonce="9f86d081884c7d659a2feaa0c55ad015")
    h = u.client.sent[0].headers
    from loadlib.protocols import sign_request

    assert h["X-Signature"] == sign_request(SECRET, "POST", "/tribble/payments?dry_run=1", "1767225600",
                                            "9f86d081884c7d659a2feaa0c55ad015", b'{"a": 1}')
    assert r.ok and r.json == {"ok": True} and {"sign_ms", "verify_ms"} <= set(r.timings)


def test_wrong_response_signature_fails_the_request():
    u = User(signed_answer(200, b'{"ok": true}', wrong_sig=True))
    r = u.signed_request("GET", "/signed/echo", key="k", secret=SECRET, expect=(200,))
    assert r.error == SIGNATURE_INVALID and u.client.responses[0].outcome == f"failure: {SIGNATURE_INVALID}"


def test_encrypted_response_is_decrypted_and_a_bad_tag_fails():
    u = User(signed_answer(201, b'{"transaction_id": "txn_1"}', encrypt=True))
    r = u.signed_request("POST", "/signed/echo", key="k", secret=SECRET, encrypt=True, expect=(201,))
    assert u.client.sent[0].headers["X-Encrypt-Response"] == "A256GCM"
    assert r.ok and r.json == {"transaction_id": "txn_1"} and "decrypt_ms" in r.timings
    u = User(signed_answer(201, b'{"transaction_id": "txn_1"}', encrypt=True, corrupt_tag=True))
    r = u.signed_request("POST", "/signed/echo", key="k", secret=SECRET, encrypt=True, expect=(201,))
    assert r.error == DECRYPT_FAILED


def test_unsigned_verification_rejections_are_accepted_but_other_unsigned_answers_are_not():
    u = User(lambda m, url, h, d: FakeResponse(401, b'{"error": "unknown_key"}', {}))
    r = u.signed_request("GET", "/x", key="nope", secret=SECRET, expect=(401,))
    assert r.ok and r.error_code == "unknown_key"
    u = User(lambda m, url, h, d: FakeResponse(200, b'{"ok": true}', {}))
    assert u.signed_request("GET", "/x", key="k", secret=SECRET, expect=(200,)).error == SIGNATURE_INVALID


@pytest.mark.parametrize("tamper_body", [True, False])
def test_tamper_hook_changes_what_is_sent_after_signing(tamper_body: bool):
    u = User(signed_answer(401, b'{"error": "bad_signature"}'))

    def tamper(h: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        return (h, body + b" ") if tamper_body else ({**h, "X-Signature": "0" * 64}, body)

    r = u.signed_request("POST", "/x", key="k", secret=SECRET, json={"a": 1}, tamper=tamper, expect=(401,))
    sent = u.client.sent[0]
    assert (sent.data == b'{"a": 1} ') is tamper_body and (sent.headers["X-Signature"] == "0" * 64) is not tamper_body
    assert r.ok and r.error_code == "bad_signature"


def test_base_url_env_overrides_host_and_think_scales(monkeypatch):
    from loadlib.users import envvars

    monkeypatch.setattr(envvars, "DECLARED", {})
    var = envvars.env("API_BASE_URL", base_url=True)
    monkeypatch.setenv("API_BASE_URL", "http://10.0.0.1:8080/api/")
    var._resolved = False

    class Custom(User):
        base_url_env = var

    u = Custom(lambda m, url, h, d: FakeResponse(200, b"{}", {}))
    assert u.url("/payments") == "http://10.0.0.1:8080/api/payments"
    slept = []
    monkeypatch.setattr("gevent.sleep", slept.append)
    assert u.think(2.0) == 1.0 and slept == [1.0]  # time_scale 0.5
