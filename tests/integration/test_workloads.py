"""Every locustfile, run headless for a few seconds against the embedded sandbox.

Asserts what a user sees: the exit code, no unexpected failures (failed requests
or checks), every documented request name and custom metric in the reports,
thresholds evaluated; two workloads also run as a master with 2 worker
processes. The helpers here (``run_workload``, ``sandbox``) also serve
``test_checks_bite``.

Runs are short (``--stage`` + ``--time-scale``) and several go in parallel, so
latency and throughput thresholds may fail on a loaded 2-core machine; the
tests separate those (``TIMING_METRICS``) from the correctness thresholds
(checks, failures, custom counters), which must pass.
"""

from __future__ import annotations

import contextlib
import csv
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import LOCUST, ROOT, child_env, free_port

# thresholds whose verdict depends on machine speed, not on the target's correctness
TIMING_METRICS = ("http_req_duration", "http_reqs", "iteration_duration", "payment_duration", "fraud_check_duration",
                  "batch_processing_duration", "workflow_duration", "signup_duration", "batch_throughput",
                  "http_req_connecting", "http_req_tls_handshaking")
SEED = "1234"

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Workload:
    locustfile: str
    names: tuple[str, ...]  # request names every short run produces
    metrics: tuple[str, ...]  # custom metrics that must be in the summary export
    users: int = 4  # the --stage target (VUs, or iterations/s for arrival-rate profiles)


@dataclass
class Run:
    workload: Workload
    exit_code: int
    output: str
    summary: dict[str, Any] = field(default_factory=dict)  # --summary-export (k6 format)
    results: dict[str, Any] = field(default_factory=dict)  # --results-json (loadlib format)
    seconds: float = 0.0
    request_names: set[str] = field(default_factory=set)  # from Locust's own --csv stats

    def failed_thresholds(self) -> list[dict[str, Any]]:
        return [t for t in self.results.get("thresholds", []) if not t.get("ok")]

    def correctness_failures(self) -> list[dict[str, Any]]:
        return [t for t in self.failed_thresholds() if t["metric"].split("{")[0] not in TIMING_METRICS]

    def rate_values(self, metric: str) -> dict[str, float]:
        return self.results.get("metrics", {}).get(metric, {}).get("values", {})


def short_args(users: int) -> list[str]:
    # a 60 s stage at a tenth of the time: ~6 s of load; think times shrink by the same factor
    return ["--headless", "--stage", f"60s:{users}", "--time-scale", "0.1", "--seed", SEED]


def run_workload(workload: Workload, tmp: Path, *, extra: list[str] | None = None,
                 env: dict[str, str] | None = None, workers: int = 0, timeout: float = 150) -> Run:
    """Run one locustfile (locally, or as a master with ``workers`` worker processes)."""
    stem = Path(workload.locustfile).stem + (f"-w{workers}" if workers else "")
    summary, results = tmp / f"{stem}-summary.json", tmp / f"{stem}-results.json"
    args = [LOCUST, "-f", workload.locustfile, *short_args(workload.users), "--summary-export", str(summary),
            "--results-json", str(results), "--csv", str(tmp / stem), *(extra or [])]
    started = time.monotonic()
    if not workers:
        done = subprocess.run(args, cwd=ROOT, env=child_env(**(env or {})), capture_output=True, text=True,
                              timeout=timeout)
        code, output = done.returncode, done.stdout + done.stderr
    else:
        code, output = _run_distributed(args, workload, workers, tmp / stem, env or {}, timeout)
    run = Run(workload, code, output, seconds=time.monotonic() - started)
    for path, attr in ((summary, "summary"), (results, "results")):
        if path.exists():
            setattr(run, attr, json.loads(path.read_text()))
    stats = tmp / f"{stem}_stats.csv"
    if stats.exists():
        with open(stats, newline="") as f:
            run.request_names = {row["Name"] for row in csv.DictReader(f) if row["Name"] != "Aggregated"}
    return run


