"""Flux-Gate: init, orders, idempotency, sold out, waiting room, queries, defects and audit."""

from __future__ import annotations

import pytest


def order(client, key, product="iphone-15", user="u1"):
    return client.post("/fluxgate/order", json={"productId": product, "userId": user},
                       headers={"x-idempotency-key": key}, follow_redirects=False)


@pytest.fixture
def sale(client):
    assert client.post("/fluxgate/init", json={"productId": "iphone-15", "quantity": 3}).status_code == 200
    return client


def test_init_sets_stock(client):
    r = client.post("/fluxgate/init", json={"productId": "iphone-15", "quantity": 100})
    assert r.status_code == 200
    assert r.json() == {"productId": "iphone-15", "stock": 100, "initial": 100}
    assert client.get("/fluxgate/products/iphone-15").json() == {"productId": "iphone-15", "stock": 100,
                                                                 "initial": 100, "sold": 0}


def test_orders_until_sold_out(sale):
    accepted = [order(sale, f"k{i}", user=f"u{i}") for i in range(3)]
    assert [r.status_code for r in accepted] == [200, 200, 200]
    assert all(r.json()["status"] == "accepted" and r.json()["replayed"] is False for r in accepted)
    sold_out = order(sale, "k4", user="u4")
    assert sold_out.status_code == 409
    assert sold_out.json()["error"] == "sold out"
    assert sale.get("/fluxgate/orders", params={"productId": "iphone-15"}).json() == {"productId": "iphone-15",
                                                                                      "count": 3}
    assert sale.get("/fluxgate/products/iphone-15").json()["stock"] == 0


def test_same_idempotency_key_returns_the_same_order(sale):
    first = order(sale, "same")
    again = order(sale, "same")
    assert first.status_code == again.status_code == 200
    assert again.json()["orderId"] == first.json()["orderId"]
    assert again.json()["replayed"] is True
    assert sale.get("/fluxgate/orders", params={"productId": "iphone-15"}).json()["count"] == 1
    assert sale.get("/fluxgate/products/iphone-15").json()["stock"] == 2


def test_same_key_with_a_different_body_is_422(sale):
    order(sale, "k", user="alice")
    r = order(sale, "k", user="bob")
    assert r.status_code == 422


def test_reinit_resets_orders(sale):
    order(sale, "k1")
    sale.post("/fluxgate/init", json={"productId": "iphone-15", "quantity": 5})
    assert sale.get("/fluxgate/products/iphone-15").json() == {"productId": "iphone-15", "stock": 5,
                                                               "initial": 5, "sold": 0}


@pytest.mark.parametrize(("body", "headers", "status"), [
    ({"productId": "iphone-15", "userId": "u"}, {}, 400),  # no idempotency key
    ({"productId": "iphone-15"}, {"x-idempotency-key": "k"}, 422),
    ({"productId": 7, "userId": "u"}, {"x-idempotency-key": "k"}, 422),
    ({"productId": "unknown", "userId": "u"}, {"x-idempotency-key": "k"}, 404),
])
def test_order_rejections(sale, body, headers, status):
    assert sale.post("/fluxgate/order", json=body, headers=headers).status_code == status


@pytest.mark.parametrize("body", [{"productId": "p"}, {"productId": "p", "quantity": -1},
                                  {"productId": "p", "quantity": "5"}, {"productId": "p", "quantity": 1.5},
                                  {"productId": "", "quantity": 1}])
def test_init_rejections(client, body):
    assert client.post("/fluxgate/init", json=body).status_code == 422


def test_malformed_json_is_400(client):
    r = client.post("/fluxgate/init", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "malformed JSON" in r.json()["error"]
    assert client.post("/fluxgate/init", json=[1, 2]).status_code == 400


def test_queries_reject_unknowns(client):
    assert client.get("/fluxgate/products/nope").status_code == 404
    assert client.get("/fluxgate/orders").status_code == 400


def test_admission_rate_redirects_to_the_waiting_room(make_client):
    client = make_client(fluxgate_admission_rate=5)
    client.post("/fluxgate/init", json={"productId": "iphone-15", "quantity": 1000})
    statuses = [order(client, f"k{i}", user=f"u{i}").status_code for i in range(30)]
    assert statuses.count(200) >= 5
    assert statuses.count(302) >= 15
    redirected = next(order(client, f"r{i}") for i in range(50) if order(client, f"r{i}").status_code == 302)
    assert redirected.headers["location"] == "/fluxgate/waiting-room"
    room = client.get("/fluxgate/waiting-room")
    assert room.status_code == 200 and room.headers["retry-after"] == "1"
    assert client.get("/audit").json()["ok"] is True


def test_oversell_defect_is_caught_by_the_audit(make_client):
    client = make_client(defects={"fluxgate_oversell"})
    client.post("/fluxgate/init", json={"productId": "p", "quantity": 1})
    assert [order(client, f"k{i}", product="p").status_code for i in range(3)] == [200, 200, 200]
    audit = client.get("/audit").json()
    assert audit["ok"] is False
    failed = [i for i in audit["invariants"] if not i["ok"]]
    assert [i["name"] for i in failed] == ["orders <= stock per product"]
    assert "sold 3 of 1" in failed[0]["detail"]


def test_ignore_idempotency_defect_is_caught_by_the_audit(make_client):
    client = make_client(defects={"fluxgate_ignore_idempotency"})
    client.post("/fluxgate/init", json={"productId": "p", "quantity": 5})
    order(client, "dup", product="p")
    order(client, "dup", product="p")
    failed = [i["name"] for i in client.get("/audit").json()["invariants"] if not i["ok"]]
    assert failed == ["no idempotency key with two orders"]
