"""``loadlib suite`` end to end: a compressed three-entry suite against one embedded sandbox.

One run (about 40 s on a 2-core machine) proves: the results folder layout,
every entry's own reports, the combined ``summary.json`` verdicts and codes
(one entry is built to fail with a threshold that cannot pass), the overall
exit code (99), the PR-comment Markdown, a single shared sandbox, and that the
combined ``report.html`` renders in headless Chromium with every entry's
status. Bad input (unknown suite, missing locustfile or profile, malformed env
file) is one message naming file and line, exit 104, and nothing run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT, child_env
from tests.support_services import CHROMIUM_FLAGS, chromium

pytestmark = pytest.mark.integration

LOADLIB = [sys.executable, "-m", "loadlib"]

# stages are halved by --time-scale 0.5: 3 s of load per entry, 1 s cool-down
TINY = """
name = "tiny"
description = "three entries, one built to fail"
cool_down = "2s"
on_failure = "continue"

[[entries]]
name = "read"
description = "Mina reads"
locustfile = "locustfiles/mina_read.py"
stages = ["6s:2"]

[[entries]]
name = "write-fails"
description = "a threshold that cannot pass"
locustfile = "locustfiles/mina_write.py"
stages = ["6s:2"]
thresholds = ["http_req_duration:p(95)<0.001"]

