"""Assemble the Tribble sub-app from the endpoint tables of each module."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loadlib.sandbox.config import SandboxConfig
from loadlib.sandbox.db import Database
from loadlib.sandbox.tribble import accounts, disputes, echo, fraud, payments, subscriptions
from loadlib.sandbox.tribble.pipeline import Endpoint, Runtime, asgi_endpoint, dumps
from loadlib.sandbox.tribble.store import create_tables

ENDPOINTS: tuple[Endpoint, ...] = (*accounts.ENDPOINTS, *payments.ENDPOINTS, *echo.ENDPOINTS,
                                   *subscriptions.ENDPOINTS, *fraud.ENDPOINTS, *disputes.ENDPOINTS)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    return Response(dumps({"error": code}), status_code=status, media_type="application/json")


def build(cfg: SandboxConfig, db: Database, *, clock: Callable[[], float] = time.time,
          response_clock: Callable[[], float] | None = None,
          iv_source: Callable[[int], bytes] = os.urandom) -> Starlette:
    """The Tribble sub-app (mount it at ``/tribble``); creates its tables.

    ``clock`` (request verification, business timestamps), ``response_clock``
    (``X-Response-Timestamp``; defaults to ``clock``) and ``iv_source`` exist so tests
    can reproduce the signing vectors byte for byte.

        app = Starlette(routes=[Mount("/tribble", build(cfg, db))])
    """
    create_tables(db)
    rt = Runtime(cfg, db, clock, response_clock, iv_source)
    routes = [Route(ep.path, asgi_endpoint(rt, ep), methods=[ep.method]) for ep in ENDPOINTS]
    handlers: dict[Any, Any] = {HTTPException: _http_error}
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.tribble = rt
    return app
