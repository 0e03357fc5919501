"""`loadlib suite` (placeholder until its owner fills it in)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("suite", help="(not yet available)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    print("loadlib suite: not yet available")
    return 2
