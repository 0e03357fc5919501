"""Turn a validated suite plus the command line into a run plan, before anything runs.

A plan fixes, per entry: the effective time scale, every workload variable's
value and source, the target (``--host``, the entry's ``host``, a base-URL
variable, or the shared embedded sandbox) and the locust command line.

Time scales multiply: ``--time-scale`` × the suite's ``time_scale`` × the
entry's ``time_scale``; the cool-down is scaled by the first two.

>>> from loadlib.suites.loader import load_suite
>>> plan = build_plan(load_suite("mina-smoke"), PlanOptions(time_scale=0.5), environ={})
>>> plan.entries[0].uses_sandbox, plan.entries[0].time_scale, plan.cool_down_s
(True, 0.125, 0.5)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from loadlib.profiles import format_duration
from loadlib.suites.loader import default_profile_of
from loadlib.suites.model import Entry, Suite
from loadlib.suites.variables import (
    BASE_URL_NAMES,
    Setting,
    declared_variables,
    format_table,
    resolve_settings,
)

REPORT_FILES = {"json": "{}.json", "html": "{}.html", "slo": "{}.slo.json", "summary": "{}.summary.json",
                "log": "{}.log", "workers_log": "{}.workers.log"}


@dataclass(frozen=True)
class PlanOptions:
    """What the command line adds to the suite file."""

    time_scale: float = 1.0
    host: str | None = None  # --host: every entry's target (entries' own host still wins)
    env_label: str | None = None  # the --env name or file, for the report
    env_file: Mapping[str, str] = field(default_factory=dict)
    cli_env: Mapping[str, str] = field(default_factory=dict)  # --set KEY=VALUE
    master_host: str | None = None  # --master-host H --expect-workers N: each entry runs as a master on H
    master_port: int = 5557
    expect_workers: int | None = None
    workers: int = 0  # --workers N: each entry runs as a master with N local worker processes (loopback)
    locust: tuple[str, ...] = ()  # the locust command (default: this interpreter's `-m locust`)


@dataclass(frozen=True)
class PlannedEntry:
    entry: Entry
    index: int
    time_scale: float
    settings: Mapping[str, Setting]
    host: str | None  # an explicit target (--host / entry host); None: a base-URL variable or the sandbox
    uses_sandbox: bool
    profile_label: str
    target_variable: str | None = None  # the base-URL variable naming the target, when one does

    @property
    def target_label(self) -> str:
        """The target as the plan shows it (a base-URL variable's value and name)."""
        if self.host:
            return self.host
        if self.uses_sandbox or self.target_variable is None:
            return "embedded sandbox"
        return f"{self.settings[self.target_variable].value} (from {self.target_variable})"

    @property
    def estimated_s(self) -> float | None:
        """The entry's load duration (its profile with overrides, scaled), None when plain Locust."""
        from loadlib.profiles import load_profile, parse_stages, stages_profile

        name = self.entry.profile or default_profile_of(self.entry.locustfile)
        stages = parse_stages(self.entry.stages)
        if name:
            profile = load_profile(name)
            profile = profile.with_stages(stages) if stages else profile
        elif stages:
            profile = stages_profile(stages)
        else:
            return None
        return profile.total_duration_s * self.time_scale

    def reports(self) -> dict[str, str]:
        """Report kind -> file name in the results folder."""
        return {kind: pattern.format(self.entry.name) for kind, pattern in REPORT_FILES.items()}

    def command(self, results_dir: Path, options: PlanOptions, sandbox_url: str | None,
                master_port: int | None = None) -> list[str]:
        """The locust command line for this entry (``master_port``: with ``--workers``, where to listen)."""
        e = self.entry
        files = {k: str(results_dir / v) for k, v in self.reports().items()}
        cmd = list(options.locust or locust_command())
        cmd += ["-f", str(e.locustfile), "--headless",
                "--results-json", files["json"], "--html-report", files["html"],
                "--slo-report", files["slo"], "--summary-export", files["summary"], "--test-type", e.name,
                "--time-scale", f"{self.time_scale:g}"]
        if e.profile:
            cmd += ["--load-profile", e.profile]
        for s in e.stages:
            cmd += ["--stage", s]
        for t in e.thresholds:
            cmd += ["--threshold", t]
        host = self.host or (sandbox_url if self.uses_sandbox else None)
        if host:
            cmd += ["--host", host]
        if options.workers:
            cmd += ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port",
                    str(master_port or options.master_port), "--expect-workers", str(options.workers)]
        elif options.expect_workers:
            cmd += ["--master", "--master-bind-host", options.master_host or "127.0.0.1",
                    "--master-bind-port", str(options.master_port), "--expect-workers", str(options.expect_workers)]
        cmd += list(e.args)
        cmd += list(e.user_classes)  # Locust's positional user-class names go last
        return cmd

    def worker_command(self, options: PlanOptions, master_port: int) -> list[str]:
        """One local worker of this entry (``--workers``): same locustfile, connects to the entry's master."""
        return [*(options.locust or locust_command()), "-f", str(self.entry.locustfile), "--worker",
                "--master-host", "127.0.0.1", "--master-port", str(master_port)]


