"""The root app: health, readiness, audit, OpenAPI, JSON errors and the body limit."""

from __future__ import annotations

from loadlib.sandbox.app import SYSTEMS


def test_health_lists_every_mounted_system(client):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert {"mina", "escrow", "fluxgate", "rsolv"} <= set(body["systems"])
    assert set(body["systems"]) <= set(SYSTEMS)


def test_ready(client):
    r = client.get("/ready")
    assert r.status_code == 200 and r.json()["status"] == "ready"


def test_unknown_route_is_json_404_at_root_and_inside_a_system(client):
    for path in ("/nope", "/mina/nope", "/escrow/positions/x/y/z", "/fluxgate/", "/rsolv/api/v2/x"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/json")
        assert "error" in r.json()


def test_wrong_method_is_json_405(client):
    r = client.delete("/fluxgate/init")
    assert r.status_code == 405
    assert r.json() == {"error": "method not allowed"}


def test_oversized_body_is_413_before_any_handler(make_client):
    client = make_client(max_body_bytes=1000)
    r = client.post("/fluxgate/init", content=b'{"productId": "' + b"x" * 2000 + b'", "quantity": 1}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "error" in r.json()
    assert client.get("/fluxgate/products/" + "x" * 2000).status_code == 404  # nothing was created


def test_oversized_chunked_body_without_length_is_413(make_client):
    client = make_client(max_body_bytes=1000)

    def chunks():
        for _ in range(10):
            yield b"x" * 500

    r = client.post("/fluxgate/init", content=chunks())
    assert r.status_code == 413


def test_body_within_limit_without_length_is_replayed(make_client):
    client = make_client(max_body_bytes=1000)

    def chunks():
        yield b'{"productId": "p", '
        yield b'"quantity": 3}'

    r = client.post("/fluxgate/init", content=chunks())
    assert r.status_code == 200 and r.json()["stock"] == 3


def test_openapi_document_has_every_system_prefix(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for expected in ("/health", "/audit", "/mina/api/meetings", "/mina/api/tasks/{id}", "/escrow/positions",
                     "/escrow/positions/{id}/transition", "/fluxgate/order", "/rsolv/api/webhooks/stripe"):
        assert expected in paths, expected
    for item in paths.values():
        for operation in item.values():
            assert "responses" in operation


def test_audit_on_a_fresh_sandbox_holds(client):
    doc = client.get("/audit").json()
    assert doc["ok"] is True
    names = {i["name"] for i in doc["invariants"]}
    assert {"orders <= stock per product", "no idempotency key with two orders", "no webhook event processed twice",
            "no position in an impossible state"} <= names
