"""escrowgrid: auth, policy rejections, the lifecycle, listing, health and metrics."""

from __future__ import annotations

import pytest

KEY = {"X-API-KEY": "escrow_test_key"}
GOOD = {"assetId": "ast_constr_escrow_123", "holderReference": "LOAD_TEST_1", "currency": "USD", "amount": 10000}


def create(client, **changes):
    return client.post("/escrow/positions", json={**GOOD, **changes}, headers=KEY)


def move(client, position_id, to_state):
    return client.post(f"/escrow/positions/{position_id}/transition", json={"toState": to_state, "reason": "t"},
                       headers=KEY)


def test_create_position(client):
    r = create(client)
    assert r.status_code == 201
    body = r.json()
    assert body["id"].startswith("pos_") and body["state"] == "CREATED"
    assert {k: body[k] for k in GOOD} == GOOD
    assert body["history"] == [{"fromState": None, "toState": "CREATED", "reason": "created", "at": body["createdAt"]}]
    assert client.get(f"/escrow/positions/{body['id']}", headers=KEY).json() == body


@pytest.mark.parametrize("headers", [{}, {"X-API-KEY": "wrong"}])
def test_auth_required(client, headers):
    assert client.post("/escrow/positions", json=GOOD, headers=headers).status_code == 401
    assert client.get("/escrow/positions/pos_x", headers=headers).status_code == 401
    assert client.post("/escrow/positions/pos_x/transition", json={"toState": "FUNDED"},
                       headers=headers).status_code == 401


@pytest.mark.parametrize(("changes", "code"), [
    ({"assetId": "ast_unknown"}, "UNKNOWN_ASSET"),
    ({"currency": "XXX"}, "UNSUPPORTED_CURRENCY"),
    ({"amount": 1_000_001}, "AMOUNT_OVER_LIMIT"),
    ({"amount": 0}, "INVALID_AMOUNT"),
])
def test_policy_rejections(client, changes, code):
    r = create(client, **changes)
    assert r.status_code == 422
    assert r.json()["code"] == code


@pytest.mark.parametrize("changes", [{"amount": "10"}, {"amount": None}, {"currency": 5}, {"holderReference": ""}])
def test_malformed_fields_are_422(client, changes):
    assert create(client, **changes).status_code == 422


def test_lifecycle_to_released_through_partial(client):
    pid = create(client).json()["id"]
    for state in ("FUNDED", "PARTIALLY_RELEASED", "RELEASED"):
        r = move(client, pid, state)
        assert r.status_code == 200 and r.json()["state"] == state
    final = client.get(f"/escrow/positions/{pid}", headers=KEY).json()
    assert final["releasedAmount"] == 10000
    assert [h["toState"] for h in final["history"]] == ["CREATED", "FUNDED", "PARTIALLY_RELEASED", "RELEASED"]


@pytest.mark.parametrize("path", [["CANCELLED"], ["FUNDED", "CANCELLED"], ["FUNDED", "RELEASED"]])
def test_legal_paths(client, path):
    pid = create(client).json()["id"]
    assert [move(client, pid, s).status_code for s in path] == [200] * len(path)


@pytest.mark.parametrize(("path", "illegal"), [
    ([], "RELEASED"), ([], "PARTIALLY_RELEASED"), ([], "CREATED"), (["FUNDED"], "FUNDED"),
    (["FUNDED", "RELEASED"], "CANCELLED"), (["CANCELLED"], "FUNDED"), (["FUNDED", "PARTIALLY_RELEASED"], "CANCELLED"),
])
def test_illegal_transitions_are_409(client, path, illegal):
    pid = create(client).json()["id"]
    for state in path:
        move(client, pid, state)
    r = move(client, pid, illegal)
    assert r.status_code == 409
    assert r.json()["code"] == "ILLEGAL_TRANSITION"
    assert r.json()["toState"] == illegal


def test_transition_rejections(client):
    pid = create(client).json()["id"]
    assert move(client, "pos_unknown", "FUNDED").status_code == 404
    r = move(client, pid, "ARCHIVED")
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_STATE"
    assert client.post(f"/escrow/positions/{pid}/transition", json={}, headers=KEY).status_code == 422
    assert client.get("/escrow/positions/pos_unknown", headers=KEY).status_code == 404


def test_listing_filters(client):
    a = create(client, holderReference="h-a").json()["id"]
    create(client, holderReference="h-b")
    move(client, a, "FUNDED")
    funded = client.get("/escrow/positions", params={"state": "FUNDED"}, headers=KEY).json()
    assert [p["id"] for p in funded["positions"]] == [a]
    assert client.get("/escrow/positions", params={"holderReference": "h-b"}, headers=KEY).json()["count"] == 1
    assert client.get("/escrow/positions", params={"state": "BOGUS"}, headers=KEY).status_code == 400
    assert client.get("/escrow/positions", params={"limit": "x"}, headers=KEY).status_code == 400


def test_health_ready_and_metrics(client):
    assert client.get("/escrow/health").json() == {"status": "ok"}
    assert client.get("/escrow/ready").json()["status"] == "ready"
    create(client)
    create(client, amount=10**9)
    text = client.get("/escrow/metrics").text
    assert 'escrow_http_requests_total{method="POST",route="/positions",status="201"} 1' in text
    assert 'escrow_http_requests_total{method="POST",route="/positions",status="422"} 1' in text
    assert 'escrow_http_request_duration_seconds_count{method="POST",route="/positions"} 2' in text
    assert 'escrow_positions{state="CREATED"} 1' in text


def test_illegal_transition_defect_is_caught_by_the_audit(make_client):
    client = make_client(defects={"escrow_accept_illegal_transition"})
    pid = create(client).json()["id"]
    assert move(client, pid, "RELEASED").status_code == 200
    audit = client.get("/audit").json()
    failed = [i for i in audit["invariants"] if not i["ok"]]
    assert [i["name"] for i in failed] == ["no position in an impossible state"]
    assert pid in failed[0]["detail"]
