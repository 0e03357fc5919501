"""``--out KIND=TARGET`` specifications: parsed and validated before any traffic.

>>> parse_out("json=results/points.ndjson")
OutputSpec(kind='json', target='results/points.ndjson')
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from loadlib.errors import ConfigError
from loadlib.outputs.atomic import check_writable

OUT_KINDS: tuple[str, ...] = ("json", "csv", "influxdb")
FILE_KINDS: tuple[str, ...] = ("json", "csv")
_EXPECTED = "KIND=TARGET with KIND one of json, csv, influxdb (json=PATH, csv=PATH, influxdb=URL)"


@dataclass(frozen=True)
class OutputSpec:
    kind: str  # json | csv | influxdb
    target: str  # a file path, or the InfluxDB URL

    @property
    def is_file(self) -> bool:
        return self.kind in FILE_KINDS


def parse_out(text: str) -> OutputSpec:
    """One ``--out`` value; ``ConfigError`` (exit 104) naming the value and the accepted kinds."""
    kind, sep, target = text.partition("=")
    kind = kind.strip().lower()
    if kind not in OUT_KINDS:
        close = difflib.get_close_matches(kind, OUT_KINDS, n=1)
        raise ConfigError("--out", text, _EXPECTED,
                          hint=f"did you mean {close[0]}={target or '...'}?" if close else None)
    if not sep or not target.strip():
        example = "URL such as http://127.0.0.1:8086/k6" if kind == "influxdb" else "file path"
        raise ConfigError("--out", text, f"{kind}=TARGET with a {example}")
    return OutputSpec(kind, target.strip())


def validate_outputs(files: Mapping[str, str], outs: Iterable[str]) -> list[OutputSpec]:
    """Check report paths (``{"--summary-export": path, ...}``) and ``--out`` values before any traffic.

    Every file must be writable (missing parent directories are created) and
    no two outputs may share a path. Returns the parsed ``--out`` specs;
    ``ConfigError`` (exit 104) naming the first bad option otherwise.
    """
    specs = [parse_out(v) for v in outs]
    targets = [*files.items(), *((f"--out {o.kind}=", o.target) for o in specs if o.is_file)]
    seen: dict[str, str] = {}
    for flag, path in targets:
        reason = check_writable(path)
        if reason:
            field, value = ("--out", flag.split()[1] + path) if flag.startswith("--out") else (flag, path)
            raise ConfigError(field, value, "a writable file path", hint=reason)
        key = os.path.abspath(path)
        if key in seen:
            raise ConfigError(flag.rstrip("="), path, "a path no other report uses",
                              hint=f"{seen[key]} writes it too")
        seen[key] = flag.rstrip("=")
    return specs


_TREND_STAT = re.compile(r"^(avg|min|med|max|count|p\((\d+(?:\.\d+)?)\))$")


def parse_trend_stats(text: str) -> tuple[str, ...]:
    """k6's ``--summary-trend-stats``: ``"avg,min,med,max,p(90),p(99.9),count"`` -> a tuple.

    >>> parse_trend_stats("avg, p(99)")
    ('avg', 'p(99)')
    """
    stats = tuple(s.strip() for s in text.split(",") if s.strip())
    for stat in stats:
        m = _TREND_STAT.match(stat)
        if not m or (m.group(2) is not None and not 0 <= float(m.group(2)) <= 100):
            close = difflib.get_close_matches(stat, ["avg", "min", "med", "max", "count", "p(90)", "p(95)", "p(99)"], n=1)
            raise ConfigError("--summary-trend-stats", stat, "avg, min, med, max, count or p(N) with 0 <= N <= 100",
                              hint=f"did you mean {close[0]}?" if close else None)
    if not stats:
        raise ConfigError("--summary-trend-stats", text, "a comma-separated list such as avg,med,p(95),p(99)")
    return stats
