"""Bad input never produces a 500: property-based requests over every path in /openapi.json.

Hypothesis draws an operation from the sandbox's own OpenAPI document (plus unknown
paths), then a method (often the wrong one), path and query values, a body (schema-shaped
with wrong types, arbitrary JSON, malformed bytes or oversized) and auth headers
(missing, wrong or valid). The TestClient re-raises any unhandled exception, and every
answer must be a status below 500.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadlib.sandbox.app import create_app
from loadlib.sandbox.config import SandboxConfig

from .conftest import TestClient

MAX_BODY = 4096
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
CFG_KEYS = SandboxConfig(db_path=":memory:")
VALID_SECRETS = [CFG_KEYS.escrow_api_key, *CFG_KEYS.rsolv_api_keys, *CFG_KEYS.tribble_api_keys]


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    cfg = SandboxConfig(db_path=str(tmp_path_factory.mktemp("fuzz") / "sandbox.db"), max_body_bytes=MAX_BODY)
    with TestClient(create_app(cfg)) as client:
        client.post("/fluxgate/init", json={"productId": "iphone-15", "quantity": 5})
        yield client


@pytest.fixture(scope="module")
def operations(app_client: Any) -> list[tuple[str, str, dict[str, Any]]]:
    doc = app_client.get("/openapi.json").json()
    ops = [(path, method.upper(), op) for path, item in doc["paths"].items() for method, op in item.items()
           if method.upper() in METHODS]
    assert len(ops) > 30  # every system contributed
    return ops


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                         st.floats(allow_nan=False), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=10)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


def value_for(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly right-typed values (so requests get past parsing) and sometimes anything at all."""
    kind = schema.get("type")
    right: st.SearchStrategy[Any]
    if "enum" in schema:
        right = st.sampled_from(schema["enum"])
    elif kind == "integer":
        right = st.integers(min_value=-(2**64), max_value=2**64)
    elif kind == "number":
        right = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False))
    elif kind == "boolean":
        right = st.booleans()
    elif kind == "array":
        right = st.lists(value_for(schema.get("items", {})), max_size=4)
    elif kind == "object":
        right = body_for(schema)
    else:
        right = st.text(max_size=60)
    return st.one_of(right, right, json_values)


def body_for(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    props = schema.get("properties", {})
    if not props:
        return st.dictionaries(st.text(max_size=10), json_values, max_size=4)
    return st.fixed_dictionaries({}, optional={name: value_for(s) for name, s in props.items()})


def raw_body(op: dict[str, Any]) -> st.SearchStrategy[bytes | None]:
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return st.one_of(
        st.none(),
        body_for(schema).map(lambda b: json.dumps(b).encode()),
        json_values.map(lambda b: json.dumps(b).encode()),
        st.binary(max_size=100),
        st.sampled_from([b"{", b'{"a": }', b"\xff\xfe", b"null", b"[]", b'"x"', b" "]),
        st.just(b"x" * (MAX_BODY + 1)),
    )


def segment() -> st.SearchStrategy[str]:
    return st.one_of(st.integers(-5, 2**70).map(str), st.sampled_from(["1", "2", "iphone-15", "pos_x", "cus_test_1"]),
                     st.text(min_size=1, max_size=20)).map(lambda s: urllib.parse.quote(s, safe=""))


@st.composite
def requests(draw: st.DrawFn, ops: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    if draw(st.integers(0, 9)) == 0:  # unknown routes
        path = "/" + "/".join(draw(st.lists(segment(), min_size=1, max_size=4)))
        return {"method": draw(st.sampled_from(METHODS)), "url": path, "content": draw(raw_body({})), "headers": {}}
    template, method, op = draw(st.sampled_from(ops))
    if draw(st.integers(0, 5)) == 0:
        method = draw(st.sampled_from(METHODS))
    path = re.sub(r"\{[^}]+\}", lambda _m: draw(segment()), template)
    query = {}
    headers: dict[str, str] = {}
    for param in op.get("parameters", []):
        if param.get("in") == "query" and draw(st.booleans()):
            query[param["name"]] = draw(st.one_of(st.integers(-3, 2**40).map(str), header_text))
        elif param.get("in") == "header" and draw(st.integers(0, 3)):
            headers[param["name"]] = draw(st.one_of(st.sampled_from(VALID_SECRETS), header_text))
    if draw(st.booleans()):
        headers["content-type"] = draw(st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]))
    url = path + ("?" + urllib.parse.urlencode(query) if query else "")
    return {"method": method, "url": url, "content": draw(raw_body(op)), "headers": headers}


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_no_request_gets_a_500(app_client: Any, operations: list, data: st.DataObject) -> None:
    request = data.draw(requests(operations))
    response = app_client.request(request["method"], request["url"], content=request["content"],
                                  headers=request["headers"], follow_redirects=False)
    assert response.status_code < 500, (request, response.status_code, response.text[:300])
    if request["content"] is not None and len(request["content"]) > MAX_BODY:
        assert response.status_code == 413
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        assert "error" in response.json()


def test_the_fuzzer_reaches_every_system(app_client: Any, operations: list) -> None:
    prefixes = {path.split("/")[1] for path, _m, _o in operations}
    assert {"mina", "escrow", "fluxgate", "rsolv"} <= prefixes
