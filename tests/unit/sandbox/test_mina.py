"""Mina: seeded reads, meeting and task writes, analytics, settings, static page, health."""

from __future__ import annotations

import pytest


def test_health_and_static_page(client):
    assert client.get("/mina/health").json() == {"status": "healthy", "database": "ok"}
    for path in ("/mina/", "/mina/static/index.html"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "<h1>Mina</h1>" in r.text


def test_meetings_are_seeded_and_paginated(client):
    r = client.get("/mina/api/meetings", params={"page": 1, "per_page": 20})
    body = r.json()
    assert r.status_code == 200
    assert body["total"] == 1000 and body["pages"] == 50 and len(body["meetings"]) == 20
    dates = [m["scheduled_at"] for m in body["meetings"]]
    assert dates == sorted(dates, reverse=True)
    last = client.get("/mina/api/meetings", params={"page": 50, "per_page": 20}).json()
    assert len(last["meetings"]) == 20
    assert client.get("/mina/api/meetings", params={"page": 51}).json()["meetings"] == []


@pytest.mark.parametrize("params", [{"page": 0}, {"page": "x"}, {"per_page": 101}, {"per_page": 0}])
def test_meeting_list_rejects_bad_paging(client, params):
    r = client.get("/mina/api/meetings", params=params)
    assert r.status_code == 400 and "error" in r.json()


def test_meeting_detail_includes_its_tasks(client):
    r = client.get("/mina/api/meetings/1")
    body = r.json()
    assert r.status_code == 200 and body["id"] == 1
    assert len(body["tasks"]) == body["task_count"]
    assert all(t["meeting_id"] == 1 for t in body["tasks"])


@pytest.mark.parametrize("meeting_id", ["5000", "abc", "0", "-1", "99999999999999999999999"])
def test_unknown_meeting_is_404(client, meeting_id):
    assert client.get(f"/mina/api/meetings/{meeting_id}").status_code == 404


def test_create_and_update_meeting(client):
    r = client.post("/mina/api/meetings", json={"title": "Planning", "scheduled_at": "2026-12-01T10:00:00+02:00",
                                                "duration_minutes": 45, "participants": ["a@x.io"]})
    assert r.status_code == 201
    created = r.json()
    assert created["id"] == 1001 and created["scheduled_at"] == "2026-12-01T08:00:00Z"
    assert created["status"] == "scheduled" and created["participants"] == ["a@x.io"]
    r = client.put("/mina/api/meetings/1001", json={"status": "completed", "title": "Planning v2"})
    assert r.status_code == 200
    assert r.json()["status"] == "completed" and r.json()["duration_minutes"] == 45
    assert client.get("/mina/api/meetings/1001").json()["title"] == "Planning v2"


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": 5}, {"title": "t", "duration_minutes": 0},
                                  {"title": "t", "scheduled_at": "tomorrow"}, {"title": "t", "participants": "a"},
                                  {"title": "t", "status": "done"}])
def test_meeting_validation(client, body):
    assert client.post("/mina/api/meetings", json=body).status_code == 422


def test_update_unknown_meeting_is_404(client):
    assert client.put("/mina/api/meetings/9999", json={"title": "x"}).status_code == 404


def test_tasks_filter_by_status(client):
    body = client.get("/mina/api/tasks", params={"status": "pending"}).json()
    assert body["total"] > 0 and len(body["tasks"]) == 50
    assert {t["status"] for t in body["tasks"]} == {"pending"}
    assert client.get("/mina/api/tasks", params={"status": "bogus"}).status_code == 400
    everything = client.get("/mina/api/tasks").json()
    assert everything["total"] == 3000


def test_task_crud(client):
    r = client.post("/mina/api/tasks", json={"title": "Send notes", "meeting_id": 3, "priority": "high",
                                             "due_date": "2026-12-24"})
    assert r.status_code == 201
    task = r.json()
    assert task["status"] == "pending" and task["priority"] == "high" and task["meeting_id"] == 3
    r = client.put(f"/mina/api/tasks/{task['id']}", json={"status": "completed"})
    assert r.status_code == 200 and r.json()["status"] == "completed" and r.json()["title"] == "Send notes"
    r = client.delete(f"/mina/api/tasks/{task['id']}")
    assert r.status_code == 200 and r.json() == {"id": task["id"], "deleted": True}
    assert client.delete(f"/mina/api/tasks/{task['id']}").status_code == 404
    assert client.put(f"/mina/api/tasks/{task['id']}", json={"status": "pending"}).status_code == 404


@pytest.mark.parametrize("body", [{}, {"title": "t", "meeting_id": 99999}, {"title": "t", "status": "later"},
                                  {"title": "t", "priority": 3}, {"title": "t", "due_date": "24/12/2026"},
                                  {"title": "t", "meeting_id": True}])
def test_task_validation(client, body):
    assert client.post("/mina/api/tasks", json=body).status_code == 422


def test_dashboard(client):
    r = client.get("/mina/api/analytics/dashboard", params={"days": 7})
    body = r.json()
    assert r.status_code == 200 and body["days"] == 7
    m = body["meetings"]
    assert m["total"] == m["scheduled"] + m["completed"] + m["cancelled"]
    assert m["total"] > 0  # seeded data covers the last 60 days
    t = body["tasks"]
    assert t["total"] == 3000 and 0 <= t["completion_rate"] <= 1
    assert client.get("/mina/api/analytics/dashboard", params={"days": 0}).status_code == 400


def test_trends_has_one_entry_per_day(client):
    body = client.get("/mina/api/analytics/trends", params={"days": 30}).json()
    assert len(body["series"]) == 30
    dates = [d["date"] for d in body["series"]]
    assert dates == sorted(dates)
    assert sum(d["meetings"] for d in body["series"]) > 0
    assert sum(d["tasks_created"] for d in body["series"]) > 0
    assert client.get("/mina/api/analytics/trends", params={"days": 366}).status_code == 400


def test_settings(client):
    body = client.get("/mina/api/settings").json()
    assert body["timezone"] == "UTC" and "notifications" in body


def test_malformed_json_is_400(client):
    r = client.post("/mina/api/tasks", content=b'{"title": ', headers={"content-type": "application/json"})
    assert r.status_code == 400
