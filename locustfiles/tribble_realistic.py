"""Tribble 07 - realistic end-to-end workflows (seed 000, 07_realistic_scenario.js).

Four workflows, taken in turn (each user starts at a different one, so every
workflow runs from the first iteration on), with 1-3 s think time between API calls
(scaled by --time-scale):

1. user payment: register -> verify -> log in -> create wallet -> add payment method ->
   pay -> verify transaction -> receipt
2. merchant settlement: register merchant (KYC) -> configure settlement ->
   process transactions -> settlement schedule
3. dispute resolution: payment -> dispute -> evidence -> investigation -> resolution ->
   refund -> approval -> payout
4. subscription lifecycle: plan -> enrol -> charge -> history -> cancel

Custom metrics: ``workflow_duration`` (tagged ``workflow``) plus one trend per
workflow (``user_payment_duration``, ``merchant_settlement_duration``,
``dispute_resolution_duration``, ``subscription_lifecycle_duration``),
``step_duration`` tagged ``workflow`` and ``step``, and ``workflow_success``.

    locust -f locustfiles/tribble_realistic.py --headless    # profile realistic
"""

from __future__ import annotations

import time
from collections.abc import Callable

from _tribble import TribbleUser
from locust import task

from loadlib import Rate, Trend, check, default_profile
from loadlib.data import SMALL
from loadlib.users import Reply

default_profile("realistic")

workflow_duration = Trend("workflow_duration", time=True)
step_duration = Trend("step_duration", time=True)
workflow_success = Rate("workflow_success")
PER_WORKFLOW = {name: Trend(f"{name}_duration", time=True) for name in
                ("user_payment", "merchant_settlement", "dispute_resolution", "subscription_lifecycle")}

THINK = (1.0, 3.0)


class _Workflow:
    """Times one workflow run and its steps; a failed step ends the run."""

    def __init__(self, user: TribbleRealistic, name: str) -> None:
        self.user, self.name, self.ok = user, name, True
        self.t0 = time.perf_counter()
        self.first = True

    def step(self, step: str, call: Callable[[], Reply]) -> Reply | None:
        if not self.ok:
            return None
        if not self.first:
            self.user.think(*THINK)
        self.first = False
        r = call()
        step_duration.add(r.elapsed_ms, tags={"workflow": self.name, "step": step})
        self.ok = check(r, {f"{self.name}: {step}": lambda r: r.ok})
        return r if self.ok else None

    def finish(self) -> None:
        ms = (time.perf_counter() - self.t0) * 1000
        tags = {"workflow": self.name}
        workflow_duration.add(ms, tags=tags)
        PER_WORKFLOW[self.name].add(ms)
        workflow_success.add(self.ok, tags=tags)


