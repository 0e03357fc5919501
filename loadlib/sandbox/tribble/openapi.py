"""OpenAPI 3 path items for Tribble, derived from the endpoint table (one source of truth)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from loadlib.sandbox.tribble.pipeline import Endpoint

_SIGNED_HEADERS = ("X-Api-Key", "X-Timestamp", "X-Nonce", "X-Signature", "X-Encrypt-Response")


def _operation(ep: Endpoint) -> dict[str, Any]:
    params: list[dict[str, Any]] = []
    if "{id}" in ep.path:
        params.append({"name": "id", "in": "path", "required": True, "schema": {"type": "string"}})
    params += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in ep.query]
    if ep.auth in ("signed", "any"):
        params += [{"name": h, "in": "header", "required": False, "schema": {"type": "string"}}
                   for h in _SIGNED_HEADERS]
    if ep.path == "/payments":
        params.append({"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}})
    op: dict[str, Any] = {"summary": ep.summary, "x-auth": ep.auth,
                          "responses": {str(k): {"description": d} for k, d in ep.responses.items()}}
    if params:
        op["parameters"] = params
    if ep.schema is not None:
        props = {k: s for k, s in ep.schema.items() if k != "required"}
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if ep.schema.get("required"):
            schema["required"] = list(ep.schema["required"])
        op["requestBody"] = {"required": ep.body == "object", "content": {"application/json": {"schema": schema}}}
    elif ep.body == "raw":
        op["requestBody"] = {"required": False, "content": {"application/json": {"schema": {}}}}
    return op


def paths(endpoints: Iterable[Endpoint]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for ep in endpoints:
        result.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep)
    return result
