"""The OpenAPI paths and the API doc cover every route; random bodies never produce a 500."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadlib.sandbox.tribble import openapi_paths
from loadlib.sandbox.tribble.app import ENDPOINTS

DOC = (Path(__file__).resolve().parents[4] / "docs" / "api" / "tribble.md").read_text()

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=10), children, max_size=3), max_leaves=8)


def test_openapi_has_every_route_with_its_method():
    paths = openapi_paths()
    for ep in ENDPOINTS:
        operation = paths[ep.path][ep.method.lower()]
        assert operation["responses"] and operation["x-auth"] == ep.auth
    assert paths["/payments"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "amount", "currency"]


def test_api_doc_lists_every_route():
    missing = [f"{ep.method} {ep.path}" for ep in ENDPOINTS if f"`{ep.method} {ep.path}`" not in DOC]
    assert missing == []


def _fields(ep):
    return [k for k in (ep.schema or {}) if k != "required"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bodies_never_500(tribble, data):
    if not hasattr(tribble, "session"):
        tribble.session = tribble.register(merchant=True)
    ep = data.draw(st.sampled_from(ENDPOINTS))
    fields = _fields(ep)
    body = data.draw(st.one_of(
        json_values,
        st.fixed_dictionaries({}, optional={f: json_values for f in fields}) if fields else st.just({}),
        st.binary(max_size=40)))
    path = ep.path.replace("{id}", data.draw(st.sampled_from(["txn_1", "wal_1", "sub_1", "x", "usr_1", "mrc_1"])))
    # encoded here, not by httpx: newer httpx refuses NaN/Infinity, which a fuzzer must still send
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {**tribble.session["auth"], "Content-Type": "application/json"}
    r = tribble.client.request(ep.method, path, headers=headers, content=content)
    assert r.status_code < 500, (ep.method, path, body, r.text)
    assert "error" in r.json() or r.status_code < 400


NASTY = [b'{"amount": 1e999, "currency": "USD"}', b'{"amount": ' + b"9" * 400 + b', "currency": "USD"}',
         b'{"name": "\\ud800", "email": "a@b.c", "phone": "1", "password": "12345678"}',
         b'{"userId": "\\udfff", "amount": 1}', b"[" * 5000 + b"]" * 5000, b"\xff\xfe", b"null", b'"str"',
         b'{"amount": NaN, "currency": "USD"}', b'{"timestamp": 1e308, "userId": "u", "amount": 1}',
         b'{"userId": 1' + b"0" * 300 + b', "amount": 1}']


def test_nasty_bodies_never_500_on_any_body_taking_endpoint(tribble):
    auth = tribble.register(merchant=True)["auth"]
    for ep in ENDPOINTS:
        if ep.body not in ("object", "optional"):
            continue
        path = ep.path.replace("{id}", "txn_1")
        for body in NASTY:
            r = tribble.client.request(ep.method, path, content=body,
                                       headers={**auth, "content-type": "application/json"})
            assert r.status_code < 500, (ep.path, body[:40], r.status_code, r.text)
            assert r.status_code < 400 or "error" in r.json()