class TribbleRealistic(TribbleUser):
    WORKFLOWS = ("user_payment", "merchant_settlement", "dispute_resolution", "subscription_lifecycle")

    def on_start(self) -> None:
        self.turn = self.user_index

    @task
    def next_workflow(self) -> None:
        name = self.WORKFLOWS[self.turn % len(self.WORKFLOWS)]
        self.turn += 1
        getattr(self, name)()

    def _login_steps(self, wf: _Workflow) -> object | None:
        reg = wf.step("register", self._register)
        if reg is None:
            return None
        wf.step("verify email", lambda: self.verify("email", reg))
        wf.step("login", lambda: self.login(self._who))
        return self._who if wf.ok else None

    def _register(self) -> Reply:
        r, self._who = self.register()
        return r

    def _pay(self, wallet: str | None = None, merchant: str | None = None, **extra: object) -> Reply:
        body: dict[str, object] = {"amount": self.data.amount(SMALL), "currency": "USD", **extra}
        if wallet:
            body["wallet_id"] = wallet
        if merchant:
            body["merchant_id"] = merchant
        return self.with_jwt("POST", "/payments", json=body, name="POST /payments", expect=(201,),
                             headers={"Idempotency-Key": self.data.idempotency_key()})

    def user_payment(self) -> None:
        wf = _Workflow(self, "user_payment")
        if self._login_steps(wf):
            wallet = wf.step("create wallet", lambda: self.with_jwt(
                "POST", "/wallets", json={"currency": "USD"}, name="POST /wallets", expect=(201,)))
            wid = wallet.get("wallet_id") if wallet else None
            pm = wf.step("add payment method", lambda: self.with_jwt(
                "POST", "/payment-methods", json={"type": "wallet", "wallet_id": wid}, name="POST /payment-methods",
                expect=(201,)))
            pay = wf.step("make payment", lambda: self._pay(wid, self.data.merchant().id,
                                                            payment_method_id=pm.get("payment_method_id") if pm else None))
            txn = pay.get("transaction_id") if pay else None
            wf.step("verify transaction", lambda: self.with_jwt(
                "GET", f"/transactions/{txn}", name="GET /transactions/{id}", expect=(200,),
                validate=lambda r: None if r.get("status") == "succeeded" else "payment not succeeded"))
            wf.step("get receipt", lambda: self.with_jwt(
                "GET", f"/payments/{txn}/receipt", name="GET /payments/{id}/receipt", expect=(200,)))
        wf.finish()

    def merchant_settlement(self) -> None:
        wf = _Workflow(self, "merchant_settlement")
        who = self._login_steps(wf)
        if who:
            kyc = wf.step("register merchant", lambda: self.with_jwt(
                "POST", "/merchants/kyc", name="POST /merchants/kyc", expect=(201,),
                json={"business_name": self.data.merchant().name, "country": "US", "tax_id": self.data.hex(10)}))
            mid = kyc.get("merchant_id") if kyc else None
            wf.step("refresh token", lambda: self.login(who))
            wf.step("configure settlement", lambda: self.with_jwt(
                "POST", "/merchants/settlement-config", name="POST /merchants/settlement-config", expect=(200,),
                json={"schedule": "daily", "currency": "USD", "bank_account": self.data.hex(12)}))
            for _ in range(3):
                wf.step("process transaction", lambda: self._pay(merchant=mid))
            wf.step("check settlement schedule", lambda: self.with_jwt(
                "GET", f"/merchants/{mid}/settlement-schedule", name="GET /merchants/{id}/settlement-schedule",
                expect=(200,), validate=lambda r: None if (r.get("transaction_count") or 0) >= 3
                else "settlement schedule misses transactions"))
        wf.finish()

    def dispute_resolution(self) -> None:
        wf = _Workflow(self, "dispute_resolution")
        pay = wf.step("make payment", lambda: self.signed(
            "POST", "/payments", name="POST /payments", expect=(201,),
            headers={"Idempotency-Key": self.data.idempotency_key()},
            json={"amount": self.data.amount(SMALL), "currency": "USD", "merchant_id": self.data.merchant().id}))
        txn = pay.get("transaction_id") if pay else None
        d = wf.step("create dispute", lambda: self.signed(
            "POST", "/disputes", json={"transaction_id": txn, "reason": "item not received"},
            name="POST /disputes", expect=(201,)))
        did = d.get("dispute_id") if d else None
        wf.step("submit evidence", lambda: self.signed(
            "POST", f"/disputes/{did}/evidence", json={"type": "receipt", "description": "proof of purchase"},
            name="POST /disputes/{id}/evidence", expect=(201,)))
        wf.step("await investigation", lambda: self.signed(
            "GET", f"/disputes/{did}", name="GET /disputes/{id}", expect=(200,),
            validate=lambda r: None if r.get("status") == "under_review" else "dispute not under review"))
        wf.step("receive resolution", lambda: self.signed(
            "POST", f"/disputes/{did}/resolve", json={"outcome": "customer"}, name="POST /disputes/{id}/resolve",
            expect=(200,)))
        refund = wf.step("request refund", lambda: self.signed(
            "POST", "/refunds", json={"transaction_id": txn, "dispute_id": did, "reason": "dispute won"},
            name="POST /refunds", expect=(201,)))
        rid = refund.get("refund_id") if refund else None
        wf.step("approve refund", lambda: self.signed(
            "POST", f"/refunds/{rid}/approve", name="POST /refunds/{id}/approve", expect=(200,)))
        wf.step("process refund", lambda: self.signed(
            "POST", f"/refunds/{rid}/payout", name="POST /refunds/{id}/payout", expect=(200,),
            validate=lambda r: None if r.get("status") == "paid_out" else "refund not paid out"))
        wf.finish()

    def subscription_lifecycle(self) -> None:
        wf = _Workflow(self, "subscription_lifecycle")
        plan = wf.step("create plan", lambda: self.signed(
            "POST", "/subscriptions/plans", name="POST /subscriptions/plans", expect=(201,),
            json={"name": f"Plan {self.data.hex(6)}", "amount": 19, "interval": "monthly"}))
        pid = plan.get("plan_id") if plan else None
        sub = wf.step("enroll user", lambda: self.signed(
            "POST", "/subscriptions/enroll", json={"planId": pid, "userId": self.data.user().id},
            name="POST /subscriptions/enroll", expect=(201,)))
        sid = sub.get("subscription_id") if sub else None
        wf.step("process charge", lambda: self.signed(
            "POST", "/subscriptions/process-charges", json={"limit": 100}, name="POST /subscriptions/process-charges",
            expect=(200,)))
        wf.step("view history", lambda: self.signed(
            "GET", f"/subscriptions/{sid}/history", name="GET /subscriptions/{id}/history", expect=(200,)))
        wf.step("cancel subscription", lambda: self.signed(
            "POST", f"/subscriptions/{sid}/cancel", name="POST /subscriptions/{id}/cancel", expect=(200,)))
        wf.finish()
