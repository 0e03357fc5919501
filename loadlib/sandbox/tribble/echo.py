"""``/signed/echo``: exercise signing, response signatures and encryption without business state."""

from __future__ import annotations

from loadlib.sandbox.tribble.pipeline import Ctx, Endpoint, Reply, invalid


def echo_post(ctx: Ctx) -> Reply:
    raw = ctx.query.get("status", "200")
    if not raw.isdigit() or not 200 <= int(raw) <= 299:
        raise invalid("status", "must be an integer from 200 to 299")
    return Reply(int(raw), ctx.raw if ctx.raw else b'{"ok":true}')


def echo_get(ctx: Ctx) -> Reply:
    assert ctx.principal is not None
    return Reply(200, {"ok": True, "key_id": ctx.principal.id})


ENDPOINTS = (
    Endpoint("POST", "/signed/echo", echo_post, auth="signed", body="raw",
             summary="Echo the request body verbatim (signed requests only)",
             responses={200: "the request body", 401: "signature checks", 409: "nonce_reused"}, query=("status",)),
    Endpoint("GET", "/signed/echo", echo_get, auth="signed", summary="Signed ping",
             responses={200: "ok", 401: "signature checks", 409: "nonce_reused"}),
)
