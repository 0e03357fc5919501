"""The workloads' checks bite: against a deliberately broken target, the matching locustfile fails.

Each case starts the sandbox with one defect (``python -m loadlib.sandbox --defect NAME``),
points the workload at it with ``--host`` (so the workload's environment variables are
required and given explicitly, as against any real target) and asserts a non-zero exit
(99: thresholds failed), the threshold that caught it, and the reason in the output.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.test_workloads import BY_FILE, Run, run_workload, sandbox

pytestmark = pytest.mark.integration

TRIBBLE_ENV = {"API_KEY": "test_key_12345", "API_SECRET": "test_secret_67890"}


@dataclass(frozen=True)
class Case:
    defect: str
    workload: str
    threshold: str  # "metric expression" that must fail
    evidence: str  # text the run's output must show


CASES = (
    Case("tribble_wrong_response_signature", "tribble_signing", "checks rate==1", "response_signature_invalid"),
    Case("tribble_undecryptable_body", "tribble_signing", "checks rate==1", "decrypt_failed"),
    Case("tribble_accept_stale_signature", "tribble_signing", "checks rate==1", "unexpected status 200"),
    Case("tribble_double_charge", "tribble_payments", "duplicate_charges count==0", "duplicate_charge"),
    Case("tribble_wrong_fraud_decision", "tribble_fraud", "fraud_score_accuracy rate>0.98", "✗ normal: decision is approve"),
    Case("fluxgate_oversell", "flash_sale", "oversold_orders count==0", "oversold"),
)


def _against_defect(case: Case, tmp: Path) -> Run:
    with sandbox(case.defect, tmp=tmp) as url:
        env = TRIBBLE_ENV if case.workload.startswith("tribble") else {}
        return run_workload(BY_FILE[case.workload], tmp / case.defect, extra=["--host", url], env=env)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    tmp = tmp_path_factory.mktemp("defects")
    for case in CASES:
        (tmp / case.defect).mkdir()
    with ThreadPoolExecutor(3) as pool:
        futures = {c.defect: pool.submit(_against_defect, c, tmp) for c in CASES}
        return {k: f.result() for k, f in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.defect)
def test_defect_fails_the_run(runs: dict[str, Run], case: Case):
    run = runs[case.defect]
    assert run.exit_code == 99, run.output[-3000:]
    failed = {f"{t['metric']} {t['expression']}" for t in run.failed_thresholds()}
    assert case.threshold in failed, (failed, run.output[-3000:])
    assert case.evidence in run.output, run.output[-3000:]
