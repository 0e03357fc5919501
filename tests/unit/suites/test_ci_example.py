"""The example GitHub Actions workflow: it runs a real smoke suite with options the CLI accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from loadlib.cli.main import build_parser
from loadlib.suites import load_suite

WORKFLOW = Path(__file__).resolve().parents[3] / "examples" / "github-actions" / "load-test.yml"


def steps() -> dict[str, dict]:
    doc = yaml.safe_load(WORKFLOW.read_text())
    assert doc["permissions"]["pull-requests"] == "write"
    job = doc["jobs"]["load-tests"]
    return {s.get("name", s.get("uses", "")): s | {"_env": job["env"]} for s in job["steps"]}


def test_runs_a_smoke_suite_with_valid_options() -> None:
    s = steps()
    run = s["Run the smoke suite"]
    suite = run["_env"]["SUITE"]
    assert suite.endswith("-smoke")
    load_suite(suite)  # the suite it names exists and validates
    script = run["run"]
    command = re.search(r"loadlib suite .*?(?=\n\s*#|\n\s*code=)", script, re.DOTALL)
    assert command is not None
    argv = shlex.split(command.group(0).replace("\\\n", " ").replace('"$SUITE"', suite))[1:]
    args = build_parser().parse_args(argv)
    assert (args.command, args.suite, args.results, args.pr_comment) == (
        "suite", suite, "results", "results/pr-comment.md")
    assert 'echo "exit_code=$code" >> "$GITHUB_OUTPUT"' in script


def test_uploads_results_comments_and_fails_on_failure() -> None:
    s = steps()
    upload = s["Upload the results folder"]
    assert upload["uses"].startswith("actions/upload-artifact@") and upload["with"]["path"] == "results/"
    assert upload["if"] == "always()"
    comment = s["Comment the results on the pull request"]
    assert "readFileSync('results/pr-comment.md'" in comment["with"]["script"]
    assert "createComment" in comment["with"]["script"] and "pull_request" in comment["if"]
    last = s["Fail the job when the suite failed"]
    assert 'test "$code" = "0"' in last["run"] and last["if"] == "always()"
