"""Env files: KEY=VALUE, comments, quotes, export; a malformed line names file and line (exit 104)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadlib.errors import SuiteError
from loadlib.suites.envfile import available_envs, parse_env_text, read_env_file, resolve_env_file


def parse(text: str) -> dict[str, str]:
    return {e.key: e.value for e in parse_env_text(text, source="t.env")}


def test_plain_comments_blank_and_export() -> None:
    text = "# API\n\nAPI_BASE_URL=http://localhost:3000\nexport API_KEY=test_key_12345\n  TEST_TIMEOUT = 30000  \n"
    assert parse(text) == {"API_BASE_URL": "http://localhost:3000", "API_KEY": "test_key_12345",
                           "TEST_TIMEOUT": "30000"}


def test_quotes_escapes_and_trailing_comments() -> None:
    text = ('A="hello world" # greeting\n'
            "B='lit $x \\n'\n"
            'C="line\\nnext \\"q\\""\n'
            "D=a#b\n"
            "E=value # comment\n"
            "F=\n"
            'G=""\n'
            "H=x=y\n")
    assert parse(text) == {"A": "hello world", "B": "lit $x \\n", "C": 'line\nnext "q"', "D": "a#b",
                           "E": "value", "F": "", "G": "", "H": "x=y"}


def test_line_numbers_kept_and_last_assignment_wins(tmp_path: Path) -> None:
    lines = parse_env_text("# c\nA=1\n\nA=2\n", source="t.env")
    assert [(e.key, e.value, e.line) for e in lines] == [("A", "1", 2), ("A", "2", 4)]
    f = tmp_path / "x.env"
    f.write_text("A=1\nA=2\n")
    assert read_env_file(f) == {"A": "2"}


@pytest.mark.parametrize(("text", "line", "why"), [
    ("A=1\nthis is not an assignment\n", 2, "not a KEY=VALUE line"),
    ("A=1\nB=2\n1BAD=3\n", 3, "is not a variable name"),
    ('A="open\n', 1, "unterminated double quote"),
    ("A=1\nB='open\n", 2, "unterminated single quote"),
    ('A="x" y\n', 1, "text after the closing quote"),
    ("export\n", 1, "not a KEY=VALUE line"),
])
def test_malformed_line_names_file_and_line(tmp_path: Path, text: str, line: int, why: str) -> None:
    f = tmp_path / "bad.env"
    f.write_text(text)
    with pytest.raises(SuiteError) as err:
        read_env_file(f)
    msg = str(err.value)
    assert msg.startswith(f"{f}:{line}: ")
    assert why in msg
    assert err.value.exit_code == 104


def test_named_environments_ship_and_resolve() -> None:
    named = available_envs()
    assert {"local", "staging"} <= set(named)
    assert resolve_env_file("staging") == named["staging"]


def test_shipped_staging_values_are_placeholders() -> None:
    values = read_env_file(resolve_env_file("staging"))
    for key in ("API_BASE_URL", "BASE_URL", "API_URL"):
        assert values[key].startswith("https://") and values[key].endswith(".invalid"), key  # never resolves
    assert all("replace" in values[k] for k in values if "KEY" in k or "SECRET" in k)
    assert read_env_file(resolve_env_file("local")).get("API_BASE_URL") is None  # local = embedded sandbox


def test_unknown_environment_suggests_closest() -> None:
    with pytest.raises(SuiteError, match=r"unknown environment 'stagin'; did you mean 'staging'\?.*local, staging"):
        resolve_env_file("stagin")
    with pytest.raises(SuiteError, match="does not exist"):
        resolve_env_file("nowhere/x.env")
