"""Human units exactly as k6's end-of-test summary prints them.

Times are milliseconds in, ``µs``/``ms``/``s``/``1m5s`` out (truncated, not
rounded, trailing zeros dropped); data is bytes in, SI ``B``/``kB``/``MB`` out.

>>> human_time(148.219)
'148.21ms'
>>> human_bytes(3_100_000)
'3.1 MB'
"""

from __future__ import annotations

import math

from loadlib.metrics.snapshot import ValueKind


def _trunc(value: float, digits: int) -> str:
    factor = 10**digits
    # the tiny epsilon keeps 0.29 * 100 = 28.999... from truncating to 28
    truncated = math.trunc(value * factor + math.copysign(1e-9, value)) / factor
    text = f"{truncated:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def human_time(ms: float) -> str:
    """A duration in milliseconds the way k6 prints it: ``0s``, ``80µs``, ``148.21ms``, ``1.2s``, ``1m5s``."""
    if ms is None or math.isnan(ms):
        return "n/a"
    if ms == 0:
        return "0s"
    if abs(ms) < 0.001:
        return f"{math.trunc(ms * 1_000_000)}ns"
    if abs(ms) < 1:
        return _trunc(ms * 1000, 2) + "µs"
    if abs(ms) < 1000:
        return _trunc(ms, 2) + "ms"
    seconds = _trunc((ms % 60000) / 1000, 0 if ms > 60000 else 2) + "s"
    minutes = math.trunc(ms / 60000)
    if minutes < 1:
        return seconds
    text = f"{minutes % 60}m{seconds}"
    hours = math.trunc(minutes / 60)
    return f"{hours}h{text}" if hours >= 1 else text


def human_bytes(n: float) -> str:
    """Bytes the way k6 prints them (SI, base 1000): ``470 B``, ``3.2 kB``, ``12 MB``."""
    if n < 10:
        return f"{_num(n)} B"
    units = ("B", "kB", "MB", "GB", "TB", "PB")
    exp = min(int(math.floor(math.log(n) / math.log(1000))), len(units) - 1)
    val = math.floor((n / 1000**exp) * 10 + 0.5) / 10
    return f"{val:.{1 if val < 10 else 0}f} {units[exp]}"


def human_value(value: float, contains: ValueKind | str) -> str:
    """One value in the unit its metric ``contains`` (time, data or plain)."""
    kind = ValueKind(contains)
    if kind is ValueKind.TIME:
        return human_time(value)
    if kind is ValueKind.DATA:
        return human_bytes(value)
    return _num(value)


def human_rate(per_second: float, contains: ValueKind | str) -> str:
    """A per-second rate: ``4.389727/s`` or, for data, ``454 kB/s``."""
    if ValueKind(contains) is ValueKind.DATA:
        return human_bytes(per_second) + "/s"
    return f"{per_second:.6f}/s"


def percent(ratio: float) -> str:
    """A ratio as k6 prints rates: ``0.23%``."""
    return f"{ratio * 100:.2f}%"


def _num(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return _trunc(float(value), 6)
