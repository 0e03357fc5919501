"""Find, read and validate a suite file (``profiles/suites/NAME.toml`` or a path).

Everything is checked before anything runs: the TOML itself, every key,
every entry's locustfile (it must exist), its load profile (loaded with
``loadlib.profiles.load_profile``, as the run will), its ``--stage`` and
``--threshold`` overrides. The first problem is one ``SuiteError`` (exit 104)
naming the suite file and the line::

    profiles/suites/mina.toml:14: entries[1].locustfile = 'locustfiles/nope.py' is not valid; expected ...

>>> suite = load_suite("mina-smoke")
>>> suite.entry_names
('api-read', 'api-write', 'mixed', 'slo')
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadlib.errors import LoadlibError, SuiteError
from loadlib.profiles import load_profile, parse_duration, parse_stages, profiles_dirs
from loadlib.suites.model import Entry, Suite

SUITE_KEYS = ("name", "description", "cool_down", "on_failure", "time_scale", "env", "entries")
ENTRY_KEYS = ("name", "description", "locustfile", "user_classes", "profile", "stages", "time_scale",
              "thresholds", "args", "env", "host")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_DEFAULT_PROFILE = re.compile(r"""default_profile\(\s*["']([^"']+)["']""")
CHECKOUT = Path(__file__).resolve().parents[2]


def suites_dirs() -> list[Path]:
    """Where suite names are looked up: ``suites/`` inside every profiles directory."""
    return [d / "suites" for d in profiles_dirs() if (d / "suites").is_dir()]


def available_suites() -> dict[str, Path]:
    """Shipped suite name -> file, sorted by name."""
    found: dict[str, Path] = {}
    for d in suites_dirs():
        for f in sorted(d.glob("*.toml")):
            found.setdefault(f.stem, f)
    return dict(sorted(found.items()))


def resolve_suite(name_or_path: str) -> Path:
    """The file a suite argument names, or a ``SuiteError`` listing the shipped suites."""
    text = name_or_path.strip()
    if text.endswith(".toml") or "/" in text:
        path = Path(text).expanduser()
        if not path.is_file():
            raise SuiteError("suite", text, "an existing suite .toml file",
                             message=f"suite file {text!r} does not exist")
        return path
    shipped = available_suites()
    if text in shipped:
        return shipped[text]
    close = difflib.get_close_matches(text, list(shipped), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise SuiteError("suite", text, "a shipped suite name or a path to a .toml file",
                     message=f"unknown suite {text!r}; {hint}available suites: {', '.join(shipped) or '(none)'} "
                             "(or give a path to a suite .toml file)")


class _Locator:
    """Line numbers in the suite text (tomllib gives values, not positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [i for i, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*entries\s*\]\]", line)]

    def entry(self, index: int) -> int:
        return self.headers[index] + 1 if index < len(self.headers) else 1

    def key(self, key: str, index: int | None = None) -> int:
        """The line of ``key = ...`` at the top level (index None) or in entry ``index``."""
        if index is None:
            start, stop = 0, self.headers[0] if self.headers else len(self.lines)
        elif index < len(self.headers):
            start = self.headers[index] + 1
            stop = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines)
        else:
            return 1
        pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
        for i in range(start, stop):
            if pattern.match(self.lines[i]):
                return i + 1
            if index is None and re.match(r"\s*\[", self.lines[i]) and key != "env":
                break
            if index is None and key == "env" and re.match(r"\s*\[\s*env\s*\]", self.lines[i]):
                return i + 1
        return self.entry(index) if index is not None else 1


def _fail(source: Path, line: int, field: str, value: object, expected: str, hint: str | None = None) -> SuiteError:
    return SuiteError(field, value, expected, source=f"{source}:{line}", hint=hint)


def _unknown_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str, source: Path,
                  loc: _Locator, index: int | None) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            raise _fail(source, loc.key(key, index), f"{where}{key}", data[key], f"one of {', '.join(allowed)}",
                        f"did you mean {close[0]!r}?" if close else None)


def _scale(value: Any, field: str, source: Path, line: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise _fail(source, line, field, value, "a number > 0, e.g. 0.1")
    return float(value)


def _strings(value: Any, field: str, source: Path, line: int) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, line, field, value, "a list of strings")
    return tuple(value)


def _env_table(value: Any, field: str, source: Path, line: int) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(source, line, field, value, 'a table of variables, e.g. { BASE_URL = "http://127.0.0.1:5000" }')
    out: dict[str, str] = {}
    for k, v in value.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) or isinstance(v, bool) or not isinstance(v, str | int | float):
            raise _fail(source, line, f"{field}.{k}", v, "a variable name with a string or number value")
        out[k] = str(v)
    return out


def resolve_locustfile(text: str, suite_file: Path) -> Path | None:
    """A locustfile path: absolute, or relative to the working directory, the suite file, or the checkout."""
    p = Path(text).expanduser()
    if p.is_absolute():
        return p if p.is_file() else None
    for base in (Path.cwd(), suite_file.parent, CHECKOUT):
        if (base / p).is_file():
            return (base / p).resolve()
    return None


def default_profile_of(locustfile: Path) -> str | None:
    """The profile a locustfile names with ``default_profile("NAME")`` (read from its text)."""
    m = _DEFAULT_PROFILE.search(locustfile.read_text(encoding="utf-8", errors="replace"))
    return m.group(1) if m else None


def _check_profile(name: str, field: str, source: Path, line: int) -> None:
    try:
        load_profile(name)
    except LoadlibError as exc:
        raise SuiteError(field, name, "a loadable profile", source=f"{source}:{line}",
                         message=f"{source}:{line}: {field} = {name!r} cannot be loaded: {exc}") from None


