"""k6 duration values: ``500ms``, ``30s``, ``2m``, ``3h30m``, ``1h2m3.5s``, ``1d12h``.

k6 (lib/types/types.go ``ParseExtendedDuration``) reads a string as Go's
``time.ParseDuration`` plus a leading ``<N>d`` day count, and a bare number
(string or JSON/TOML number) as **milliseconds**. loadlib follows that rule.

>>> parse_duration("3h30m")
12600.0
>>> parse_duration("1h2m3.5s")
3723.5
>>> parse_duration(1500)
1.5
"""

from __future__ import annotations

import math
import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_DAYS = re.compile(r"^(\d+)d(.*)$")

ACCEPTED = "a k6 duration such as 500ms, 30s, 2m, 3h30m, 1h2m3.5s (a bare number means milliseconds)"


class DurationSyntaxError(ValueError):
    """A value that is not a k6 duration; callers turn it into a ProfileError naming the key."""


def parse_duration(value: object) -> float:
    """Seconds (float) for a k6 duration string or a number of milliseconds.

    Raises ``DurationSyntaxError`` for anything else, including negative values.

    >>> parse_duration("2m")
    120.0
    """
    if isinstance(value, bool):
        raise DurationSyntaxError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value) / 1000.0
    elif isinstance(value, str):
        seconds = _parse_text(value.strip())
    else:
        raise DurationSyntaxError(f"{value!r} is not a duration")
    if not math.isfinite(seconds):
        raise DurationSyntaxError(f"{value!r} is not a finite duration")
    if seconds < 0:
        raise DurationSyntaxError(f"{value!r} is negative")
    return seconds


def _parse_text(text: str) -> float:
    if not text:
        raise DurationSyntaxError("empty duration")
    try:
        return float(text) / 1000.0  # k6: no unit means milliseconds
    except ValueError:
        pass
    sign = 1.0
    if text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    days = 0.0
    m = _DAYS.match(text)
    if m:
        days = float(m.group(1))
        text = m.group(2)
        if not text:
            return sign * days * 86400.0
    if text == "0":
        return sign * days * 86400.0
    pos = 0
    total = 0.0
    for part in _PART.finditer(text):
        if part.start() != pos:
            raise DurationSyntaxError(f"unexpected {text[pos:part.start()]!r}")
        total += float(part.group(1)) * _UNITS[part.group(2)]
        pos = part.end()
    if pos != len(text) or pos == 0:
        raise DurationSyntaxError(f"unexpected {text[pos:]!r}")
    return sign * (days * 86400.0 + total)


def format_duration(seconds: float) -> str:
    """A compact k6-style rendering: ``format_duration(12600) == '3h30m'``.

    >>> format_duration(0.5)
    '500ms'
    """
    if seconds < 1 and seconds != 0:
        ms = seconds * 1000
        return f"{ms:g}ms"
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    out = ""
    if h:
        out += f"{int(h)}h"
    if m:
        out += f"{int(m)}m"
    if s or not out:
        s = round(s, 3)
        out += f"{s:g}s"
    return out
