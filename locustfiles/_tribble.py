"""Shared client for the Ubiquitous Tribble workloads (seed 000): configuration and flows.

Not a locustfile (the leading underscore keeps ``locust -f locustfiles/`` from
loading it). Environment (seed 000's ``.env``):

| variable      | meaning                                   | embedded-sandbox value |
|---------------|-------------------------------------------|------------------------|
| API_BASE_URL  | API root, e.g. http://127.0.0.1:8080/tribble | ``<host>/tribble``  |
| API_KEY       | key id for signed requests                | test_key_12345         |
| API_SECRET    | HMAC secret for that key                  | test_secret_67890      |
"""

from __future__ import annotations

from typing import Any

from loadlib import FastUser, env
from loadlib.users import SANDBOX, Reply

API_BASE_URL = env("API_BASE_URL", base_url=True,
                   help="Tribble API root including any prefix, e.g. http://127.0.0.1:8080/tribble")
API_KEY = env("API_KEY", sandbox=SANDBOX.tribble_api_key, help="Tribble API key id for signed requests")
API_SECRET = env("API_SECRET", sandbox=SANDBOX.tribble_api_secret, help="Tribble API secret (HMAC key)")


def error_is(code: str):  # noqa: ANN201 (a Validator)
    """A validator: the JSON error code must be ``code``."""
    def validate(reply: Reply) -> str | None:
        return None if reply.error_code == code else f"expected error {code}, got {reply.error_code}"
    return validate


class TribbleUser(FastUser):
    """Tribble helpers: signed requests with the configured key, JWT calls, onboarding."""

    abstract = True
    prefix = "/tribble"
    base_url_env = API_BASE_URL

    def signed(self, method: str, path: str, **kwargs: Any) -> Reply:
        """A signed request with API_KEY/API_SECRET (response signature always verified)."""
        return self.signed_request(method, path, key=API_KEY.value, secret=API_SECRET.value, **kwargs)

    def with_jwt(self, method: str, path: str, **kwargs: Any) -> Reply:
        headers = {**self.bearer_headers(), **kwargs.pop("headers", {})}
        return self.request_json(method, path, headers=headers, **kwargs)

    # --- onboarding steps (each returns its Reply so callers time and check them) -----
    def register(self) -> tuple[Reply, Any]:
        who = self.data.identity()
        r = self.request_json("POST", "/auth/register", name="POST /auth/register", expect=(201,), json={
            "email": who.email, "phone": who.phone, "password": who.password, "name": who.name,
            "country": who.home.country})
        return r, who

    def verify(self, channel: str, reply: Reply) -> Reply:
        codes = reply.get("verification") or {}
        return self.request_json("POST", f"/auth/verify-{channel}", name=f"POST /auth/verify-{channel}",
                                 expect=(200,), json={"user_id": reply.get("user_id"),
                                                      "code": codes.get(f"{channel}_code")})

    def login(self, who: Any) -> Reply:
        r = self.request_json("POST", "/auth/login", name="POST /auth/login", expect=(200,),
                              json={"email": who.email, "password": who.password})
        token = r.get("access_token")
        if r.ok and isinstance(token, str):
            self.use_token(token)
        return r

    def onboard_user(self) -> bool:
        """Register, verify email, log in (JWT). True when the user holds a token."""
        r, who = self.register()
        if not r.ok:
            return False
        if not self.verify("email", r).ok:
            return False
        return self.login(who).ok

    def new_wallet(self, currency: str = "USD", balance: int | None = None) -> str | None:
        body: dict[str, Any] = {"currency": currency}
        if balance is not None:
            body["initial_balance"] = balance
        r = self.signed("POST", "/wallets", json=body, name="POST /wallets", expect=(201,))
        return r.get("wallet_id") if r.ok else None
