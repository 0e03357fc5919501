"""``python -m loadlib.sandbox``: serve the sandbox (see loadlib.sandbox.server)."""

from __future__ import annotations

import argparse
import sys

from loadlib.errors import LoadlibError
from loadlib.sandbox.server import add_arguments, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadlib.sandbox",
                                     description="The loadlib sandbox: the five seed systems on one ASGI server.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return serve(args)
    except LoadlibError as exc:
        print(f"loadlib sandbox: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
