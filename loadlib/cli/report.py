"""``loadlib report RESULT.json --html OUT.html``: re-render reports from a loadlib result JSON.

The result JSON (``--results-json``) round-trips, so any report can be
produced again later, or a different one than was asked for during the run::

    $ loadlib report results/run.json --html results/run.html --slo results/slo.json
    $ loadlib report results/run.json            # prints the text summary
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from loadlib.outputs import atomic, html, k6_summary, result_json, slo, text
from loadlib.outputs.view import DEFAULT_TREND_STATS


def add_parser(sub: Any) -> None:
    p = sub.add_parser("report", help="re-render the HTML report (and others) from a loadlib result JSON")
    p.add_argument("result", metavar="RESULT.json", help="a file written by --results-json")
    p.add_argument("--html", metavar="OUT.html", help="write the HTML report here")
    p.add_argument("--summary-export", metavar="OUT.json", help="write k6's summary-export JSON here")
    p.add_argument("--slo", metavar="OUT.json", help="write the SLO JSON result here")
    p.add_argument("--test-type", metavar="NAME", help="test_type for the SLO/HTML report (default: the test name)")
    p.add_argument("--quiet", action="store_true", help="do not print the text summary")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    doc = result_json.read_json(args.result)
    result = result_json.from_dict(doc, source=args.result)
    stats = tuple(doc.get("summary_trend_stats") or DEFAULT_TREND_STATS)
    test_type = args.test_type or result.meta.test_name
    if args.html:
        atomic.write_rendered(args.html, lambda r: html.render(r, test_type=test_type, trend_stats=stats), result)
    if args.summary_export:
        atomic.write_rendered(args.summary_export, lambda r: k6_summary.render(r, trend_stats=stats), result)
    if args.slo:
        atomic.write_rendered(args.slo, lambda r: slo.render(r, test_type=test_type), result)
    if not args.quiet:
        sys.stdout.write(text.render(result, trend_stats=stats).decode("utf-8"))
    for path in (args.html, args.summary_export, args.slo):
        if path:
            print(f"  report written: {path}")
    return 0