[[entries]]
name = "webhooks"
locustfile = "locustfiles/rsolv_webhooks.py"
stages = ["6s:2"]
env = { SUITE_MARKER = "from-suite" }
"""
ENTRIES = ("read", "write-fails", "webhooks")


def loadlib(*args: str, cwd: Path = ROOT, timeout: float = 150, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LOADLIB, *args], cwd=cwd, env=child_env(**env), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    tmp = tmp_path_factory.mktemp("suite")
    suite = tmp / "tiny.toml"
    suite.write_text(TINY)
    env_file = tmp / "ci.env"
    env_file.write_text("# CI settings\nexport TEST_ENV=ci\nAPI_TOKEN='s3cr3t-value'\n")
    results = tmp / "results"
    done = loadlib("suite", str(suite), "--time-scale", "0.5", "--results", str(results), "--env", str(env_file),
                   "--set", "TEST_ENV=cli", "--pr-comment", str(tmp / "comment.md"))
    folders = list(results.iterdir()) if results.is_dir() else []
    assert len(folders) == 1, done.stdout + done.stderr
    return done, folders[0], tmp


def test_exit_code_and_progress(tiny_run: tuple[subprocess.CompletedProcess[str], Path, Path]) -> None:
    done, folder, _ = tiny_run
    out = done.stdout
    assert done.returncode == 99, out + done.stderr
    assert re.search(r"\[1/3\] read: PASSED \(exit 0\) \d+ req", out), out
    assert re.search(r"\[2/3\] write-fails: FAILED \(exit 99\) \d+ req", out), out
    assert "threshold failed: http_req_duration: p(95)<0.001" in out
    assert re.search(r"\[3/3\] webhooks: PASSED \(exit 0\)", out), out
    assert len(re.findall(r"^cool-down 1 s$", out, re.MULTILINE)) == 2
    assert "suite tiny: FAILED  2/3 passed, 1 failed  exit 99" in out
    assert "Traceback" not in out + done.stderr


def test_variables_table_sources_and_masking(tiny_run: tuple[subprocess.CompletedProcess[str], Path, Path]) -> None:
    out = tiny_run[0].stdout
    table = out.split("secrets masked)", 1)[1].split("results:", 1)[0]
    rows = {line.split()[0]: line.split() for line in table.strip().splitlines()[1:]}
    assert rows["TEST_ENV"][1:4] == ["cli", "command", "line"]
    assert rows["API_TOKEN"][1:4] == ["****", "env", "file"]
    assert rows["SUITE_MARKER"][1:4] == ["from-suite", "suite", "webhooks"]
    assert rows["BASE_URL"][1:5] == ["(unset)", "embedded", "sandbox", "default"]
    assert "s3cr3t-value" not in out


def test_results_folder_and_entry_reports(tiny_run: tuple[subprocess.CompletedProcess[str], Path, Path]) -> None:
    _, folder, _ = tiny_run
    assert re.fullmatch(r"\d{8}T\d{6}Z", folder.name)
    names = {p.name for p in folder.iterdir()}
    for e in ENTRIES:
        assert {f"{e}.json", f"{e}.html", f"{e}.slo.json", f"{e}.summary.json", f"{e}.log"} <= names, names
    assert {"summary.json", "report.html"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    # one sandbox for the whole suite: every entry ran against the same host
    hosts = {re.search(r"--host (\S+)", (folder / f"{e}.log").read_text()).group(1) for e in ENTRIES}  # type: ignore[union-attr]
    assert len(hosts) == 1 and next(iter(hosts)).startswith("http://127.0.0.1:")


def test_combined_summary(tiny_run: tuple[subprocess.CompletedProcess[str], Path, Path]) -> None:
    _, folder, _ = tiny_run
    doc = json.loads((folder / "summary.json").read_text())
    assert doc["schema"] == "loadlib.suite/v1" and doc["suite"] == "tiny"
    assert (doc["status"], doc["passed"], doc["exit_code"]) == ("failed", False, 99)
    assert [(e["name"], e["verdict"], e["exit_code"], e["k6_exit_code"]) for e in doc["entries"]] == [
        ("read", "passed", 0, 0), ("write-fails", "failed", 99, 99), ("webhooks", "passed", 0, 0)]
    assert doc["counts"] == {"passed": 2, "failed": 1, "error": 0, "interrupted": 0, "aborted": 0, "skipped": 0}
    assert doc["time_scale"] == 0.5 and doc["host"].startswith("http://127.0.0.1:")
    assert doc["duration_s"] < 60  # about 25 s on a 2-core machine: 3 x 3 s of load, 2 x 1 s cool-down
    for e in doc["entries"]:
        own = json.loads((folder / f"{e['name']}.slo.json").read_text())
        assert own["metrics"]["requests_total"] > 0
        # the combined numbers are the entry's own report's
        assert e["metrics"]["requests_total"] == own["metrics"]["requests_total"]
        assert e["metrics"]["response_times"] == own["metrics"]["response_times"]
        assert e["slo_compliance"] == own["metrics"]["slo_compliance"]
        assert e["reports"]["html"] == f"{e['name']}.html"
    failed = doc["entries"][1]
    assert failed["failed_thresholds"] == 1
    assert [t for t in failed["thresholds"] if not t["ok"]][0]["expression"] == "p(95)<0.001"
    assert json.loads((folder / "write-fails.json").read_text())["exit_code"] == 99


def test_pr_comment(tiny_run: tuple[subprocess.CompletedProcess[str], Path, Path]) -> None:
    md = (tiny_run[2] / "comment.md").read_text()
    assert md.startswith("## Load test results: tiny ❌ FAIL")
    assert re.search(r"\| read \| ✅ PASS \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ % \| [\d.]+ req/s \| 0 \|", md)
    assert "| write-fails | ❌ FAIL |" in md and "exit code 99" in md


@pytest.fixture(scope="session")
def browser() -> str:
    """Headless Chromium: installed with apt-get when missing; skips with the reason only when impossible."""
    return chromium()


def test_report_html_renders_in_chromium(tiny_run: tuple[subprocess.CompletedProcess[str], Path, Path],
                                         tmp_path: Path, browser: str) -> None:
    _, folder, _ = tiny_run
    url = (folder / "report.html").resolve().as_uri()
    shot = tmp_path / "report.png"
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    r = subprocess.run([browser, *flags, "--window-size=1280,1400", f"--screenshot={shot}", url],
                       capture_output=True, text=True, timeout=90)
    assert shot.is_file() and shot.stat().st_size > 20_000, r.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1280, 1400)
    assert not re.search(r"CONSOLE|Uncaught|ERR_FILE_NOT_FOUND", r.stderr), r.stderr[-2000:]
    dom = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=90).stdout
    for name, status in zip(ENTRIES, ("passed", "failed", "passed"), strict=True):
        row = re.search(rf'<tr id="entry-{name}" data-status="(\w+)">(.*?)</tr>', dom)
        assert row is not None, name
        assert row.group(1) == status and f">{status.upper()}</span>" in row.group(2)
        assert f'href="{name}.html"' in row.group(2)
    assert "Executive summary" in dom and "SLO compliance matrix" in dom and "FAILED" in dom


def test_workers_run_each_entry_distributed(tmp_path: Path) -> None:
    suite = tmp_path / "one.toml"
    suite.write_text('[[entries]]\nname = "read"\nlocustfile = "locustfiles/mina_read.py"\nstages = ["4s:2"]\n')
    done = loadlib("suite", str(suite), "--workers", "2", "--results", str(tmp_path / "r"))
    assert done.returncode == 0, done.stdout + done.stderr
    (folder,) = (tmp_path / "r").iterdir()
    entry = json.loads((folder / "read.json").read_text())
    assert entry["meta"]["workers"] == 2 and entry["exit_code"] == 0
    assert json.loads((folder / "summary.json").read_text())["entries"][0]["reports"]["workers_log"] == "read.workers.log"


def test_ctrl_c_interrupts_the_running_entry_and_skips_the_rest(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the process group, as a terminal sends it): the entry writes its reports, exit 105."""
    suite = tmp_path / "two.toml"
    suite.write_text('[[entries]]\nname = "short"\nlocustfile = "locustfiles/mina_read.py"\nstages = ["2s:2"]\n'
                     '[[entries]]\nname = "long"\nlocustfile = "locustfiles/mina_write.py"\nstages = ["120s:2"]\n'
                     '[[entries]]\nname = "never"\nlocustfile = "locustfiles/mina_read.py"\nstages = ["2s:2"]\n')
    log = tmp_path / "out.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([*LOADLIB, "suite", str(suite), "--results", str(tmp_path / "r")], cwd=ROOT,
                                env=child_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while "[2/3] long: mina_write.py" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
            time.sleep(5)  # the entry is under load
            os.killpg(proc.pid, signal.SIGINT)
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    text = log.read_text()
    assert code == 105, text
    (folder,) = (tmp_path / "r").iterdir()
    doc = json.loads((folder / "summary.json").read_text())
    assert [(e["name"], e["verdict"], e["exit_code"]) for e in doc["entries"]] == [
        ("short", "passed", 0), ("long", "interrupted", 105), ("never", "skipped", None)]
    assert doc["status"] == "interrupted" and doc["exit_code"] == 105
    assert doc["entries"][1]["metrics"]["requests_total"] > 0  # the interrupted entry's reports were written
    assert (folder / "report.html").is_file() and (folder / "long.html").is_file()
    assert "suite two: INTERRUPTED" in text


