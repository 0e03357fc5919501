"""Entry point of the ``loadlib`` console script.

Subcommands live one per module in this package; each exposes
``add_parser(subparsers) -> None`` and sets ``func`` on its parser, a callable
``(args) -> int`` returning the exit code. A ``LoadlibError`` becomes one
readable line on stderr and its exit code: never a traceback for a user mistake.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from loadlib.errors import LoadlibError

SUBCOMMANDS = ("profiles", "sandbox", "compare", "report", "suite")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loadlib",
        description="k6-compatible load testing on Locust. Run workloads with `locust -f locustfiles/NAME.py`.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"loadlib.cli.{name}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except LoadlibError as exc:
        print(f"loadlib: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