def _entry(raw: Any, index: int, source: Path, loc: _Locator) -> Entry:
    where = f"entries[{index}]."
    line = loc.entry(index)
    if not isinstance(raw, dict):
        raise _fail(source, line, f"entries[{index}]", raw, "a table ([[entries]])")
    _unknown_keys(raw, ENTRY_KEYS, where, source, loc, index)

    def at(key: str) -> int:
        return loc.key(key, index)

    lf_text = raw.get("locustfile")
    if not isinstance(lf_text, str) or not lf_text.strip():
        raise _fail(source, at("locustfile") if "locustfile" in raw else line, f"{where}locustfile", lf_text,
                    "the path of a locustfile, e.g. locustfiles/mina_read.py")
    locustfile = resolve_locustfile(lf_text, source)
    if locustfile is None:
        raise _fail(source, at("locustfile"), f"{where}locustfile", lf_text,
                    "an existing locustfile (relative to the working directory, the suite file or the checkout)")
    name = raw.get("name", locustfile.stem)
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(source, at("name"), f"{where}name", name, "letters, digits, '.', '_' or '-' (it names report files)")
    profile = raw.get("profile")
    if profile is not None:
        if not isinstance(profile, str) or not profile.strip():
            raise _fail(source, at("profile"), f"{where}profile", profile, "a profile name or path")
        prof_path = Path(profile)
        if not prof_path.is_absolute() and (source.parent / prof_path).is_file() and "/" in profile:
            profile = str((source.parent / prof_path).resolve())
        _check_profile(profile, f"{where}profile", source, at("profile"))
    else:
        default = default_profile_of(locustfile)
        if default:
            _check_profile(default, f"{where}locustfile's default_profile", source, at("locustfile"))
    stages = _strings(raw.get("stages", []), f"{where}stages", source, at("stages"))
    try:
        parse_stages(stages)
    except LoadlibError as exc:
        raise SuiteError(f"{where}stages", list(stages), None, source=f"{source}:{at('stages')}",
                         message=f"{source}:{at('stages')}: {where}stages: {exc}") from None
    thresholds = _strings(raw.get("thresholds", []), f"{where}thresholds", source, at("thresholds"))
    _check_thresholds(thresholds, f"{where}thresholds", source, at("thresholds"))
    host = raw.get("host")
    if host is not None and (not isinstance(host, str) or not re.match(r"https?://[^/\s]+", host)):
        raise _fail(source, at("host"), f"{where}host", host, "an http:// or https:// URL")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise _fail(source, at("description"), f"{where}description", description, "a string")
    return Entry(
        name=name, locustfile=locustfile, line=line, description=description,
        user_classes=_strings(raw.get("user_classes", []), f"{where}user_classes", source, at("user_classes")),
        profile=profile, stages=stages,
        time_scale=_scale(raw.get("time_scale", 1.0), f"{where}time_scale", source, at("time_scale")),
        thresholds=thresholds,
        args=_strings(raw.get("args", []), f"{where}args", source, at("args")),
        env=_env_table(raw.get("env", {}), f"{where}env", source, at("env")),
        host=host,
    )


def _check_thresholds(items: tuple[str, ...], field: str, source: Path, line: int) -> None:
    from loadlib.thresholds.model import ThresholdSet, spec_from_cli

    try:
        ThresholdSet.parse([spec_from_cli(t) for t in items], source="--threshold")
    except LoadlibError as exc:
        raise SuiteError(field, list(items), None, source=f"{source}:{line}",
                         message=f"{source}:{line}: {field}: {exc}") from None


def parse_suite(text: str, source: Path) -> Suite:
    """A validated ``Suite`` from a suite file's text; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError("toml", None, None, source=str(source), message=f"{source}: not valid TOML: {exc}") from None
    loc = _Locator(text)
    _unknown_keys(data, SUITE_KEYS, "", source, loc, None)
    entries_raw = data.get("entries")
    if not isinstance(entries_raw, list) or not entries_raw:
        raise _fail(source, 1, "entries", entries_raw, "one or more [[entries]] tables")
    entries = tuple(_entry(raw, i, source, loc) for i, raw in enumerate(entries_raw))
    seen: dict[str, int] = {}
    for i, e in enumerate(entries):
        if e.name in seen:
            raise _fail(source, loc.key("name", i), f"entries[{i}].name", e.name,
                        f"a name not used by entries[{seen[e.name]}] (names the report files)")
        seen[e.name] = i
    on_failure = data.get("on_failure", "continue")
    if on_failure not in ("continue", "stop"):
        raise _fail(source, loc.key("on_failure"), "on_failure", on_failure, '"continue" or "stop"')
    cool = data.get("cool_down", "0s")
    try:
        cool_s = parse_duration(str(cool)) if not isinstance(cool, bool) else -1.0
    except (LoadlibError, ValueError):
        cool_s = -1.0
    if cool_s < 0:
        raise _fail(source, loc.key("cool_down"), "cool_down", cool, "a duration such as 90s or 1m30s")
    name = data.get("name", source.stem)
    description = data.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise _fail(source, loc.key("name"), "name", name, "strings for name and description")
    return Suite(
        name=name, source=source, entries=entries, description=description, cool_down_s=cool_s,
        on_failure=on_failure,
        time_scale=_scale(data.get("time_scale", 1.0), "time_scale", source, loc.key("time_scale")),
        env=_env_table(data.get("env", {}), "env", source, loc.key("env")),
    )


def load_suite(name_or_path: str) -> Suite:
    """Resolve and parse a suite (see the module docstring)."""
    path = resolve_suite(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError("suite", str(path), None, message=f"suite file {str(path)!r} cannot be read: {exc}") from None
    return parse_suite(text, path)
