"""Variable precedence (command line > process > env file > suite > workload), masking, declarations."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadlib.errors import SuiteError
from loadlib.suites.variables import (
    child_environment,
    declared_variables,
    format_table,
    mask,
    parse_assignment,
    resolve_settings,
)

ROOT = Path(__file__).resolve().parents[3]


def test_precedence_each_layer_wins_over_the_next() -> None:
    keys = ["A", "B", "C", "D", "E"]
    s = resolve_settings(keys, cli={"A": "cli"},
                         environ={"A": "proc", "B": "proc"},
                         env_file={"A": "file", "B": "file", "C": "file"},
                         defaults={"A": "def", "B": "def", "C": "def", "D": "def"})
    assert [(s[k].value, s[k].source) for k in keys] == [
        ("cli", "command line"), ("proc", "process"), ("file", "env file"), ("def", "suite"), (None, "workload")]


def test_empty_process_value_counts_as_unset() -> None:
    s = resolve_settings(["A"], cli={}, environ={"A": ""}, env_file={"A": "file"}, defaults={})
    assert (s["A"].value, s["A"].source) == ("file", "env file")


def test_child_environment_applies_settings_over_process() -> None:
    s = resolve_settings(["A", "B"], cli={"A": "cli"}, environ={"A": "proc"}, env_file={}, defaults={})
    env = child_environment({"A": "proc", "PATH": "/bin"}, s)
    assert env == {"A": "cli", "PATH": "/bin"}  # B stays unset: the workload decides


@pytest.mark.parametrize(("key", "shown"), [
    ("API_KEY", "****"), ("api_secret", "****"), ("GITHUB_TOKEN", "****"), ("DB_PASSWORD", "****"),
    ("TEST_API_KEY_3", "****"), ("STRIPE_WEBHOOK_SECRET", "****"), ("BASE_URL", "v"), ("TEST_ENV", "v"),
])
def test_mask_secret_names(key: str, shown: str) -> None:
    assert mask(key, "v") == shown


def test_table_masks_and_names_sources() -> None:
    table = format_table([("API_SECRET", "hunter2", "env file", "all"), ("BASE_URL", "http://x", "process", "a, b"),
                          ("API_KEY", None, "embedded sandbox default", "all")])
    assert "hunter2" not in table
    lines = table.splitlines()
    assert lines[0].split() == ["VARIABLE", "VALUE", "SOURCE", "ENTRIES"]
    assert lines[1].split()[:3] == ["API_SECRET", "****", "env"]
    assert "http://x" in lines[2] and "process" in lines[2]
    assert "(unset)" in lines[3]


def test_parse_assignment() -> None:
    assert parse_assignment("BASE_URL=http://h:1/x?a=b") == ("BASE_URL", "http://h:1/x?a=b")
    assert parse_assignment("EMPTY=") == ("EMPTY", "")
    for bad in ("NOEQUALS", "1X=2", "=v"):
        with pytest.raises(SuiteError, match="--set"):
            parse_assignment(bad)


def test_declared_variables_follow_helper_imports() -> None:
    tribble = {v.name: v.base_url for v in declared_variables(ROOT / "locustfiles" / "tribble_payments.py")}
    assert tribble["API_BASE_URL"] is True and tribble["API_KEY"] is False and "API_SECRET" in tribble
    mina = {v.name: v.base_url for v in declared_variables(ROOT / "locustfiles" / "mina_read.py")}
    assert mina == {"BASE_URL": True}
