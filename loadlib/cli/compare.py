"""``loadlib compare BASELINE.json CURRENT.json [--tolerance 10%]``: baseline regression check.

Both files may be loadlib result JSON (``--results-json``) or k6 summary
exports (``--summary-export``, from loadlib or k6). Prints a per-metric delta
table (p50/p95/p99/avg of ``http_req_duration`` and of its sub-metrics present
in both, error rate, throughput). Exit codes: 0 within tolerance, 1 at least
one regression, 104 a file that cannot be read as either format (one line
naming it).

    $ loadlib compare results/baseline.json results/run.json --tolerance 10%
"""

from __future__ import annotations

import argparse
from typing import Any

from loadlib.errors import ConfigError
from loadlib.outputs.baseline import compare, format_table, load_numbers, parse_tolerance

EXIT_REGRESSION = 1


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="compare a run against a baseline; exit 1 on a regression beyond the tolerance",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    p.add_argument("baseline", metavar="BASELINE.json", help="loadlib result JSON or k6 summary export")
    p.add_argument("current", metavar="CURRENT.json", help="loadlib result JSON or k6 summary export")
    p.add_argument("--tolerance", default="10%", metavar="PCT",
                   help="allowed worsening before a number counts as a regression (default 10%%)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        tolerance = parse_tolerance(args.tolerance)
    except ValueError:
        raise ConfigError("--tolerance", args.tolerance, "a percentage such as 10% or 5.5%") from None
    base = load_numbers(args.baseline)
    cur = load_numbers(args.current)
    rows = compare(base, cur, tolerance=tolerance)
    if not rows:
        raise ConfigError("compare", f"{args.baseline} vs {args.current}", "two files with common metrics",
                          hint="neither http_req_duration, http_req_failed nor http_reqs is in both files")
    print(f"baseline: {base.source} ({base.kind})\ncurrent:  {cur.source} ({cur.kind})\n")
    print(format_table(rows, tolerance=tolerance))
    return EXIT_REGRESSION if any(r.regressed for r in rows) else 0
