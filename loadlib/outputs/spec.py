"""``--out KIND=TARGET`` specifications: parsed and validated before any traffic.

>>> parse_out("json=results/points.ndjson")
OutputSpec(kind='json', target='results/points.ndjson')
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from loadlib.errors import ConfigError

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
