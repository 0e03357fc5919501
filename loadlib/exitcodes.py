"""Process exit codes, the same numbers k6 uses (errext/exitcodes/codes.go).

CI scripts written for k6 keep working: they test for these values.
"""

from __future__ import annotations

OK = 0
THRESHOLDS_FAILED = 99
INVALID_CONFIG = 104
EXTERNAL_ABORT = 105  # SIGINT / SIGTERM
SCRIPT_EXCEPTION = 107  # an exception in user code ended the run
TEST_ABORTED = 108  # the script asked to abort

__all__ = [
    "EXTERNAL_ABORT",
    "INVALID_CONFIG",
    "OK",
    "SCRIPT_EXCEPTION",
    "TEST_ABORTED",
    "THRESHOLDS_FAILED",
]
