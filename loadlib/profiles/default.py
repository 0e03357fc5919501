"""The locustfile's own default profile: ``loadlib.default_profile("payments-load")``.

A locustfile calls it at import time; ``--load-profile`` on the command line wins.
This module is the one place that remembers the choice (one run per process).

>>> _ = default_profile("demo"); current_default()
'demo'
"""

from __future__ import annotations

_DEFAULT: str | None = None


def default_profile(name_or_path: str | None) -> str | None:
    """Choose the profile a run uses when ``--load-profile`` is not given (None clears it)."""
    global _DEFAULT
    _DEFAULT = None if name_or_path is None else str(name_or_path)
    return _DEFAULT


def current_default() -> str | None:
    return _DEFAULT
