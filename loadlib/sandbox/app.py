"""The sandbox ASGI app: every seed system mounted under its prefix, plus health, audit and OpenAPI.

Each system is a module ``loadlib.sandbox.<name>`` exposing three functions:

- ``build(cfg: SandboxConfig, db: Database) -> Starlette``: its own sub-app (build it with
  :func:`loadlib.sandbox.web.subapp` so errors are JSON); it creates its tables, prefixed with
  its name, with ``CREATE TABLE IF NOT EXISTS``;
- ``audit(db: Database) -> list[dict]``: invariants, each ``{"name", "ok", "detail"}``;
- ``openapi_paths() -> dict``: OpenAPI 3 path items relative to its prefix.

Endpoints are ``async def`` and never ``await`` inside a transaction: the app runs on one
event loop with one SQLite connection, so each handler's read-modify-write is atomic.

    app = create_app(SandboxConfig(db_path="/tmp/sandbox.db"))
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.limits import BodyLimit
from loadlib.sandbox.web import EXCEPTION_HANDLERS, log

SYSTEMS = ("tribble", "mina", "escrow", "fluxgate", "rsolv")


def load_systems() -> dict[str, ModuleType]:
    """The system modules present, by prefix name (a system still being built is skipped)."""
    found: dict[str, ModuleType] = {}
    for name in SYSTEMS:
        module_name = f"loadlib.sandbox.{name}"
        try:
            found[name] = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            log.warning("sandbox: system %s not available", name)
            continue
        missing = [f for f in ("build", "audit", "openapi_paths") if not callable(getattr(found[name], f, None))]
        if missing:  # a system still being written is left out rather than breaking the others
            log.warning("sandbox: system %s lacks %s; not mounted", name, ", ".join(missing))
            del found[name]
    return found


def run_audit(systems: dict[str, ModuleType], db: Database) -> dict[str, Any]:
    """Every system's invariants: ``{"ok": all hold, "invariants": [{system, name, ok, detail}]}``."""
    invariants: list[dict[str, Any]] = []
    for name, module in systems.items():
        try:
            results = list(module.audit(db))
        except Exception as exc:  # an audit that crashes is itself a failed invariant
            results = [{"name": "audit runs", "ok": False, "detail": f"{type(exc).__name__}: {exc}"}]
        for item in results:
            invariants.append({"system": name, "name": str(item.get("name")), "ok": bool(item.get("ok")),
                               "detail": str(item.get("detail", ""))})
    return {"ok": all(i["ok"] for i in invariants), "invariants": invariants}


def openapi_document(systems: dict[str, ModuleType]) -> dict[str, Any]:
    """One OpenAPI 3 document: the root endpoints plus every system's paths under its prefix."""
    plain = {"get": {"summary": "", "responses": {"200": {"description": "ok"}}}}
    paths: dict[str, Any] = {
        "/health": {"get": {**plain["get"], "summary": "Liveness"}},
        "/ready": {"get": {**plain["get"], "summary": "Readiness"}},
        "/audit": {"get": {**plain["get"], "summary": "Invariants after a run"}},
        "/openapi.json": {"get": {**plain["get"], "summary": "This document"}},
    }
    for name, module in systems.items():
        for path, item in module.openapi_paths().items():
            paths[f"/{name}{path if path != '/' else '/'}"] = item
    return {"openapi": "3.0.3",
            "info": {"title": "loadlib sandbox", "version": "1.0",
                     "description": "The five seed systems, one SQLite-backed ASGI app."},
            "paths": paths}


def _closing(db: Database) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        db.close()

    return lifespan


def create_app(cfg: SandboxConfig) -> Starlette:
    """The whole sandbox: systems mounted at ``/<name>``, ``/health``, ``/ready``, ``/audit``, ``/openapi.json``."""
    db = Database(cfg.db_path)
    systems = load_systems()
    mounts = [Mount(f"/{name}", app=module.build(cfg, db)) for name, module in systems.items()]
    document = openapi_document(systems)
    started = time.time()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "systems": list(systems), "uptime_s": round(time.time() - started, 3)})

    async def ready(request: Request) -> JSONResponse:
        db.one("SELECT 1")
        return JSONResponse({"status": "ready", "systems": list(systems)})

    async def audit(request: Request) -> JSONResponse:
        return JSONResponse(run_audit(systems, db))

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(document)

    routes = [Route("/health", health), Route("/ready", ready), Route("/audit", audit),
              Route("/openapi.json", openapi), *mounts]
    app = Starlette(routes=routes, middleware=[Middleware(BodyLimit, max_bytes=cfg.max_body_bytes)],
                    exception_handlers=dict(EXCEPTION_HANDLERS), lifespan=_closing(db))
    app.state.cfg = cfg
    app.state.db = db
    app.state.systems = systems
    return app
