"""The workloads' environment variables: precedence, sources, masking.

Precedence, highest first (click's ``ParameterSource`` idea: every value
remembers where it came from)::

    command line   loadlib suite ... --set KEY=VALUE (repeatable)
    process        the environment loadlib suite was started in
    env file       --env NAME (envs/NAME.env) or --env PATH
    suite          the entry's ``env = {...}``, then the suite file's ``[env]`` table
    workload       unset: the workload's own default (the embedded sandbox's value, or an error for a real target)

>>> s = resolve_settings(["API_KEY"], cli={}, environ={}, env_file={"API_KEY": "k1"}, defaults={})
>>> s["API_KEY"].source, mask("API_KEY", s["API_KEY"].value)
('env file', '****')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from loadlib.errors import SuiteError

SOURCES = ("command line", "process", "env file", "suite", "workload")
SECRET_MARKERS = ("KEY", "SECRET", "TOKEN", "PASSWORD")
BASE_URL_NAMES = ("API_BASE_URL", "BASE_URL", "API_URL")  # the variables that name a workload's target
_DECL = re.compile(r"""\benv\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']([^)]*)\)""")
_HELPER_IMPORT = re.compile(r"^\s*(?:from|import)\s+(_[A-Za-z0-9_]+)", re.MULTILINE)


@dataclass(frozen=True)
class Setting:
    """One variable's resolved value and where it came from (``value`` None: left to the workload)."""

    key: str
    value: str | None
    source: str


@dataclass(frozen=True)
class WorkloadVar:
    """A variable a locustfile declares with ``loadlib.env(...)``."""

    name: str
    base_url: bool = False


def is_secret(key: str) -> bool:
    """True for names that hold credentials (contain KEY, SECRET, TOKEN or PASSWORD)."""
    upper = key.upper()
    return any(m in upper for m in SECRET_MARKERS)


def mask(key: str, value: str | None) -> str:
    """The value as the start-of-run table shows it: secrets become ``****``."""
    if value is None:
        return "(unset)"
    return "****" if is_secret(key) and value != "" else value


def parse_assignment(text: str, *, field: str = "--set") -> tuple[str, str]:
    """``KEY=VALUE`` from the command line; ``SuiteError`` naming the option otherwise."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise SuiteError(field, text, "KEY=VALUE with KEY a variable name, e.g. --set BASE_URL=http://127.0.0.1:5000",
                         source="command line")
    return key, value


def resolve_settings(keys: Iterable[str], *, cli: Mapping[str, str], environ: Mapping[str, str],
                     env_file: Mapping[str, str], defaults: Mapping[str, str]) -> dict[str, Setting]:
    """Each key's value by precedence: command line > process > env file > suite defaults > workload."""
    out: dict[str, Setting] = {}
    layers = (("command line", cli), ("process", environ), ("env file", env_file), ("suite", defaults))
    for key in keys:
        for source, layer in layers:
            # an empty process variable counts as unset, as the workloads read it
            if key in layer and (source != "process" or layer[key] != ""):
                out[key] = Setting(key, layer[key], source)
                break
        else:
            out[key] = Setting(key, None, "workload")
    return out


def child_environment(environ: Mapping[str, str], settings: Mapping[str, Setting]) -> dict[str, str]:
    """The environment an entry's locust process gets: the process's plus every resolved setting."""
    env = dict(environ)
    for s in settings.values():
        if s.value is not None:
            env[s.key] = s.value
    return env


def declared_variables(locustfile: Path) -> tuple[WorkloadVar, ...]:
    """The ``loadlib.env("NAME", ...)`` declarations of a locustfile and its ``_helper`` modules.

    Read from the source text, not imported: importing a locustfile imports Locust (and gevent).
    Names built at run time (f-strings) are not found; they still reach the workload.
    """
    seen: dict[str, WorkloadVar] = {}
    todo, done = [locustfile], set()
    while todo:
        path = todo.pop()
        if path in done or not path.is_file():
            continue
        done.add(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in _DECL.finditer(text):
            seen.setdefault(m.group(1), WorkloadVar(m.group(1), "base_url=True" in m.group(2)))
        todo.extend(path.parent / f"{mod}.py" for mod in _HELPER_IMPORT.findall(text))
    return tuple(seen.values())


def format_table(rows: Iterable[tuple[str, str | None, str, str]]) -> str:
    """The start-of-run table: variable, value (masked), source, entries it applies to."""
    data = [(k, mask(k, v), src, where) for k, v, src, where in rows]
    if not data:
        return "environment: no workload variables (every entry uses its defaults)"
    heads = ("VARIABLE", "VALUE", "SOURCE", "ENTRIES")
    widths = [max(len(h), *(len(r[i]) for r in data)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in data]
    return "\n".join(lines)
