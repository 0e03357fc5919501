"""``.env`` files: ``KEY=VALUE`` lines, as docker compose and python-dotenv read them.

    # comment                 ignored, as are blank lines
    API_BASE_URL=http://localhost:3000
    export API_KEY=test_key_12345          an ``export`` prefix is allowed (the file can be sourced)
    GREETING="hello world"                 double quotes: \\n \\t \\" \\\\ escapes
    PATTERN='a$b\\n'                       single quotes: taken literally
    TIMEOUT=30000  # ms                    an unquoted value ends at `` #``

Anything else (no ``=``, a key that is not ``[A-Za-z_][A-Za-z0-9_]*``, an
unterminated quote, text after a closing quote) is a ``SuiteError`` naming the
file and the line, exit 104.

>>> parse_env_text("export A=1\\nB='x y' # note\\n", source="demo.env")
(EnvLine(key='A', value='1', line=1), EnvLine(key='B', value='x y', line=2))
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from loadlib.errors import SuiteError

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}
EXPECTED = "KEY=VALUE (optionally `export KEY=VALUE`, quoted values, # comments)"


@dataclass(frozen=True)
class EnvLine:
    """One assignment of an env file, with the line it came from."""

    key: str
    value: str
    line: int


def _error(source: str, lineno: int, text: str, why: str) -> SuiteError:
    return SuiteError(f"line {lineno}", text, EXPECTED, source=source,
                      message=f"{source}:{lineno}: {why}: {text.strip()!r}; expected {EXPECTED}")


def _double_quoted(body: str, source: str, lineno: int, text: str) -> tuple[str, str]:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
            continue
        if ch == '"':
            return "".join(out), body[i + 1:]
        out.append(ch)
        i += 1
    raise _error(source, lineno, text, "unterminated double quote")


def _value(raw: str, source: str, lineno: int, text: str) -> str:
    raw = raw.strip()
    if raw.startswith('"'):
        value, rest = _double_quoted(raw[1:], source, lineno, text)
    elif raw.startswith("'"):
        end = raw.find("'", 1)
        if end < 0:
            raise _error(source, lineno, text, "unterminated single quote")
        value, rest = raw[1:end], raw[end + 1:]
    else:
        # an unquoted value ends at " #" (a trailing comment); "a#b" keeps its '#'
        cut = re.search(r"\s#", raw)
        return (raw[:cut.start()] if cut else raw).strip()
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise _error(source, lineno, text, "text after the closing quote")
    return value


def parse_env_text(text: str, *, source: str) -> tuple[EnvLine, ...]:
    """Every assignment of an env file's text, in order (a later line wins when a key repeats)."""
    lines: list[EnvLine] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        body = stripped[len("export "):].lstrip() if stripped.startswith("export ") else stripped
        if "=" not in body:
            raise _error(source, lineno, line, "not a KEY=VALUE line")
        key, raw = body.split("=", 1)
        key = key.strip()
        if not _KEY.match(key):
            raise _error(source, lineno, line, f"{key!r} is not a variable name (letters, digits, _; not a digit first)")
        lines.append(EnvLine(key, _value(raw, source, lineno, line), lineno))
    return tuple(lines)


def read_env_file(path: str | Path) -> dict[str, str]:
    """An env file as a dict (the last assignment of a key wins); ``SuiteError`` when unusable."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError("--env", str(path), "an existing env file", message=f"env file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError("--env", str(path), "a readable UTF-8 env file",
                         message=f"env file {str(path)!r} cannot be read: {exc}") from None
    return {e.key: e.value for e in parse_env_text(text, source=str(path))}


def envs_dirs() -> list[Path]:
    """Where ``--env NAME`` looks for ``NAME.env``: ``./envs``, then the checkout's ``envs/``."""
    dirs = [Path.cwd() / "envs", Path(__file__).resolve().parents[2] / "envs"]
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.append(d.resolve())
    return seen


def available_envs() -> dict[str, Path]:
    """Named environment -> file (``envs/NAME.env``), sorted by name."""
    found: dict[str, Path] = {}
    for d in envs_dirs():
        for f in sorted(d.glob("*.env")):
            found.setdefault(f.stem, f)
    return dict(sorted(found.items()))


def resolve_env_file(name_or_path: str) -> Path:
    """The file ``--env`` names: a path (``.env``, contains ``/``, or exists) or ``envs/NAME.env``."""
    text = name_or_path.strip()
    if text.endswith(".env") or "/" in text or Path(text).is_file():
        path = Path(text).expanduser()
        if not path.is_file():
            raise SuiteError("--env", text, "an existing env file",
                             message=f"env file {text!r} does not exist")
        return path
    named = available_envs()
    if text in named:
        return named[text]
    close = difflib.get_close_matches(text, list(named), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    listing = ", ".join(named) or "(none: create envs/NAME.env)"
    raise SuiteError("--env", text, "a named environment or an env file",
                     message=f"unknown environment {text!r}; {hint}available environments: {listing} "
                             "(or give a path to a .env file)")