@dataclass(frozen=True)
class Plan:
    suite: Suite
    options: PlanOptions
    entries: tuple[PlannedEntry, ...]
    cool_down_s: float

    @property
    def needs_sandbox(self) -> bool:
        return any(p.uses_sandbox for p in self.entries)

    @property
    def estimated_s(self) -> float:
        """Load time of every entry plus the cool-downs (startup and report writing not counted)."""
        load = sum(p.estimated_s or 0.0 for p in self.entries)
        return load + self.cool_down_s * max(0, len(self.entries) - 1)

    def variable_rows(self) -> list[tuple[str, str | None, str, str]]:
        """(variable, value, source, entries) rows for the start-of-run table."""
        grouped: dict[tuple[str, str | None, str], list[str]] = {}
        for p in self.entries:
            for key, s in p.settings.items():
                grouped.setdefault((key, s.value, s.source), []).append(p.entry.name)
        rows = []
        for (key, value, source), names in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[1][0])):
            where = "all" if len(names) == len(self.entries) else ", ".join(names)
            shown = source if value is not None else ("embedded sandbox default" if all(
                p.uses_sandbox for p in self.entries if p.entry.name in names) else "workload default")
            rows.append((key, value, shown, where))
        return rows

    def describe(self) -> str:
        """The plan as printed before the first entry runs."""
        s = self.suite
        scale = self.options.time_scale * s.time_scale
        lines = [f"suite {s.name} ({s.source}): {len(self.entries)} entries, cool-down "
                 f"{self.cool_down_s:g} s, on_failure = {s.on_failure}"
                 + (f", time scale ×{scale:g}" if scale != 1 else "")
                 + f", about {format_duration(round(self.estimated_s))} of load and cool-down"]
        if s.description:
            lines.append(f"  {s.description}")
        if self.options.workers:
            lines.append(f"  distributed: each entry runs as a master with {self.options.workers} local workers")
        elif self.options.expect_workers:
            lines.append(f"  distributed: each entry is a master on {self.options.master_host or '127.0.0.1'}:"
                         f"{self.options.master_port} waiting for {self.options.expect_workers} workers "
                         "(`locust -f <that entry's locustfile> --worker --master-host ...`)")
        if self.options.env_label:
            lines.append(f"  environment: {self.options.env_label}")
        for p in self.entries:
            target = p.host or ("embedded sandbox" if p.uses_sandbox else p.target_label)
            est = p.estimated_s
            length = f"{format_duration(round(est))}, " if est is not None else ""
            lines.append(f"  {p.index + 1}. {p.entry.name}: {p.entry.locustfile.name}, profile {p.profile_label}, "
                         f"{length}time scale ×{p.time_scale:g}, target {target}")
        lines += ["", "environment (command line > process > env file > suite > workload default; secrets masked)",
                  format_table(self.variable_rows())]
        return "\n".join(lines)


def locust_command() -> list[str]:
    """``locust`` from this interpreter's environment (works in a venv without activating it)."""
    return [sys.executable, "-m", "locust"]


def _plan_entry(suite: Suite, entry: Entry, index: int, options: PlanOptions,
                environ: Mapping[str, str]) -> PlannedEntry:
    declared = declared_variables(entry.locustfile)
    keys = list(dict.fromkeys([*(v.name for v in declared), *suite.env, *entry.env, *options.env_file,
                               *options.cli_env]))
    defaults = {**suite.env, **entry.env}
    settings = resolve_settings(keys, cli=options.cli_env, environ=environ, env_file=options.env_file,
                                defaults=defaults)
    host = entry.host or options.host or environ.get("LOCUST_HOST") or None
    base_urls = [v.name for v in declared if v.base_url] or [n for n in BASE_URL_NAMES if n in keys]
    target_variable = next((n for n in base_urls if n in settings and settings[n].value), None)
    profile = entry.profile or default_profile_of(entry.locustfile)
    label = (profile or "plain locust") + (f" + --stage {' '.join(entry.stages)}" if entry.stages else "")
    return PlannedEntry(entry=entry, index=index, time_scale=options.time_scale * suite.time_scale * entry.time_scale,
                        settings=settings, host=host, uses_sandbox=not host and target_variable is None,
                        profile_label=label, target_variable=target_variable)


def build_plan(suite: Suite, options: PlanOptions, environ: Mapping[str, str] | None = None) -> Plan:
    """The run plan (pure apart from reading the locustfiles' text)."""
    environ = os.environ if environ is None else environ
    entries = tuple(_plan_entry(suite, e, i, options, environ) for i, e in enumerate(suite.entries))
    return Plan(suite=suite, options=options, entries=entries,
                cool_down_s=suite.cool_down_s * suite.time_scale * options.time_scale)
