"""Run a plan: each entry as a real ``locust --headless`` process, then the combined reports.

Each entry writes ``<entry>.json`` (``--results-json``), ``<entry>.html``,
``<entry>.slo.json`` and ``<entry>.summary.json`` into the results folder, and
its console output to ``<entry>.log``. Progress is printed per entry (i/N,
name, verdict, headline numbers); the cool-down separates entries. At the end
``summary.json`` (``outputs.suite_json``) and ``report.html``
(``outputs.suite_html``) are written atomically, and ``--pr-comment`` Markdown
when asked for.

>>> result = run_plan(plan, Path("results/20260101T000000Z"))  # doctest: +SKIP
>>> result.exit_code  # doctest: +SKIP
99
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from loadlib import exitcodes
from loadlib.outputs import atomic, suite_html, suite_json
from loadlib.suites import comment
from loadlib.suites.plan import Plan, PlannedEntry
from loadlib.suites.result import EntryResult, SuiteResult
from loadlib.suites.sandbox import ENV_NAME, SharedSandbox
from loadlib.suites.variables import child_environment

STOP_GRACE_S = 30.0  # after Ctrl-C, how long an entry may take to write its reports


def results_folder(root: Path, now: float | None = None) -> Path:
    """A new ``root/<UTC timestamp>/`` folder (a suffix when one already exists this second)."""
    stamp = datetime.fromtimestamp(now or time.time(), tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = root / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = root / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    return folder


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _tail(path: Path, lines: int = 4) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.splitlines()[-lines:])


def collect(planned: PlannedEntry, folder: Path, exit_code: int | None, duration_s: float,
            message: str = "") -> EntryResult:
    """An entry's result from the files its run wrote (whatever exists)."""
    e = planned.entry
    reports = planned.reports()
    slo = _read_json(folder / reports["slo"])
    result = _read_json(folder / reports["json"])
    raw = slo.get("metrics")
    metrics: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
    compliance = metrics.pop("slo_compliance", {}) or {}
    thresholds = tuple(
        {"metric": t.get("metric"), "expression": t.get("expression"), "ok": bool(t.get("ok")),
         "observed": t.get("observed")}
        for t in result.get("thresholds", []) if isinstance(t, dict))
    present = {k: v for k, v in reports.items() if (folder / v).exists()}
    if exit_code == exitcodes.EXTERNAL_ABORT and not message:
        message = "interrupted (Ctrl-C / SIGTERM): its reports cover the part that ran"
    elif exit_code not in (None, exitcodes.OK, exitcodes.THRESHOLDS_FAILED) and not message:
        message = _tail(folder / reports["log"])
    return EntryResult(name=e.name, locustfile=str(e.locustfile), profile=planned.profile_label,
                       exit_code=exit_code, duration_s=duration_s, description=e.description,
                       metrics=metrics, slo_compliance=compliance, thresholds=thresholds, reports=present,
                       time_scale=planned.time_scale, message=message)


def headline(r: EntryResult) -> str:
    """One progress line's numbers: requests, throughput, error rate, p50/p95/p99."""
    m = r.metrics
    raw = m.get("response_times")
    rt: dict[str, Any] = raw if isinstance(raw, dict) else {}

    def ms(k: str) -> str:
        v = rt.get(k)
        return f"{v:.1f}" if isinstance(v, int | float) else "-"

    if not m:
        return "no measurements"
    rate = m.get("error_rate")
    rps = m.get("requests_per_second")
    errors = f"{rate * 100:.2f}%" if isinstance(rate, int | float) else "-"
    throughput = f"{rps:.1f}" if isinstance(rps, int | float) else "-"
    return (f"{m.get('requests_total', 0)} req, {throughput} req/s, "
            f"errors {errors}, p50/p95/p99 {ms('p50')}/{ms('p95')}/{ms('p99')} ms")


