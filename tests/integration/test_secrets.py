"""No secret a run used reaches any artefact: console, log file, reports, --out files.

A real workload (``locustfiles/tribble_realistic.py``: signed requests with
API_KEY/API_SECRET and JWT logins) runs against the embedded sandbox for a few
seconds with every output and ``--loglevel DEBUG``. A thin subclass adds the
ways a script leaks by accident: it logs the secret and the bearer token,
fails a request with a message that quotes them, lets an exception carrying
them escape a task, and requests a URL with the JWT in its query string (so
it lands in the ``name`` tag of every output). Every JWT the sandbox issued
is written to a side file (not an artefact) so the test knows what to look for.

The API key id (``API_KEY``) is treated as a secret: the signing spec sends it
in ``X-Api-Key`` on every request, and the seed's ``.env`` (and k6 users) keep
it with the secret; a key id is half a credential and useless in a report.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from loadlib.redact import JWT
from tests.support import ROOT, child_env, run_locust

pytestmark = pytest.mark.integration

API_KEY = "test_key_12345"  # the embedded sandbox's Tribble credentials (loadlib.users.SANDBOX)
API_SECRET = "test_secret_67890"

LEAKY = '''
import logging
import os
import sys

sys.path.insert(0, {locustfiles!r})

import tribble_realistic as _real  # noqa: E402
from _tribble import API_KEY, API_SECRET  # noqa: E402
from locust import task  # noqa: E402

JWT_FILE = os.environ["LEAK_JWT_FILE"]
log = logging.getLogger("leaky")


class TribbleRealistic(_real.TribbleRealistic):
    leaked = False

    def use_token(self, raw):
        with open(JWT_FILE, "a") as f:
            f.write(raw + "\\n")
        claims = super().use_token(raw)
        if not self.leaked:  # right after the first login, whatever the workflow
            self.leaked = True
            self.leak(raw)
        return claims

    @task
    def next_workflow(self):
        super().next_workflow()
        if self.token is not None:
            raise RuntimeError(f"boom with {{API_SECRET.value}} and {{self.token.raw}}")

    def leak(self, jwt):
        log.info("signing with key %s secret %s", API_KEY.value, API_SECRET.value)
        log.debug("Authorization: Bearer %s", jwt)
        logging.warning("headers: %s", {{"Authorization": "Bearer " + jwt, "X-Api-Key": API_KEY.value}})
        with self.client.get(f"/tribble/health?token={{jwt}}", catch_response=True) as r:
            r.failure(f"rejected secret {{API_SECRET.value}} for token {{jwt}}")
        self.client.get(f"/tribble/nope?k={{API_KEY.value}}")
'''

PROFILE = '''
description = "secrets: a few seconds of the realistic workflows"
[scenarios.realistic]
executor = "ramping-vus"
exec = "TribbleRealistic"
startVUs = 2
stages = [{ duration = "2s", target = 4 }, { duration = "6s", target = 4 }]

[thresholds]
http_req_failed = ["rate<0.99"]
"http_reqs{name:/tribble/nope}" = ["count>=0"]
'''


def _artefacts(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): p.read_text(errors="replace") for p in sorted(d.rglob("*"))
            if p.is_file() and p.name not in ("leaky.py", "jwts.txt", "secrets.toml")}


def test_no_secret_in_any_artefact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "leaky.py").write_text(LEAKY.format(locustfiles=str(ROOT / "locustfiles")))
    (tmp_path / "secrets.toml").write_text(PROFILE)
    jwt_file = tmp_path / "jwts.txt"
    proc = run_locust([
        "-f", str(tmp_path / "leaky.py"), "--headless", "--load-profile", str(tmp_path / "secrets.toml"),
        "--loglevel", "DEBUG", "--logfile", str(out / "locust.log"),
        "--out", f"json={out / 'points.ndjson'}", "--out", f"csv={out / 'points.csv'}",
        "--summary-export", str(out / "summary.json"), "--results-json", str(out / "result.json"),
        "--html-report", str(out / "report.html"), "--slo-report", str(out / "slo.json"),
        "--csv", str(out / "locust"),
    ], env=child_env(LEAK_JWT_FILE=str(jwt_file)), timeout=180)
    (out / "stdout.txt").write_text(proc.stdout)
    (out / "stderr.txt").write_text(proc.stderr)
    assert proc.returncode in (0, 99, 107), proc.stderr[-3000:]

    jwts = sorted(set(jwt_file.read_text().split())) if jwt_file.exists() else []
    assert jwts, "the workload issued no JWT: the test would prove nothing"
    artefacts = _artefacts(out)
    expected = {"stdout.txt", "stderr.txt", "locust.log", "points.ndjson", "points.csv", "summary.json",
                "result.json", "report.html", "slo.json", "locust_stats.csv", "locust_failures.csv"}
    assert expected <= set(artefacts), sorted(artefacts)
    # the leaks happened (redacted): the run is not vacuous
    assert "[REDACTED]" in artefacts["locust.log"]
    assert "[REDACTED]" in artefacts["points.ndjson"] and "[REDACTED]" in artefacts["points.csv"]
    assert "Authorization" in artefacts["locust.log"]
    assert json.loads(artefacts["summary.json"])["metrics"]["http_reqs"]["count"] > 0

    secrets = {"API_SECRET": API_SECRET, "API_KEY": API_KEY, **{f"jwt#{i}": t for i, t in enumerate(jwts)}}
    leaks = [(what, name) for name, text in artefacts.items() for what, value in secrets.items() if value in text]
    leaks += [("a JWT", name) for name, text in artefacts.items() if JWT.search(text)]
    leaks += [("a bearer token", name) for name, text in artefacts.items()
              if re.search(r"Bearer (?!\[REDACTED\])\S{8,}", text)]
    assert not leaks, leaks