def _run_distributed(args: list[str], workload: Workload, workers: int, base: Path, env: dict[str, str],
                     timeout: float) -> tuple[int, str]:
    """A master plus ``workers`` worker processes; workers start once the master waits for them.

    (Workers started earlier say hello before the master's hub has registered its message
    handlers; the arrival hub then never configures them.)
    """
    port = free_port()
    master_log = base.with_name(base.name + "-master.log")
    args = [*args, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
            "--expect-workers", str(workers)]
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(master_log, "wb"))
        master = subprocess.Popen(args, cwd=ROOT, env=child_env(**env), stdout=out, stderr=subprocess.STDOUT)
        stack.callback(_stop, master)
        deadline = time.monotonic() + 60
        # the hub logs the data seed at the end of its init listeners: handlers are registered by then
        while b"data seed" not in master_log.read_bytes() and master.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"master init not done after 60 s: {master_log.read_text()[-2000:]}")
            time.sleep(0.1)
        for i in range(workers):
            log = stack.enter_context(open(base.with_name(f"{base.name}-worker{i}.log"), "wb"))
            proc = subprocess.Popen([LOCUST, "-f", workload.locustfile, "--worker", "--master-host", "127.0.0.1",
                                     "--master-port", str(port)], cwd=ROOT, env=child_env(**env),
                                    stdout=log, stderr=subprocess.STDOUT)
            stack.callback(_stop, proc)
        code = master.wait(timeout=timeout)
    return code, master_log.read_text(errors="replace")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(timeout=20)  # workers quit when the master does
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def sandbox(*defects: str, tmp: Path) -> Iterator[str]:
    """A sandbox process with ``defects`` switched on; yields its base URL."""
    ready = tmp / f"ready-{'-'.join(defects) or 'plain'}-{free_port()}"
    args = [sys.executable, "-m", "loadlib.sandbox", "--port", "0", "--ready-file", str(ready)]
    for d in defects:
        args += ["--defect", d]
    log = open(tmp / f"{ready.name}.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(args, cwd=ROOT, env=child_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if ready.exists() and ready.read_text().strip().startswith("LOADLIB_SANDBOX_URL="):
                yield ready.read_text().strip().split("=", 1)[1]
                return
            if proc.poll() is not None:
                raise RuntimeError(f"sandbox exited {proc.returncode}: {(tmp / f'{ready.name}.log').read_text()}")
            time.sleep(0.05)
        raise TimeoutError("sandbox did not start within 40 s")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


# --- the workloads -----------------------------------------------------------------------------------------

WORKLOADS = (
    Workload("locustfiles/tribble_auth.py",
             ("POST /auth/register", "POST /auth/verify-email", "POST /auth/verify-phone", "POST /auth/login",
              "POST /merchants/kyc", "POST /merchants/settlement-config", "POST /merchants/api-keys"),
             ("signup_duration", "email_verification_duration", "phone_verification_duration", "login_duration",
              "kyc_duration", "settlement_config_duration", "api_key_duration", "auth_flow_success")),
    Workload("locustfiles/tribble_payments.py",
             ("POST /wallets", "POST /payments", "POST /payments (retry)", "GET /transactions/{id}",
              "GET /wallets/{id}/balance", "POST /payments/{id}/reverse"),
             ("payment_duration", "payment_success_rate", "idempotency_effectiveness", "duplicate_charges",
              "payment_retries")),
    Workload("locustfiles/tribble_signing.py",
             ("POST /signed/echo (encrypted)", "GET /signed/echo", "POST /signed/echo (tampered body)",
              "POST /signed/echo (tampered signature)", "POST /signed/echo (stale timestamp)",
              "GET /signed/echo (reused nonce)"),
             ("signature_generation_duration", "signature_verification_duration", "decryption_duration",
              "invalid_signature_rejected", "response_signature_valid", "nonce_collisions",
              "tampered_response_detected")),
    Workload("locustfiles/tribble_subscriptions.py",
             ("POST /subscriptions/plans", "POST /subscriptions/enroll", "POST /subscriptions/process-charges",
              "GET /subscriptions/{id}", "POST /subscriptions/{id}/retry-charge", "POST /subscriptions/{id}/cancel"),
             ("batch_processing_duration", "batch_throughput", "retry_success_rate", "dunning_notices",
              "subscriptions_created")),
    Workload("locustfiles/tribble_fraud.py", ("POST /fraud/score",),
             ("fraud_check_duration", "fraud_score_accuracy")),
    Workload("locustfiles/tribble_spike.py",
             ("POST /wallets", "POST /payments", "GET /wallets/{id}/balance", "POST /fraud/score"),
             ("payment_duration", "fraud_check_duration", "spike_success")),
    Workload("locustfiles/tribble_realistic.py",
             ("POST /auth/register", "POST /auth/login", "POST /wallets", "POST /payments", "POST /disputes",
              "POST /refunds", "POST /subscriptions/plans", "POST /merchants/kyc"),
             ("workflow_duration", "step_duration", "workflow_success", "user_payment_duration",
              "merchant_settlement_duration", "dispute_resolution_duration", "subscription_lifecycle_duration"),
             users=6),
    Workload("locustfiles/mina_read.py",
             ("GET /api/meetings", "GET /api/meetings/{id}", "GET /api/analytics/dashboard",
              "GET /api/analytics/trends", "GET /api/tasks"),
             ("slo_api_read_latency", "slo_availability", "slo_error_rate", "slo_violations"), users=30),
    Workload("locustfiles/mina_write.py",
             ("POST /api/meetings", "PUT /api/meetings/{id}", "POST /api/tasks", "PUT /api/tasks/{id}",
              "DELETE /api/tasks/{id}"),
             ("slo_api_write_latency", "slo_availability", "slo_error_rate"), users=30),
    Workload("locustfiles/mina_mixed.py",
             ("GET /api/meetings", "GET /api/analytics/dashboard", "GET /api/settings", "GET /health"),
             ("session_duration", "session_success", "slo_api_read_latency", "slo_health_latency"), users=6),
    Workload("locustfiles/mina_slo.py", ("GET /static", "GET /health", "GET /api/meetings"),
             ("slo_api_read_latency", "slo_static_latency", "slo_health_latency", "slo_availability",
              "slo_error_rate"), users=40),
    Workload("locustfiles/escrow_positions.py", ("POST /positions", "POST /positions/{id}/transition"),
             ("positions_created", "positions_funded", "policy_rejections", "position_lifecycle_duration"),
             users=6),
    Workload("locustfiles/flash_sale.py", ("POST /order",),
             ("orders_accepted", "orders_rejected", "rate_limited", "oversold_orders", "order_latency",
              "orders_confirmed"), users=8),
    Workload("locustfiles/rsolv_onboarding.py", ("POST /api/v1/customers/onboard",),
             ("onboarding_success", "onboarding_duration", "rate_limit_hits"), users=20),
    Workload("locustfiles/rsolv_credentials.py", ("POST /api/v1/credentials/exchange",),
             ("credential_success", "credential_exchange_duration", "rate_limit_hits"), users=20),
    Workload("locustfiles/rsolv_webhooks.py", ("POST /api/webhooks/stripe", "POST /api/webhooks/stripe (duplicate)"),
             ("webhook_processing_duration", "duplicate_events_sent", "duplicates_handled", "webhooks_processed",
              "rate_limit_hits"), users=20),
)
BY_FILE = {Path(w.locustfile).stem: w for w in WORKLOADS}
DISTRIBUTED = ("tribble_payments", "flash_sale")
PARALLEL = 3


def test_every_locustfile_is_covered():
    shipped = {p.stem for p in (ROOT / "locustfiles").glob("*.py") if not p.name.startswith("_")} - {"demo"}
    assert shipped == set(BY_FILE)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every locustfile once (locally), plus the distributed ones as master + 2 workers, in parallel."""
    tmp = tmp_path_factory.mktemp("workloads")
    jobs: dict[str, tuple[Workload, int]] = {stem: (w, 0) for stem, w in BY_FILE.items()}
    jobs.update({f"{stem}-w2": (BY_FILE[stem], 2) for stem in DISTRIBUTED})
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {key: pool.submit(run_workload, w, tmp, workers=n) for key, (w, n) in jobs.items()}
        return {key: f.result() for key, f in futures.items()}


def _describe(run: Run) -> str:
    return f"exit {run.exit_code} after {run.seconds:.1f}s; output tail:\n{run.output[-3000:]}"


@pytest.mark.parametrize("key", [*BY_FILE, *(f"{s}-w2" for s in DISTRIBUTED)])
def test_workload_runs_clean(runs: dict[str, Run], key: str):
    run = runs[key]
    assert run.results and run.summary, _describe(run)
    # thresholds were evaluated: every profile threshold has a verdict, in both reports
    verdicts = run.results["thresholds"]
    assert verdicts and all(isinstance(v["ok"], bool) for v in verdicts), verdicts
    k6_verdicts = [t for m in run.summary["metrics"].values() for t in m.get("thresholds", {})]
    assert len(k6_verdicts) == len(verdicts)
    # the exit code follows the verdicts; only machine-speed thresholds may fail in a short parallel run
    assert run.exit_code == (99 if run.failed_thresholds() else 0), _describe(run)
    assert not run.correctness_failures(), run.correctness_failures()
    # no unexpected failures: every request the workload expected, every check passed
    failed = run.rate_values("http_req_failed")
    assert failed.get("passes", 0) == 0, (failed, _describe(run))
    checks = run.rate_values("checks")
    assert checks.get("total", 0) > 0 and checks.get("fails", 0) == 0, checks
    # every documented request name and custom metric is reported
    missing_names = set(run.workload.names) - run.request_names
    assert not missing_names, (missing_names, sorted(run.request_names))
    missing_metrics = set(run.workload.metrics) - set(run.summary["metrics"])
    assert not missing_metrics, (missing_metrics, sorted(run.summary["metrics"]))


@pytest.mark.parametrize("stem", DISTRIBUTED)
def test_distributed_runs_merge_workers(runs: dict[str, Run], stem: str):
    run = runs[f"{stem}-w2"]
    assert run.results["meta"]["workers"] == 2, run.results["meta"]


def test_flash_sale_sells_exactly_the_stock(runs: dict[str, Run]):
    for key in ("flash_sale", "flash_sale-w2"):
        metrics = runs[key].summary["metrics"]
        assert metrics["orders_accepted"]["count"] == 100, (key, metrics["orders_accepted"])
        assert metrics["oversold_orders"]["count"] == 0
        assert metrics["orders_confirmed"]["value"] == 100
        assert metrics["orders_rejected"]["count"] > 0  # demand exceeded the stock: the check was meaningful


def test_payment_retries_returned_the_original_transaction(runs: dict[str, Run]):
    for key in ("tribble_payments", "tribble_payments-w2"):
        metrics = runs[key].summary["metrics"]
        assert metrics["duplicate_charges"]["count"] == 0
        assert metrics["idempotency_effectiveness"]["value"] == 1.0


def test_fraud_decisions_match_every_label(runs: dict[str, Run]):
    assert runs["tribble_fraud"].summary["metrics"]["fraud_score_accuracy"]["value"] == 1.0


def test_signing_rejects_every_invalid_variant(runs: dict[str, Run]):
    metrics = runs["tribble_signing"].summary["metrics"]
    assert metrics["invalid_signature_rejected"]["value"] == 1.0
    assert metrics["response_signature_valid"]["value"] == 1.0
    assert metrics["nonce_collisions"]["count"] == 0


# --- environment variables: validated before any traffic ------------------------------------------------------


class _CountingTarget:
    """A loopback HTTP server that counts every request it receives (it must see none)."""

    def __init__(self) -> None:
        import http.server
        import threading

        counter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                counter.hits += 1
                self.send_response(200)
                self.end_headers()

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.hits = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


ENV_CASES = (
    # (locustfile, environment, variable the message must name, what it must say)
    ("escrow_positions", {}, "API_KEY", "is required"),
    ("escrow_positions", {"API_KEY": "k"}, "ASSET_ID", "is required"),
    ("escrow_positions", {"API_KEY": "k", "ASSET_ID": "a", "API_URL": "localhost:4000"}, "API_URL",
     "an http:// or https:// URL"),
    ("tribble_payments", {"API_KEY": "k"}, "API_SECRET", "is required"),
    ("mina_read", {"BASE_URL": "not a url"}, "BASE_URL", "an http:// or https:// URL"),
    ("rsolv_credentials", {"TEST_API_KEY_1": "a", "TEST_API_KEY_2": "b"}, "TEST_API_KEY_3", "is required"),
    ("rsolv_webhooks", {"STRIPE_WEBHOOK_SECRET": " "}, "STRIPE_WEBHOOK_SECRET", "a non-empty string"),
)


def _run_with_env(stem: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], int]:
    target = _CountingTarget()
    try:
        clean = {k: "" for k in ("API_KEY", "API_SECRET", "ASSET_ID", "API_URL", "API_BASE_URL", "BASE_URL",
                                 "STRIPE_WEBHOOK_SECRET", *(f"TEST_API_KEY_{i}" for i in range(1, 6)))}
        done = subprocess.run([LOCUST, "-f", BY_FILE[stem].locustfile, "--headless", "--host", target.url,
                               "--stage", "5s:2"], cwd=ROOT, env=child_env(**{**clean, **env}),
                              capture_output=True, text=True, timeout=90)
    finally:
        target.close()
    return done, target.hits


@pytest.fixture(scope="module")
def env_runs() -> dict[int, tuple[subprocess.CompletedProcess[str], int]]:
    with ThreadPoolExecutor(4) as pool:
        futures = {i: pool.submit(_run_with_env, c[0], c[1]) for i, c in enumerate(ENV_CASES)}
        return {i: f.result() for i, f in futures.items()}


@pytest.mark.parametrize("index", range(len(ENV_CASES)), ids=[f"{c[0]}-{c[2]}" for c in ENV_CASES])
def test_bad_environment_ends_the_run_before_traffic(env_runs: dict, index: int):
    _stem, _env, variable, says = ENV_CASES[index]
    done, hits = env_runs[index]
    errors = [line for line in done.stderr.splitlines() if line.startswith("loadlib: error:")]
    assert done.returncode == 104, done.stderr[-2000:]
    assert len(errors) == 1 and variable in errors[0] and says in errors[0], errors
    assert "Traceback" not in done.stderr
    assert hits == 0
