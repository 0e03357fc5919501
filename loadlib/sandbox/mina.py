"""Mina (seed 001): meetings, tasks, analytics and settings, read-heavy with seeded data.

1000 meetings and 3000 tasks are seeded deterministically at startup so reads
hit real rows. Contract: docs/api/mina.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.web import (
    INT,
    STR,
    ApiError,
    obj,
    op,
    path_int,
    path_param,
    query_int,
    query_param,
    read_json,
    subapp,
    utc_iso,
    want_int,
    want_str,
)

MEETING_STATUSES = ("scheduled", "completed", "cancelled")
TASK_STATUSES = ("pending", "in_progress", "completed")
PRIORITIES = ("low", "medium", "high")
SEED_MEETINGS, SEED_TASKS = 1000, 3000

SCHEMA = """
CREATE TABLE IF NOT EXISTS mina_meetings (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL, scheduled_at TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL, participants TEXT NOT NULL, status TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mina_tasks (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL,
    priority TEXT NOT NULL, meeting_id INTEGER, assignee TEXT, due_date TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    created_day TEXT GENERATED ALWAYS AS (substr(created_at, 1, 10)) VIRTUAL);
CREATE INDEX IF NOT EXISTS mina_meetings_scheduled ON mina_meetings (scheduled_at);
-- (status, id): the filtered list reads in id order without sorting; created_day: trends count from the index
CREATE INDEX IF NOT EXISTS mina_tasks_status ON mina_tasks (status, id);
CREATE INDEX IF NOT EXISTS mina_tasks_created_day ON mina_tasks (created_day);
CREATE INDEX IF NOT EXISTS mina_tasks_meeting ON mina_tasks (meeting_id);
"""

SETTINGS = {"timezone": "UTC", "language": "en", "theme": "light", "default_meeting_minutes": 30,
            "notifications": {"email": True, "reminders_minutes_before": 15}}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mina</title>
<style>body{font-family:sans-serif;margin:2rem}li{margin:.2rem 0}</style></head>
<body><h1>Mina</h1><p>Meetings, tasks and analytics (loadlib sandbox).</p>
<ul><li><a href="api/meetings">Meetings</a></li><li><a href="api/tasks?status=pending">Pending tasks</a></li>
<li><a href="api/analytics/dashboard?days=7">Dashboard</a></li><li><a href="api/settings">Settings</a></li></ul>
</body></html>
"""


@functools.lru_cache(maxsize=1)
def _seed_rows(now: dt.datetime, created: str) -> tuple[list[tuple], list[tuple]]:
    """The deterministic seed rows (cached: tests build many apps within the same hour)."""
    rng = random.Random(1)
    people = [f"{n}@example.com" for n in ("ana", "bo", "chen", "dara", "eli", "fay", "gus", "hana")]
    meetings, tasks = [], []
    for i in range(1, SEED_MEETINGS + 1):
        when = now + dt.timedelta(hours=rng.randint(-60 * 24, 30 * 24))
        status = "scheduled" if when > now else rng.choice(("completed", "completed", "cancelled"))
        meetings.append((i, f"Meeting {i}", f"Agenda for meeting {i}", when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         rng.choice((15, 30, 45, 60, 90)), json.dumps(rng.sample(people, rng.randint(2, 5))),
                         status, created, created))
    for i in range(1, SEED_TASKS + 1):
        due = (now + dt.timedelta(days=rng.randint(-30, 30))).strftime("%Y-%m-%d")
        made = (now - dt.timedelta(hours=rng.randint(0, 60 * 24))).strftime("%Y-%m-%dT%H:%M:%SZ")
        tasks.append((i, f"Task {i}", "", rng.choice(TASK_STATUSES), rng.choice(PRIORITIES),
                      rng.randint(1, SEED_MEETINGS), rng.choice(people), due, made, made))
    return meetings, tasks


def _seed(db: Database) -> None:
    if db.scalar("SELECT COUNT(*) AS n FROM mina_meetings"):
        return
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    meetings, tasks = _seed_rows(now, now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    with db.tx() as conn:
        conn.executemany("INSERT INTO mina_meetings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", meetings)
        conn.executemany("INSERT INTO mina_tasks (id, title, description, status, priority, meeting_id, assignee, "
                         "due_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tasks)


def _meeting(row: Any, task_count: int) -> dict[str, Any]:
    return {"id": row["id"], "title": row["title"], "description": row["description"],
            "scheduled_at": row["scheduled_at"], "duration_minutes": row["duration_minutes"],
            "participants": json.loads(row["participants"]), "status": row["status"], "task_count": task_count,
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


def _task(row: Any) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "title", "description", "status", "priority", "meeting_id", "assignee",
                                "due_date", "created_at", "updated_at")}


def _timestamp(body: dict[str, Any], name: str) -> str | None:
    raw = want_str(body, name, required=False, max_len=64)
    if raw is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, f"field '{name}' must be an ISO-8601 timestamp; got {raw!r}", field=name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(body: dict[str, Any], name: str) -> str | None:
    raw = want_str(body, name, required=False, max_len=32)
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ApiError(422, f"field '{name}' must be a date YYYY-MM-DD; got {raw!r}", field=name) from None


def _participants(body: dict[str, Any]) -> str | None:
    value = body.get("participants")
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 100 or not all(isinstance(p, str) and len(p) <= 254 for p in value):
        raise ApiError(422, "field 'participants' must be a list of at most 100 strings", field="participants")
    return json.dumps(value)


def _meeting_fields(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    fields = {
        "title": want_str(body, "title", required=creating, max_len=200),
        "description": want_str(body, "description", required=False, max_len=10_000),
        "scheduled_at": _timestamp(body, "scheduled_at"),
        "duration_minutes": want_int(body, "duration_minutes", required=False, minimum=1, maximum=1440),
        "participants": _participants(body),
        "status": want_str(body, "status", required=False, choices=MEETING_STATUSES),
    }
    return {k: v for k, v in fields.items() if v is not None}


def _task_fields(db: Database, body: dict[str, Any], creating: bool) -> dict[str, Any]:
    fields = {
        "title": want_str(body, "title", required=creating, max_len=200),
        "description": want_str(body, "description", required=False, max_len=10_000),
        "status": want_str(body, "status", required=False, choices=TASK_STATUSES),
        "priority": want_str(body, "priority", required=False, choices=PRIORITIES),
        "meeting_id": want_int(body, "meeting_id", required=False, minimum=1, maximum=2**62),
        "assignee": want_str(body, "assignee", required=False, max_len=254),
        "due_date": _date(body, "due_date"),
    }
    meeting = fields["meeting_id"]
    if meeting is not None and db.one("SELECT 1 FROM mina_meetings WHERE id = ?", (meeting,)) is None:
        raise ApiError(422, f"field 'meeting_id': no meeting {meeting}", field="meeting_id")
    return {k: v for k, v in fields.items() if v is not None}


def _update(db: Database, table: str, row_id: int, fields: dict[str, Any]) -> None:
    fields["updated_at"] = utc_iso()
    assignments = ", ".join(f"{k} = ?" for k in fields)  # keys come from the fixed field lists above
    with db.tx() as conn:
        if conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*fields.values(), row_id)).rowcount == 0:
            raise ApiError(404, "not found")


def build(cfg: SandboxConfig, db: Database) -> Starlette:
    db.executescript(SCHEMA)
    _seed(db)

    def load_meeting(meeting_id: int) -> dict[str, Any]:
        row = db.one("SELECT * FROM mina_meetings WHERE id = ?", (meeting_id,))
        if row is None:
            raise ApiError(404, f"meeting {meeting_id} not found")
        count = db.scalar("SELECT COUNT(*) AS n FROM mina_tasks WHERE meeting_id = ?", (meeting_id,))
        return _meeting(row, count)

    async def meetings(request: Request) -> JSONResponse:
        page = query_int(request, "page", 1, minimum=1)
        per_page = query_int(request, "per_page", 20, minimum=1, maximum=100)
        total = db.scalar("SELECT COUNT(*) AS n FROM mina_meetings")
        rows = db.query(
            "SELECT m.*, (SELECT COUNT(*) FROM mina_tasks t WHERE t.meeting_id = m.id) AS task_count "
            "FROM mina_meetings m ORDER BY scheduled_at DESC, id DESC LIMIT ? OFFSET ?",
            (per_page, (page - 1) * per_page))
        return JSONResponse({"meetings": [_meeting(r, r["task_count"]) for r in rows], "page": page,
                             "per_page": per_page, "total": total, "pages": -(-total // per_page)})

    async def meeting(request: Request) -> JSONResponse:
        meeting_id = path_int(request)
        result = load_meeting(meeting_id)
        tasks = db.query("SELECT * FROM mina_tasks WHERE meeting_id = ? ORDER BY id", (meeting_id,))
        return JSONResponse({**result, "tasks": [_task(t) for t in tasks]})

    async def create_meeting(request: Request) -> JSONResponse:
        fields = _meeting_fields(await read_json(request), creating=True)
        now = utc_iso()
        values = {"description": "", "scheduled_at": now, "duration_minutes": 30, "participants": "[]",
                  "status": "scheduled", **fields, "created_at": now, "updated_at": now}
        with db.tx() as conn:
            cursor = conn.execute(f"INSERT INTO mina_meetings ({', '.join(values)}) "
                                  f"VALUES ({', '.join('?' * len(values))})", tuple(values.values()))
        return JSONResponse(load_meeting(int(cursor.lastrowid or 0)), status_code=201)

    async def update_meeting(request: Request) -> JSONResponse:
        meeting_id = path_int(request)
        body = await read_json(request)
        load_meeting(meeting_id)
        _update(db, "mina_meetings", meeting_id, _meeting_fields(body, creating=False))
        return JSONResponse(load_meeting(meeting_id))

    def load_task(task_id: int) -> dict[str, Any]:
        row = db.one("SELECT * FROM mina_tasks WHERE id = ?", (task_id,))
        if row is None:
            raise ApiError(404, f"task {task_id} not found")
        return _task(row)

    async def tasks(request: Request) -> JSONResponse:
        status = request.query_params.get("status") or None
        if status is not None and status not in TASK_STATUSES:
            raise ApiError(400, f"unknown status {status!r}; accepted: {', '.join(TASK_STATUSES)}")
        page = query_int(request, "page", 1, minimum=1)
        per_page = query_int(request, "per_page", 50, minimum=1, maximum=100)
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        total = db.scalar(f"SELECT COUNT(*) AS n FROM mina_tasks {where}", params)
        rows = db.query(f"SELECT * FROM mina_tasks {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                        (*params, per_page, (page - 1) * per_page))
        return JSONResponse({"tasks": [_task(r) for r in rows], "total": total, "page": page, "per_page": per_page})

    async def create_task(request: Request) -> JSONResponse:
        fields = _task_fields(db, await read_json(request), creating=True)
        now = utc_iso()
        values = {"description": "", "status": "pending", "priority": "medium", **fields,
                  "created_at": now, "updated_at": now}
        with db.tx() as conn:
            cursor = conn.execute(f"INSERT INTO mina_tasks ({', '.join(values)}) "
                                  f"VALUES ({', '.join('?' * len(values))})", tuple(values.values()))
        return JSONResponse(load_task(int(cursor.lastrowid or 0)), status_code=201)

    async def update_task(request: Request) -> JSONResponse:
        task_id = path_int(request)
        body = await read_json(request)
        load_task(task_id)
        _update(db, "mina_tasks", task_id, _task_fields(db, body, creating=False))
        return JSONResponse(load_task(task_id))

    async def delete_task(request: Request) -> JSONResponse:
        task_id = path_int(request)
        with db.tx() as conn:
            if conn.execute("DELETE FROM mina_tasks WHERE id = ?", (task_id,)).rowcount == 0:
                raise ApiError(404, f"task {task_id} not found")
        return JSONResponse({"id": task_id, "deleted": True})

    async def dashboard(request: Request) -> JSONResponse:
        days = query_int(request, "days", 7, minimum=1, maximum=365)
        now = dt.datetime.now(dt.UTC)
        since = (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        until = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = db.query("SELECT status, COUNT(*) AS n, SUM(duration_minutes) AS minutes FROM mina_meetings "
                        "WHERE scheduled_at BETWEEN ? AND ? GROUP BY status", (since, until))
        by_status = {r["status"]: r["n"] for r in rows}
        total = sum(by_status.values())
        minutes = sum(r["minutes"] or 0 for r in rows)
        task_rows = db.query("SELECT status, COUNT(*) AS n FROM mina_tasks GROUP BY status")
        task_counts = {s: 0 for s in TASK_STATUSES} | {r["status"]: r["n"] for r in task_rows}
        task_total = sum(task_counts.values())
        return JSONResponse({
            "days": days,
            "meetings": {"total": total, **{s: by_status.get(s, 0) for s in MEETING_STATUSES},
                         "total_minutes": minutes, "average_duration_minutes": round(minutes / total, 1) if total else 0},
            "tasks": {"total": task_total, **task_counts,
                      "completion_rate": round(task_counts["completed"] / task_total, 4) if task_total else 0.0},
        })

    async def trends(request: Request) -> JSONResponse:
        days = query_int(request, "days", 30, minimum=1, maximum=365)
        today = dt.datetime.now(dt.UTC).date()
        first = today - dt.timedelta(days=days - 1)
        rows = db.query("SELECT substr(scheduled_at, 1, 10) AS day, COUNT(*) AS n, SUM(duration_minutes) AS minutes "
                        "FROM mina_meetings WHERE scheduled_at >= ? AND scheduled_at < ? GROUP BY day",
                        (first.isoformat(), (today + dt.timedelta(days=1)).isoformat()))
        created = db.query("SELECT created_day AS day, COUNT(*) AS n FROM mina_tasks "
                           "WHERE created_day >= ? GROUP BY created_day", (first.isoformat(),))
        meetings_by_day = {r["day"]: (r["n"], r["minutes"] or 0) for r in rows}
        tasks_by_day = {r["day"]: r["n"] for r in created}
        series = []
        for offset in range(days):
            day = (first + dt.timedelta(days=offset)).isoformat()
            n, minutes = meetings_by_day.get(day, (0, 0))
            series.append({"date": day, "meetings": n, "minutes": minutes, "tasks_created": tasks_by_day.get(day, 0)})
        return JSONResponse({"days": days, "series": series})

    async def settings(request: Request) -> JSONResponse:
        return JSONResponse(SETTINGS)

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def health(request: Request) -> JSONResponse:
        db.one("SELECT 1")
        return JSONResponse({"status": "healthy", "database": "ok"})

    return subapp([
        Route("/", page, methods=["GET"]),
        Route("/static/index.html", page, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/api/meetings", meetings, methods=["GET"]),
        Route("/api/meetings", create_meeting, methods=["POST"]),
        Route("/api/meetings/{id}", meeting, methods=["GET"]),
        Route("/api/meetings/{id}", update_meeting, methods=["PUT"]),
        Route("/api/tasks", tasks, methods=["GET"]),
        Route("/api/tasks", create_task, methods=["POST"]),
        Route("/api/tasks/{id}", update_task, methods=["PUT"]),
        Route("/api/tasks/{id}", delete_task, methods=["DELETE"]),
        Route("/api/analytics/dashboard", dashboard, methods=["GET"]),
        Route("/api/analytics/trends", trends, methods=["GET"]),
        Route("/api/settings", settings, methods=["GET"]),
    ])


def audit(db: Database) -> list[dict[str, Any]]:
    """Every task's meeting exists and every status is a known one."""
    orphans = db.scalar("SELECT COUNT(*) AS n FROM mina_tasks t WHERE t.meeting_id IS NOT NULL AND NOT EXISTS "
                     "(SELECT 1 FROM mina_meetings m WHERE m.id = t.meeting_id)")
    bad = db.scalar(f"SELECT COUNT(*) AS n FROM mina_tasks WHERE status NOT IN {TASK_STATUSES}")
    return [{"name": "tasks reference existing meetings with known statuses", "ok": orphans == 0 and bad == 0,
             "detail": f"{orphans} orphaned, {bad} with unknown status"}]


def openapi_paths() -> dict[str, Any]:
    meeting = obj({"title": STR, "description": STR, "scheduled_at": STR, "duration_minutes": INT,
                   "participants": {"type": "array", "items": STR},
                   "status": {"type": "string", "enum": list(MEETING_STATUSES)}}, ["title"])
    task = obj({"title": STR, "description": STR, "status": {"type": "string", "enum": list(TASK_STATUSES)},
                "priority": {"type": "string", "enum": list(PRIORITIES)}, "meeting_id": INT, "assignee": STR,
                "due_date": STR}, ["title"])
    by_id = [path_param("id")]
    return {
        "/": {"get": op("Static page")},
        "/static/index.html": {"get": op("Static page")},
        "/health": {"get": op("Health")},
        "/api/meetings": {
            "get": op("List meetings", params=[query_param("page"), query_param("per_page")]),
            "post": op("Create a meeting", body=meeting, responses={201: "created", 400: "malformed", 422: "invalid"}),
        },
        "/api/meetings/{id}": {
            "get": op("A meeting with its tasks", params=by_id, responses={200: "meeting", 404: "unknown"}),
            "put": op("Update a meeting", params=by_id, body={**meeting, "required": []},
                      responses={200: "updated", 404: "unknown", 422: "invalid"}),
        },
        "/api/tasks": {
            "get": op("List tasks", params=[query_param("status", STR), query_param("page"), query_param("per_page")]),
            "post": op("Create a task", body=task, responses={201: "created", 422: "invalid"}),
        },
        "/api/tasks/{id}": {
            "put": op("Update a task", params=by_id, body={**task, "required": []},
                      responses={200: "updated", 404: "unknown"}),
            "delete": op("Delete a task", params=by_id, responses={200: "deleted", 404: "unknown"}),
        },
        "/api/analytics/dashboard": {"get": op("Dashboard", params=[query_param("days")])},
        "/api/analytics/trends": {"get": op("Daily trends", params=[query_param("days")])},
        "/api/settings": {"get": op("Settings")},
    }
