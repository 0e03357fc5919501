"""Ending a run on a user mistake: one readable line, the right exit code, no traceback.

Locust's EventHook.fire logs (and swallows) any Exception raised by a
listener, so a hub listener that finds bad configuration must not raise it:
it calls ``abort_config(exc)``, which prints the message and raises
SystemExit, which Locust does not catch. Called from ``init`` listeners, this
happens before any user is spawned or request sent.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from loadlib.errors import LoadlibError


def abort_config(exc: LoadlibError) -> NoReturn:
    sys.stderr.write(f"loadlib: error: {exc}\n")
    sys.stderr.flush()
    raise SystemExit(exc.exit_code)