# --- bad input: one message naming file and line, exit 104, nothing run ----------------------------------

def _nothing_ran(done: subprocess.CompletedProcess[str], results: Path) -> None:
    assert done.returncode == 104, done.stdout + done.stderr
    assert not results.exists(), "a results folder was created"
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_unknown_suite(tmp_path: Path) -> None:
    done = loadlib("suite", "mina-smok", "--results", str(tmp_path / "r"))
    _nothing_ran(done, tmp_path / "r")
    assert "unknown suite 'mina-smok'; did you mean 'mina-smoke'?" in done.stderr and "fintech" in done.stderr


@pytest.mark.parametrize(("entry", "line", "needle"), [
    ('locustfile = "locustfiles/no_such_file.py"\n', 6, "entries[1].locustfile = 'locustfiles/no_such_file.py'"),
    ('locustfile = "locustfiles/mina_write.py"\nprofile = "mina-api-wrte"\n', 7,
     "entries[1].profile = 'mina-api-wrte' cannot be loaded: unknown load profile 'mina-api-wrte'; "
     "did you mean 'mina-api-write'?"),
])
def test_bad_entry(tmp_path: Path, entry: str, line: int, needle: str) -> None:
    suite = tmp_path / "bad.toml"
    suite.write_text('[[entries]]\nlocustfile = "locustfiles/mina_read.py"\n\n[[entries]]\nname = "second"\n' + entry)
    done = loadlib("suite", str(suite), "--results", str(tmp_path / "r"))
    _nothing_ran(done, tmp_path / "r")
    assert f"{suite}:{line}: {needle}" in done.stderr, done.stderr


def test_malformed_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "broken.env"
    env_file.write_text("# ok\nBASE_URL=http://127.0.0.1:1\nthis line is wrong\n")
    done = loadlib("suite", "mina-smoke", "--env", str(env_file), "--results", str(tmp_path / "r"))
    _nothing_ran(done, tmp_path / "r")
    assert done.stderr.startswith(f"loadlib: error: {env_file}:3: not a KEY=VALUE line: 'this line is wrong'")


def test_staging_placeholders_dry_run(tmp_path: Path) -> None:
    """--env staging resolves to envs/staging.env: placeholders only, masked, nothing run."""
    done = loadlib("suite", "rsolv", "--env", "staging", "--dry-run", "--results", str(tmp_path / "r"))
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "r").exists()
    assert "target https://api.rsolv.staging.example.invalid (from API_URL)" in done.stdout
    assert re.search(r"TEST_API_KEY_1\s+\*\*\*\*\s+env file", done.stdout)
    assert "replace-with" not in done.stdout
    assert "dry run: nothing was run" in done.stdout