class SuiteRunner:
    """Runs a plan; ``out`` receives the progress lines."""

    def __init__(self, plan: Plan, folder: Path, *, out: TextIO | None = None,
                 sleep: Callable[[float], None] = time.sleep, pr_comment: Path | None = None) -> None:
        self.plan = plan
        self.folder = folder
        self.out = out or sys.stdout
        self.sleep = sleep
        self.pr_comment = pr_comment
        self.proc: subprocess.Popen[bytes] | None = None
        self.interrupted = False

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def run(self) -> SuiteResult:
        plan = self.plan
        started = time.time()
        results: list[EntryResult] = []
        interrupted = False
        sandbox = SharedSandbox(log_path=self.folder / "sandbox.log") if plan.needs_sandbox else None
        sandbox_url: str | None = None
        try:
            if sandbox is not None:
                sandbox_url = sandbox.start()
                self.say(f"embedded sandbox at {sandbox_url} (one for the whole suite)")
            stop_reason = ""
            for i, planned in enumerate(plan.entries):
                if stop_reason:
                    results.append(collect(planned, self.folder, None, 0.0, stop_reason))
                    self.say(f"[{i + 1}/{len(plan.entries)}] {planned.entry.name}: SKIPPED ({stop_reason})")
                    continue
                if i and plan.cool_down_s > 0:
                    self.say(f"cool-down {plan.cool_down_s:g} s")
                    self.sleep(plan.cool_down_s)
                r = self._run_entry(planned, sandbox_url)
                results.append(r)
                if self.interrupted or r.exit_code == exitcodes.EXTERNAL_ABORT:
                    raise KeyboardInterrupt
                if not r.passed and plan.suite.on_failure == "stop":
                    stop_reason = f"on_failure = stop after {r.name} {r.verdict}"
        except KeyboardInterrupt:
            interrupted = True
            self._stop_child()
            done = {r.name for r in results}
            for planned in plan.entries:
                if planned.entry.name not in done:
                    results.append(collect(planned, self.folder, None, 0.0, "skipped: the suite was interrupted"))
            self.say("interrupted: writing the reports of what ran")
        finally:
            if sandbox is not None:
                sandbox.stop()
        result = SuiteResult(
            suite=plan.suite.name, source=str(plan.suite.source), started_at=started, ended_at=time.time(),
            entries=tuple(results), description=plan.suite.description, environment=plan.options.env_label,
            time_scale=plan.options.time_scale * plan.suite.time_scale,
            host=plan.options.host or sandbox_url, interrupted=interrupted)
        self.write(result)
        return result

    def write(self, result: SuiteResult) -> None:
        atomic.write_rendered(self.folder / "summary.json", suite_json.render, result)
        atomic.write_rendered(self.folder / "report.html", suite_html.render, result)
        if self.pr_comment is not None:
            atomic.write_rendered(self.pr_comment, comment.render, result)

    def _run_entry(self, planned: PlannedEntry, sandbox_url: str | None) -> EntryResult:
        n = len(self.plan.entries)
        e = planned.entry
        self.say(f"[{planned.index + 1}/{n}] {e.name}: {e.locustfile.name}, profile {planned.profile_label}, "
                 f"time scale ×{planned.time_scale:g} ...")
        master_port = free_port() if self.plan.options.workers else None
        cmd = planned.command(self.folder, self.plan.options, sandbox_url, master_port)
        env = child_environment(os.environ, planned.settings)
        env["PYTHONUNBUFFERED"] = "1"
        if planned.uses_sandbox and sandbox_url:
            env[ENV_NAME] = sandbox_url
        else:
            env.pop(ENV_NAME, None)
        log_path = self.folder / planned.reports()["log"]
        started = time.monotonic()
        workers: list[subprocess.Popen[bytes]] = []
        with open(log_path, "wb") as log:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
            if master_port is not None:
                workers = self._start_workers(planned, master_port, env)
            try:
                code = self.proc.wait()
            except KeyboardInterrupt:
                # the entry (same process group) usually got the Ctrl-C too: give it time to write its reports
                self.interrupted = True
                self._stop_child(first_wait_s=2.0)
                code = self.proc.returncode
                if code is None or code < 0 or code == 1:
                    code = exitcodes.EXTERNAL_ABORT  # stopped before its own handler could say so (k6: 105)
            finally:
                if self.proc.poll() is None:
                    self._stop_child()
                self.proc = None
                _stop_workers(workers)
        r = collect(planned, self.folder, code, time.monotonic() - started)
        self.say(f"[{planned.index + 1}/{n}] {e.name}: {r.verdict.upper()} (exit {code}) {headline(r)} "
                 f"in {r.duration_s:.1f} s")
        for t in r.failed_thresholds:
            observed = t["observed"]
            shown = f"{observed:.4g}" if isinstance(observed, int | float) else "no data"
            self.say(f"      threshold failed: {t['metric']}: {t['expression']} (observed {shown})")
        if r.message:
            self.say(f"      {r.message}")
        return r

    def _start_workers(self, planned: PlannedEntry, master_port: int,
                       env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
        cmd = planned.worker_command(self.plan.options, master_port)
        path = self.folder / f"{planned.entry.name}.workers.log"
        with open(path, "ab") as log:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            log.flush()
            return [subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
                    for _ in range(self.plan.options.workers)]

    def _stop_child(self, first_wait_s: float = 0.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        if first_wait_s:
            try:
                proc.wait(timeout=first_wait_s)
                return
            except subprocess.TimeoutExpired:
                pass
        # SIGINT first: the entry marks itself interrupted and still writes its reports (exit 105)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def free_port() -> int:
    """A free loopback TCP port for an entry's master (``--workers``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop_workers(workers: list[subprocess.Popen[bytes]], grace_s: float = 15.0) -> None:
    """Workers quit when their master does; terminate (then kill) any that lingers."""
    deadline = time.monotonic() + grace_s
    for w in workers:
        try:
            w.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            w.terminate()
            try:
                w.wait(timeout=10)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait(timeout=10)


def run_plan(plan: Plan, folder: Path, **kwargs: Any) -> SuiteResult:
    """Run every entry of ``plan`` into ``folder`` and write the combined reports."""
    return SuiteRunner(plan, folder, **kwargs).run()
