"""HTTP helpers every sandbox subsystem shares: JSON errors, body parsing, field checks.

Bad input must never become a 500, so each subsystem parses bodies with
:func:`read_json` and reads fields with the ``want_*`` helpers: they raise
:class:`ApiError`, which every app built by :func:`subapp` renders as
``{"error": ...}`` with its status.

    async def create(request):
        body = await read_json(request)
        amount = want_number(body, "amount", minimum=0)
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

log = logging.getLogger("loadlib.sandbox")


class ApiError(Exception):
    """A client mistake or a policy rejection, rendered as ``{"error": message, **extra}``."""

    def __init__(self, status: int, message: str, *, headers: Mapping[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra


def json_error(status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=dict(headers or {}))


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return json_error(exc.status, exc.message, exc.headers, **exc.extra)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    messages = {404: "not found", 405: "method not allowed"}
    return json_error(exc.status_code, messages.get(exc.status_code, str(exc.detail)), exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    # The fuzz test asserts bad input never gets here; a real bug still answers JSON.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return json_error(500, "internal error")


EXCEPTION_HANDLERS: dict[Any, Any] = {ApiError: _api_error, HTTPException: _http_error, Exception: _server_error}


def subapp(routes: Sequence[BaseRoute], middleware: Sequence[Middleware] | None = None) -> Starlette:
    """A Starlette sub-app whose errors (404, 405, ApiError, bugs) are JSON like the rest of the sandbox."""
    return Starlette(routes=list(routes), middleware=list(middleware or ()),
                     exception_handlers=dict(EXCEPTION_HANDLERS))


async def read_json(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; 400 when it is malformed or not an object."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(400, "request body must be a JSON object")
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object")
    return data


_MISSING = object()


def _get(body: Mapping[str, Any], name: str, required: bool) -> Any:
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise ApiError(422, f"field '{name}' is required", field=name)
        return _MISSING
    return value


def want_str(body: Mapping[str, Any], name: str, *, required: bool = True, default: str | None = None,
             max_len: int = 1000, choices: Sequence[str] | None = None) -> str | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError(422, f"field '{name}' must be a non-empty string", field=name)
    if len(value) > max_len:
        raise ApiError(422, f"field '{name}' is longer than {max_len} characters", field=name)
    if choices is not None and value not in choices:
        raise ApiError(422, f"field '{name}' must be one of {', '.join(choices)}; got {value!r}", field=name)
    return value


def want_int(body: Mapping[str, Any], name: str, *, required: bool = True, default: int | None = None,
             minimum: int | None = None, maximum: int | None = None) -> int | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, f"field '{name}' must be an integer", field=name)
    _check_range(name, value, minimum, maximum)
    return value


def want_number(body: Mapping[str, Any], name: str, *, required: bool = True, default: float | None = None,
                minimum: float | None = None, maximum: float | None = None) -> float | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ApiError(422, f"field '{name}' must be a number", field=name)
    _check_range(name, value, minimum, maximum)
    return float(value)


def want_bool(body: Mapping[str, Any], name: str, *, required: bool = False, default: bool | None = None) -> bool | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if not isinstance(value, bool):
        raise ApiError(422, f"field '{name}' must be true or false", field=name)
    return value


def _check_range(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ApiError(422, f"field '{name}' must be >= {minimum}", field=name)
    if maximum is not None and value > maximum:
        raise ApiError(422, f"field '{name}' must be <= {maximum}", field=name)


def query_int(request: Request, name: str, default: int, *, minimum: int = 0, maximum: int = 1_000_000) -> int:
    """An integer query parameter with a default; 400 when it is not an integer or out of range."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter '{name}' must be an integer; got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ApiError(400, f"query parameter '{name}' must be between {minimum} and {maximum}; got {value}")
    return value


def path_int(request: Request, name: str = "id") -> int:
    """An integer path parameter; 404 when it is not one (so /tasks/abc is simply not found)."""
    raw = request.path_params.get(name, "")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ApiError(404, "not found") from None
    if not 0 < value < 2**63:
        raise ApiError(404, "not found")
    return value


# --- OpenAPI helpers: subsystems describe their operations compactly -------------------------

def op(summary: str, *, body: Mapping[str, Any] | None = None, params: Sequence[Mapping[str, Any]] = (),
       responses: Mapping[int, str] | None = None, headers: Sequence[str] = (), security: str | None = None) -> dict:
    """One OpenAPI operation object.

    >>> op("Create", body=obj({"amount": NUM}, required=["amount"]), responses={201: "created"})["summary"]
    'Create'
    """
    result: dict[str, Any] = {"summary": summary}
    parameters = [dict(p) for p in params]
    parameters += [{"name": h, "in": "header", "required": False, "schema": STR} for h in headers]
    if parameters:
        result["parameters"] = parameters
    if body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": dict(body)}}}
    result["responses"] = {str(k): {"description": v} for k, v in (responses or {200: "ok"}).items()}
    if security:
        result["x-auth-header"] = security
    return result


STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
NUM: dict[str, Any] = {"type": "number"}
BOOL: dict[str, Any] = {"type": "boolean"}


def obj(properties: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(properties), "required": list(required)}


def path_param(name: str, schema: Mapping[str, Any] = INT) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": dict(schema)}


def query_param(name: str, schema: Mapping[str, Any] = INT) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": dict(schema)}


def utc_iso(ts: float | None = None) -> str:
    """An ISO-8601 UTC timestamp with a ``Z`` suffix, second precision."""
    import datetime as _dt

    moment = _dt.datetime.fromtimestamp(time.time() if ts is None else ts, tz=_dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
