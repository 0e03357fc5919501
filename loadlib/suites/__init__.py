"""Suites: a system's whole k6 suite as data, run in one command with one verdict and report.

A suite file (``profiles/suites/NAME.toml``) lists entries in order; ``loadlib
suite NAME`` validates all of it, runs each entry as a real ``locust
--headless`` process into ``results/<timestamp>/``, pauses ``cool_down``
between entries, and writes a combined ``summary.json`` and ``report.html``::

    $ loadlib suite mina-smoke --time-scale 0.5
    $ loadlib suite rsolv --env staging --results results/
    $ loadlib suite tests/fixtures/suites/tiny.toml --set BASE_URL=http://127.0.0.1:5000

Modules: ``model`` (the records), ``loader`` (find, parse, validate),
``envfile`` (``.env`` files), ``variables`` (precedence, masking), ``plan``
(what will run, and how), ``runner`` (run it), ``result`` (outcome and exit
code rule), ``comment`` (the pull-request Markdown), ``sandbox`` (one
embedded sandbox for the whole suite).

>>> from loadlib.suites import load_suite
>>> load_suite("fintech-smoke").entries[0].name
'auth'
"""

from __future__ import annotations

from loadlib.suites.envfile import EnvLine, available_envs, parse_env_text, read_env_file, resolve_env_file
from loadlib.suites.loader import available_suites, load_suite, parse_suite, resolve_suite
from loadlib.suites.model import Entry, Suite
from loadlib.suites.plan import Plan, PlanOptions, build_plan
from loadlib.suites.result import EntryResult, SuiteResult, overall_exit_code
from loadlib.suites.runner import run_plan
from loadlib.suites.variables import Setting, mask, resolve_settings

__all__ = [
    "Entry",
    "EntryResult",
    "EnvLine",
    "Plan",
    "PlanOptions",
    "Setting",
    "Suite",
    "SuiteResult",
    "available_envs",
    "available_suites",
    "build_plan",
    "load_suite",
    "mask",
    "overall_exit_code",
    "parse_env_text",
    "parse_suite",
    "read_env_file",
    "resolve_env_file",
    "resolve_settings",
    "resolve_suite",
    "run_plan",
]
