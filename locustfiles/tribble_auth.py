"""Tribble 01 - authentication & account setup (seed 000, 01_auth_setup.js).

Each iteration onboards one new user: register, verify email and phone, log in
(JWT read with pyjwt), merchant KYC, settlement configuration, API key. A trend
per step; ``auth_flow_success`` is the share of complete onboardings.

    locust -f locustfiles/tribble_auth.py --headless            # profile auth-load
    locust -f locustfiles/tribble_auth.py --headless --load-profile smoke
"""

from __future__ import annotations

from _tribble import TribbleUser
from locust import task

from loadlib import Rate, Trend, check, default_profile

default_profile("auth-load")

signup_duration = Trend("signup_duration", time=True)
email_verification_duration = Trend("email_verification_duration", time=True)
phone_verification_duration = Trend("phone_verification_duration", time=True)
login_duration = Trend("login_duration", time=True)
kyc_duration = Trend("kyc_duration", time=True)
settlement_config_duration = Trend("settlement_config_duration", time=True)
api_key_duration = Trend("api_key_duration", time=True)
auth_flow_success = Rate("auth_flow_success")


class TribbleAuth(TribbleUser):
    @task
    def onboard(self) -> None:
        ok = self._flow()
        auth_flow_success.add(ok)
        self.think(0.5, 1.5)

    def _flow(self) -> bool:
        r, who = self.register()
        signup_duration.add(r.elapsed_ms)
        if not check(r, {"registered": lambda r: r.status == 201 and r.get("email_verified") is False}):
            return False
        email = self.verify("email", r)
        email_verification_duration.add(email.elapsed_ms)
        phone = self.verify("phone", r)
        phone_verification_duration.add(phone.elapsed_ms)
        check(phone, {"phone verified": lambda r: r.get("phone_verified") is True})
        login = self.login(who)
        login_duration.add(login.elapsed_ms)
        if not check(login, {"jwt issued": lambda r: self.token is not None and self.token.sub == r.get("user_id")}):
            return False
        kyc = self.with_jwt("POST", "/merchants/kyc", name="POST /merchants/kyc", expect=(201,), json={
            "business_name": self.data.merchant().name, "country": who.home.country,
            "tax_id": f"TX{self.data.hex(10).upper()}"})
        kyc_duration.add(kyc.elapsed_ms)
        if not check(kyc, {"kyc approved": lambda r: r.get("kyc_status") == "approved"}):
            return False
        # a fresh token carries the merchant scope (scope is read from the token)
        self.login(who)
        cfg = self.with_jwt("POST", "/merchants/settlement-config", name="POST /merchants/settlement-config",
                            expect=(200,), json={"schedule": self.data.choice(("daily", "weekly", "monthly")),
                                                 "currency": who.home.currency, "bank_account": self.data.hex(12)})
        settlement_config_duration.add(cfg.elapsed_ms)
        key = self.with_jwt("POST", "/merchants/api-keys", name="POST /merchants/api-keys", expect=(201,),
                            json={"name": "load-test"})
        api_key_duration.add(key.elapsed_ms)
        return check(key, {"api key issued": lambda r: bool(r.get("key_id")) and bool(r.get("secret"))}) and cfg.ok
