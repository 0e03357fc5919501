"""k6's threshold grammar, plus an optional rolling window.

    expression := aggregation operator number [ "over" duration ]
    aggregation := avg | min | max | med | p(N) | count | rate | value      (0 <= N <= 100, decimals allowed)
    operator    := <  <=  >  >=  ==  ===  !=
    duration    := k6 duration: 500ms, 30s, 1m, 1m30s, 2h
    key         := metric [ "{" tag ":" value { "," tag ":" value } "}" ]

Whitespace between tokens is allowed. A bad expression raises
``ThresholdSyntaxError`` whose message quotes it and puts a caret under the
offending character::

    thresholds.http_req_duration = 'p(95)<<500': expected a number at character 7
        p(95)<<500
              ^

>>> parse_expression("p(99.9) <= 250 over 1m")
Expression(text='p(99.9) <= 250 over 1m', aggregation='p(99.9)', percentile=99.9, op='<=', value=250.0, window_s=60.0, window='1m', agg_pos=0)
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from loadlib.errors import ThresholdSyntaxError

AGGREGATION_NAMES = ("avg", "min", "max", "med", "count", "rate", "value")
OPERATORS = ("===", "==", "!=", ">=", "<=", ">", "<")  # longest first
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h))+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_METRIC = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Expression:
    """One parsed threshold expression."""

    text: str  # as written
    aggregation: str  # canonical: "avg", "p(95)", "p(99.9)", ...
    percentile: float | None  # N of p(N); 50 for med
    op: str
    value: float
    window_s: float | None = None
    window: str | None = None  # as written, e.g. "1m"
    agg_pos: int = 0  # where the aggregation starts (for error carets)

    def holds(self, observed: float) -> bool:
        """Whether ``observed`` satisfies the comparison (the threshold passes)."""
        v, op = self.value, self.op
        if op == "<":
            return observed < v
        if op == "<=":
            return observed <= v
        if op == ">":
            return observed > v
        if op == ">=":
            return observed >= v
        if op in ("==", "==="):
            return observed == v
        return observed != v


def syntax_error(field: str, text: str, pos: int, what: str) -> ThresholdSyntaxError:
    """A ``ThresholdSyntaxError`` quoting ``text`` with a caret under character ``pos``."""
    pos = max(0, min(pos, len(text)))
    message = f"{field} = {text!r}: {what} at character {pos + 1}\n    {text}\n    {' ' * pos}^"
    return ThresholdSyntaxError(field, text, message=message)


def parse_duration(text: str) -> float:
    """k6 duration text (``1m30s``) in seconds; ``ValueError`` when it is not one."""
    if not _DURATION.fullmatch(text):
        raise ValueError(text)
    return sum(float(n) * _UNIT_S[u] for n, u in _DURATION_PART.findall(text))


def parse_expression(text: str, field: str = "threshold") -> Expression:
    """Parse ``avg < 200``, ``p(95)<500 over 1m``, ... ; ``field`` names it in errors."""
    s = text
    i = _skip(s, 0)
    agg_pos = i
    m = _IDENT.match(s, i)
    if not m:
        raise syntax_error(field, s, i, "expected an aggregation (avg, min, max, med, p(N), count, rate, value)")
    name = m.group(0)
    percentile: float | None = None
    if name == "p" and _skip(s, m.end()) < len(s) and s[_skip(s, m.end())] == "(":
        j = _skip(s, _skip(s, m.end()) + 1)
        num = _NUMBER.match(s, j)
        if not num:
            raise syntax_error(field, s, j, "expected a percentile between 0 and 100 inside p(...)")
        percentile = float(num.group(0))
        if not 0.0 <= percentile <= 100.0:
            raise syntax_error(field, s, j, f"percentile {num.group(0)} is outside 0..100")
        k = _skip(s, num.end())
        if k >= len(s) or s[k] != ")":
            raise syntax_error(field, s, k, "expected ')' to close p(")
        aggregation = f"p({_fmt(percentile)})"
        i = k + 1
    elif name in AGGREGATION_NAMES:
        aggregation = name
        percentile = 50.0 if name == "med" else None
        i = m.end()
    else:
        close = difflib.get_close_matches(name, [*AGGREGATION_NAMES, "p"], n=1)
        hint = f" (did you mean {'p(N)' if close == ['p'] else close[0]}?)" if close else ""
        if re.fullmatch(r"p\d+(\.\d+)?", name):
            hint = f" (did you mean p({name[1:]})?)"
        raise syntax_error(field, s, agg_pos, f"unknown aggregation {name!r}{hint}; expected avg, min, max, "
                           "med, p(N), count, rate or value")
    i = _skip(s, i)
    op = next((o for o in OPERATORS if s.startswith(o, i)), None)
    if op is None:
        raise syntax_error(field, s, i, "expected an operator (<, <=, >, >=, ==, ===, !=)")
    i = _skip(s, i + len(op))
    num = _NUMBER.match(s, i)
    if not num:
        raise syntax_error(field, s, i, "expected a number")
    value = float(num.group(0))
    i = _skip(s, num.end())
    window_s: float | None = None
    window: str | None = None
    if i < len(s):
        if not s.startswith("over", i) or (i + 4 < len(s) and not s[i + 4].isspace()):
            raise syntax_error(field, s, i, "unexpected text; only an optional window like 'over 1m' may follow "
                               "the number")
        j = _skip(s, i + 4)
        d = _DURATION.match(s, j)
        if not d or j == i + 4:
            raise syntax_error(field, s, j, "expected a window duration such as 30s, 1m or 1m30s after 'over'")
        window = d.group(0)
        window_s = parse_duration(window)
        if window_s < 1.0:
            raise syntax_error(field, s, j, "a window must be at least 1s (data is kept per second)")
        k = _skip(s, d.end())
        if k < len(s):
            raise syntax_error(field, s, k, "unexpected text after the window")
    return Expression(text=text, aggregation=aggregation, percentile=percentile, op=op, value=value,
                      window_s=window_s, window=window, agg_pos=agg_pos)


def parse_key(key: str, field: str = "thresholds") -> tuple[str, tuple[tuple[str, str], ...]]:
    """``http_req_duration{status:200,method:GET}`` -> ("http_req_duration", (("method","GET"), ("status","200")))."""
    m = _METRIC.match(key)
    if not m:
        raise syntax_error(field, key, 0, "expected a metric name (letters, digits, '_')")
    name, i = m.group(0), m.end()
    if i == len(key):
        return name, ()
    if key[i] != "{":
        raise syntax_error(field, key, i, "expected '{' to start a tag filter, or the end of the metric name")
    if not key.endswith("}"):
        raise syntax_error(field, key, len(key), "expected '}' to close the tag filter")
    body_start = i + 1
    body = key[body_start:-1]
    if not body.strip():
        raise syntax_error(field, key, body_start, "empty tag filter; expected tag:value")
    tags: dict[str, str] = {}
    pos = body_start
    for part in body.split(","):
        if ":" not in part:
            raise syntax_error(field, key, pos + len(part) - len(part.lstrip()), "expected tag:value")
        k, v = part.split(":", 1)
        k, v = k.strip(), v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
            v = v[1:-1]
        if not k or not _IDENT.fullmatch(k):
            raise syntax_error(field, key, pos + len(part) - len(part.lstrip()), "expected a tag name before ':'")
        tags[k] = v
        pos += len(part) + 1
    return name, tuple(sorted(tags.items()))


def split_cli(arg: str) -> tuple[str, str]:
    """``--threshold 'http_req_duration{status:200}:p(95)<500'`` -> (key, expression)."""
    start = arg.find("}") + 1 if "{" in arg.split(":", 1)[0] else 0
    idx = arg.find(":", start)
    if idx <= 0:
        raise syntax_error("--threshold", arg, max(0, start), "expected METRIC:EXPRESSION, e.g. "
                           "'http_req_duration:p(95)<500'")
    return arg[:idx].strip(), arg[idx + 1:].strip()


def _skip(s: str, i: int) -> int:
    while i < len(s) and s[i].isspace():
        i += 1
    return i


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(x)
