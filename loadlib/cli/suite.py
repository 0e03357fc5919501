"""``loadlib suite NAME|PATH``: run a whole suite (profiles/suites/NAME.toml) with one verdict and report.

    loadlib suite                                  list the shipped suites
    loadlib suite mina-smoke                       every entry against one embedded sandbox
    loadlib suite rsolv --env staging              variables from envs/staging.env
    loadlib suite fintech --time-scale 0.1 --set API_KEY=... --results out/
    loadlib suite mina --dry-run                   validate, print the plan and the variables, run nothing
    loadlib suite mina-smoke --workers 2           each entry as a master with 2 local workers

Everything is validated first (suite file, locustfiles, profiles, env file):
a problem is one message naming the file and line, exit 104, nothing run.
The exit code is the most severe entry code (k6's numbers: 0 < 99 < 107 <
108 < 104 < 105); every entry's own code is kept in ``summary.json``.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from loadlib.errors import SuiteError
from loadlib.outputs import atomic
from loadlib.profiles import format_duration, parse_time_scale
from loadlib.suites import available_suites, build_plan, load_suite, read_env_file, resolve_env_file
from loadlib.suites.plan import PlanOptions
from loadlib.suites.runner import results_folder, run_plan
from loadlib.suites.variables import parse_assignment


def add_parser(sub: Any) -> None:
    p = sub.add_parser("suite", help="run a suite of workloads (profiles/suites/NAME.toml): one verdict, one report",
                       description="Run every entry of a suite as `locust --headless`, then write a combined "
                                   "summary.json and report.html into RESULTS/<timestamp>/.")
    p.add_argument("suite", nargs="?", metavar="NAME|PATH", help="a shipped suite name or a suite .toml file")
    p.add_argument("--env", metavar="NAME|FILE", help="environment variables from envs/NAME.env or a .env file")
    p.add_argument("--set", dest="set_vars", metavar="KEY=VALUE", action="append", default=[],
                   help="a workload variable, repeatable; beats the process environment and the env file")
    p.add_argument("--time-scale", default="1", metavar="F",
                   help="multiply every duration (profiles and cool-down) by F (> 0), e.g. 0.1")
    p.add_argument("--results", default="results", metavar="DIR", help="results root (default: results/)")
    p.add_argument("--host", metavar="URL", help="target every entry at this host (default: the embedded sandbox)")
    p.add_argument("--master-host", metavar="H",
                   help="run each entry as a Locust master bound to H; workers connect with "
                        "`locust -f LOCUSTFILE --worker --master-host H`")
    p.add_argument("--master-port", type=int, default=5557, metavar="P", help="master bind port (default 5557)")
    p.add_argument("--expect-workers", type=int, metavar="N", help="with --master-host: workers each entry waits for")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="run each entry distributed: a master plus N local worker processes on loopback")
    p.add_argument("--pr-comment", metavar="FILE", help="also write the headline numbers as Markdown for a PR comment")
    p.add_argument("--dry-run", action="store_true", help="validate and print the plan; run nothing")
    p.set_defaults(func=_run)


def _list() -> int:
    suites = available_suites()
    if not suites:
        print("no suites found (looked in profiles/suites/)")
        return 0
    width = max(len(n) for n in suites)
    for name, path in suites.items():
        try:
            s = load_suite(str(path))
            length = format_duration(round(build_plan(s, PlanOptions()).estimated_s))
            print(f"{name:<{width}}  {len(s.entries)} entries  {length:>8}  {s.description}")
        except SuiteError as exc:
            print(f"{name:<{width}}  INVALID: {exc}")
    print("\nrun one:  loadlib suite NAME [--env local|staging|FILE] [--time-scale F]")
    return 0


def _options(args: argparse.Namespace) -> PlanOptions:
    try:
        scale = parse_time_scale(args.time_scale)
    except Exception as exc:  # noqa: BLE001 (parse_time_scale raises a ProfileError; name our option)
        raise SuiteError("--time-scale", args.time_scale, "a number > 0, e.g. 0.1", source="command line") from exc
    cli_env = dict(parse_assignment(a) for a in args.set_vars)
    env_file: dict[str, str] = {}
    label = None
    if args.env:
        path = resolve_env_file(args.env)
        env_file = read_env_file(path)
        label = f"{args.env} ({path})" if str(path) != args.env else args.env
    if args.expect_workers is not None and args.expect_workers < 1:
        raise SuiteError("--expect-workers", args.expect_workers, "a whole number >= 1", source="command line")
    if args.workers < 0 or (args.workers and args.expect_workers):
        raise SuiteError("--workers", args.workers, "a whole number >= 0, not combined with --expect-workers",
                         source="command line")
    if args.host is not None and not args.host.startswith(("http://", "https://")):
        raise SuiteError("--host", args.host, "an http:// or https:// URL", source="command line")
    return PlanOptions(time_scale=scale, host=args.host, env_label=label, env_file=env_file, cli_env=cli_env,
                       master_host=args.master_host, master_port=args.master_port,
                       expect_workers=args.expect_workers if args.master_host or args.expect_workers else None,
                       workers=args.workers)


def _sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the same orderly stop as Ctrl-C: entries write their reports


def _run(args: argparse.Namespace) -> int:
    if not args.suite:
        return _list()
    # validate everything before anything runs (SuiteError -> one line, exit 104, in cli.main)
    suite = load_suite(args.suite)
    plan = build_plan(suite, _options(args))
    print(plan.describe(), flush=True)
    if args.dry_run:
        print("\ndry run: nothing was run")
        return 0
    if args.pr_comment and (why := atomic.check_writable(args.pr_comment)):
        raise SuiteError("--pr-comment", args.pr_comment, "a writable file path", source="command line", hint=why)
    try:
        folder = results_folder(Path(args.results))
    except OSError as exc:
        raise SuiteError("--results", args.results, "a writable directory", source="command line",
                         hint=exc.strerror or str(exc)) from None
    print(f"\nresults: {folder}/\n", flush=True)
    signal.signal(signal.SIGTERM, _sigterm)
    result = run_plan(plan, folder, pr_comment=Path(args.pr_comment) if args.pr_comment else None)
    counts = result.counts()
    print(f"\nsuite {suite.name}: {result.status.upper()}  {counts['passed']}/{len(result.entries)} passed"
          + "".join(f", {n} {k}" for k, n in counts.items() if n and k != "passed")
          + f"  exit {result.exit_code}  ({result.duration_s:.1f} s)")
    print(f"  summary: {folder / 'summary.json'}\n  report:  {folder / 'report.html'}")
    if args.pr_comment:
        print(f"  PR comment: {args.pr_comment}")
    sys.stdout.flush()
    return result.exit_code
