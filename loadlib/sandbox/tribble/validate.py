"""Field readers for request bodies: each returns a clean value or raises 422 ``validation_error``.

    >>> amount_minor({"amount": 12.5}, "amount")
    1250
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from loadlib.sandbox.tribble.pipeline import ApiError, invalid

MAX_AMOUNT = 1_000_000_000
_CURRENCY = re.compile(r"[A-Z]{3}")
_MISSING = object()


def _get(body: Mapping[str, Any], name: str, required: bool) -> Any:
    value = body.get(name, _MISSING)
    if value is None:
        value = _MISSING
    if value is _MISSING and required:
        raise invalid(name, "is required")
    return value


def text(body: Mapping[str, Any], name: str, *, required: bool = True, default: str | None = None,
         max_len: int = 200) -> str | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, "must be a non-empty string")
    if len(value) > max_len:
        raise invalid(name, f"must be at most {max_len} characters")
    return value


def choice(body: Mapping[str, Any], name: str, choices: Sequence[str], *, required: bool = True,
           default: str | None = None) -> str | None:
    value = text(body, name, required=required, default=default)
    if value is not None and value not in choices:
        raise invalid(name, f"must be one of {', '.join(choices)}")
    return value


def integer(body: Mapping[str, Any], name: str, *, lo: int, hi: int, default: int | None = None,
            required: bool = False) -> int | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise invalid(name, f"must be an integer from {lo} to {hi}")
    return value


def _finite_number(value: Any) -> bool:
    """A JSON number usable as a float (huge integers would overflow float conversion)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value) < 1e300 if isinstance(value, int) else math.isfinite(value)


def number(body: Mapping[str, Any], name: str, *, lo: float, hi: float, required: bool = False) -> float | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return None
    if not _finite_number(value) or not lo <= value <= hi:
        raise invalid(name, f"must be a number from {lo} to {hi}")
    return float(value)


def amount_minor(body: Mapping[str, Any], name: str, *, required: bool = True,
                 allow_zero: bool = False) -> int | None:
    """A money amount (> 0, at most two decimals, at most 1e9) in minor units."""
    value = _get(body, name, required)
    if value is _MISSING:
        return None
    if not _finite_number(value):
        raise invalid(name, "must be a number")
    if value > MAX_AMOUNT or value < 0 or (value == 0 and not allow_zero):
        raise invalid(name, f"must be {'>= 0' if allow_zero else '> 0'} and at most {MAX_AMOUNT}")
    minor = round(value * 100)
    if abs(value * 100 - minor) > 1e-6:
        raise invalid(name, "must have at most two decimals")
    return int(minor)


def currency(body: Mapping[str, Any], name: str = "currency", *, default: str | None = None) -> str:
    value = text(body, name, required=default is None, default=default)
    assert value is not None
    if not _CURRENCY.fullmatch(value):
        raise invalid(name, "must be three upper-case letters, e.g. USD")
    return value


def identifier(body: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    """A reference given as a non-empty string or an integer (returned as a string)."""
    value = _get(body, name, required)
    if value is _MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise invalid(name, "must be a string or an integer")
    result = str(value)
    if not result.strip() or len(result) > 100:
        raise invalid(name, "must be a non-empty string of at most 100 characters")
    return result


def parse_id(raw: str | None, prefix: str, code: str) -> int:
    """``wal_7`` -> 7 for prefix ``wal``; anything else is 404 ``code``."""
    if raw and raw.startswith(prefix + "_"):
        digits = raw[len(prefix) + 1:]
        if digits.isdigit() and len(digits) < 18:
            return int(digits)
    raise ApiError(404, code)


def ref_id(raw: str | None, prefix: str, name: str, code: str) -> int:
    """Like :func:`parse_id` for ids inside a body: a malformed one is simply not found."""
    if raw is None:
        raise invalid(name, "is required")
    return parse_id(raw, prefix, code)


def money(minor: int) -> int | float:
    """Minor units back to the JSON amount: whole amounts as integers."""
    return minor // 100 if minor % 100 == 0 else minor / 100
