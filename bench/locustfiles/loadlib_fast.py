"""loadlib's own user class (``loadlib.FastUser``) with ``check()``: the headline loadlib row.

Exits with status 3 and a LOADLIB_UNAVAILABLE line when those parts have not landed, so the
benchmark shows a "not available yet" row instead of failing.
"""

import sys

from bench_work import build_user

try:
    from loadlib import FastUser, check
except (ImportError, AttributeError) as exc:
    sys.stderr.write(f"LOADLIB_UNAVAILABLE: loadlib.FastUser/check not available yet ({exc})\n")
    raise SystemExit(3) from None

BenchUser = build_user(FastUser, check)
