"""`loadlib sandbox`: run the embedded target in the foreground, or audit a running one.

    loadlib sandbox --port 8080 --db results/sandbox.db
    loadlib sandbox audit --url http://127.0.0.1:8080     # exit 0 when every invariant holds, 1 otherwise
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from loadlib.errors import LoadlibError


def add_parser(sub: Any) -> None:
    from loadlib.sandbox.server import add_arguments

    p = sub.add_parser("sandbox", help="run the embedded sandbox (all five seed systems) in the foreground",
                       description="Serve the sandbox until Ctrl-C; `loadlib sandbox audit --url URL` checks "
                                   "its invariants after a run.")
    add_arguments(p)
    p.set_defaults(func=_serve)
    actions = p.add_subparsers(dest="sandbox_command", metavar="ACTION")
    a = actions.add_parser("audit", help="check a running sandbox's invariants (exit 0 all hold, 1 otherwise)")
    a.add_argument("--url", required=True, help="the sandbox base URL, e.g. http://127.0.0.1:8080")
    a.add_argument("--json", action="store_true", help="print the raw audit document instead of a table")
    a.set_defaults(func=_audit)


def _serve(args: argparse.Namespace) -> int:
    from loadlib.sandbox.server import serve

    return serve(args)


def fetch_audit(url: str, timeout: float = 30.0) -> dict[str, Any]:
    """GET ``<url>/audit`` and return its JSON document."""
    target = url.rstrip("/") + "/audit"
    if not target.startswith(("http://", "https://")):
        raise LoadlibError(f"--url {url!r} is not an http(s) URL; expected e.g. http://127.0.0.1:8080")
    try:
        with urllib.request.urlopen(target, timeout=timeout) as response:
            document = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LoadlibError(f"cannot read {target}: {exc}", exit_code=2) from None
    if not isinstance(document, dict) or not isinstance(document.get("invariants"), list):
        raise LoadlibError(f"{target} did not return a sandbox audit document", exit_code=2)
    return document


def render_table(document: dict[str, Any]) -> str:
    """One row per invariant: OK/FAIL, system, invariant, detail."""
    rows = [("", "SYSTEM", "INVARIANT", "DETAIL")]
    rows += [("OK" if i.get("ok") else "FAIL", str(i.get("system", "")), str(i.get("name", "")),
              str(i.get("detail", ""))) for i in document["invariants"]]
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    lines = ["  ".join(r[c].ljust(widths[c]) for c in range(3)) + "  " + r[3] for r in rows]
    failed = sum(1 for i in document["invariants"] if not i.get("ok"))
    lines.append(f"{len(document['invariants']) - failed} of {len(document['invariants'])} invariants hold"
                 + (f"; {failed} FAILED" if failed else ""))
    return "\n".join(lines)


def _audit(args: argparse.Namespace) -> int:
    document = fetch_audit(args.url)
    print(json.dumps(document, indent=2) if args.json else render_table(document))
    sys.stdout.flush()
    return 0 if document.get("ok") and all(i.get("ok") for i in document["invariants"]) else 1
