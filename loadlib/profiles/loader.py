"""Find and read a profile: a shipped name (``profiles/NAME.toml``) or a path to ``.toml`` / ``.json``.

A ``.json`` file holds a k6 ``options`` object pasted from a k6 script. It must
be JSON: when it still contains JavaScript (unquoted keys, ``//`` comments,
single quotes, template strings, function calls, ``export const``), the error
says so and points at the line and column to fix.

>>> load_profile("smoke").scenarios[0].executor
'ramping-vus'
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import tomllib
from pathlib import Path

from loadlib.errors import ProfileError
from loadlib.profiles.model import Profile
from loadlib.profiles.schema import build_profile

ENV_DIR = "LOADLIB_PROFILES_DIR"


def profiles_dirs() -> list[Path]:
    """Where shipped profile names are looked up, first match wins.

    ``$LOADLIB_PROFILES_DIR``, then the repository's top-level ``profiles/`` (next to
    the ``loadlib`` package in a checkout or editable install), then ``<prefix>/share/loadlib/profiles``
    (a wheel install), then ``./profiles``.
    """
    dirs: list[Path] = []
    if os.environ.get(ENV_DIR):
        dirs.append(Path(os.environ[ENV_DIR]))
    dirs.append(Path(__file__).resolve().parents[2] / "profiles")
    dirs.append(Path(sys.prefix) / "share" / "loadlib" / "profiles")
    dirs.append(Path.cwd() / "profiles")
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.append(d.resolve())
    return seen


def available_profiles() -> dict[str, Path]:
    """Shipped profile name -> file, sorted by name."""
    found: dict[str, Path] = {}
    for d in profiles_dirs():
        for f in sorted(d.glob("*.toml")):
            found.setdefault(f.stem, f)
    return dict(sorted(found.items()))


def resolve(name_or_path: str) -> Path:
    """The file a ``--load-profile`` value refers to, or a ``ProfileError`` listing the choices."""
    text = str(name_or_path).strip()
    looks_like_path = text.endswith((".toml", ".json")) or os.sep in text or "/" in text
    if looks_like_path:
        path = Path(text).expanduser()
        if not path.is_file():
            raise ProfileError("--load-profile", text, "an existing .toml or .json profile file",
                               message=f"loadlib: profile file {text!r} does not exist")
        return path
    shipped = available_profiles()
    if text in shipped:
        return shipped[text]
    if Path(text).is_file():
        return Path(text)
    names = list(shipped)
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    listing = ", ".join(names) if names else "(none found; set LOADLIB_PROFILES_DIR)"
    raise ProfileError("--load-profile", text, "a shipped profile name or a path to a .toml/.json file",
                       message=f"unknown load profile {text!r}; {hint}available profiles: {listing} "
                               "(or give a path to a .toml or .json file)")


def load_profile(name_or_path: str | os.PathLike[str]) -> Profile:
    """Load and validate a profile by shipped name or path.

    >>> load_profile("profiles/smoke.toml").name
    'smoke'
    """
    path = resolve(os.fspath(name_or_path))
    source = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError("(file)", str(path), "a readable UTF-8 file",
                           message=f"{source}: cannot read profile: {exc}") from None
    data = read_json(text, source) if path.suffix.lower() == ".json" else read_toml(text, source)
    return build_profile(data, name=path.stem, source=source)


def read_toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError("(syntax)", None, "valid TOML",
                           message=f"{source}: not valid TOML: {exc}") from None


def read_json(text: str, source: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        js = find_javascript(text)
        if js is not None:
            line, col, what = js
            msg = (f"{source}:{line}:{col}: this looks like JavaScript, not JSON ({what}). A .json profile must "
                   "hold the k6 options object as plain JSON: quote every key, use double quotes, drop comments, "
                   "and replace variables, function calls and template strings with literal values.")
        else:
            msg = f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        raise ProfileError("(syntax)", None, "a JSON k6 options object", message=msg) from None
    if isinstance(data, dict) and set(data) == {"options"} and isinstance(data["options"], dict):
        data = data["options"]  # {"options": {...}} is accepted too
    return data


def find_javascript(text: str) -> tuple[int, int, str] | None:
    """(line, column, what) of the first JavaScript-only construct outside strings, or None."""
    i, n = 0, len(text)
    expect_key = False  # just after '{' or ',' inside an object
    stack: list[str] = []
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            expect_key = False
            continue
        if c.isspace():
            i += 1
            continue
        where = _line_col(text, i)
        if text.startswith("//", i) or text.startswith("/*", i):
            return (*where, "a comment")
        if c == "'":
            return (*where, "a single-quoted string")
        if c == "`":
            return (*where, "a template string")
        if c in "{[":
            stack.append(c)
            expect_key = c == "{"
            i += 1
            continue
        if c in "}]":
            if stack:
                stack.pop()
            i += 1
            expect_key = False
            continue
        if c == ",":
            expect_key = bool(stack) and stack[-1] == "{"
            i += 1
            continue
        if c.isalpha() or c in "_$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$."):
                j += 1
            word = text[i:j]
            k = j
            while k < n and text[k] in " \t":
                k += 1
            if expect_key and k < n and text[k] == ":":
                return (*where, f"unquoted key {word}")
            if k < n and text[k] == "(":
                return (*where, f"a function call {word}(...)")
            if word in ("export", "const", "let", "var", "import"):
                return (*where, f"the JavaScript keyword {word!r}")
            if word not in ("true", "false", "null"):
                return (*where, f"the identifier {word!r}")
            i = j
            expect_key = False
            continue
        i += 1
        expect_key = False
    return None


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
