"""Per-sample outputs: ``--out json=PATH`` (k6 NDJSON) and ``--out csv=PATH`` (k6 CSV).

Unlike the end-of-run reports these stream during the run, so they are
written to a temporary file beside the target and renamed over it only by
``close()`` (fsync + ``os.replace``): a crash leaves the previous file (or
none), never a truncated one; ``abort()`` removes the temporary file.

NDJSON (k6 ``internal/output/json``): one ``Metric`` line the first time a
metric is seen, then one ``Point`` line per sample::

    {"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time",
     "thresholds":["p(95)<500"],"submetrics":null},"metric":"http_req_duration"}
    {"type":"Point","data":{"time":"2026-01-01T00:00:00.123456Z","value":4.2,
     "tags":{"method":"GET","name":"/x","status":"200"}},"metric":"http_req_duration"}

CSV (k6 ``output/csv``): header ``metric_name,timestamp,metric_value`` then
k6's fixed tag columns and ``extra_tags`` (other tags as ``k=v&k2=v2``);
``timestamp`` is unix seconds, k6's default ``timeFormat``. A path ending in
``.gz`` is written gzip-compressed, as k6 does.

>>> w = NDJSONWriter("out/points.ndjson"); w.write([Sample("http_reqs", "counter", "default", t, 1, {})]); w.close()
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

from loadlib.redact import redact_cached, registry

CSV_TAG_COLUMNS: tuple[str, ...] = (
    "check", "error", "error_code", "expected_response", "group", "method", "name", "proto",
    "scenario", "service", "status", "subproto", "tls_version", "url",
)
CSV_HEADER: tuple[str, ...] = ("metric_name", "timestamp", "metric_value", *CSV_TAG_COLUMNS, "extra_tags")


class Sample(NamedTuple):
    """One recorded value: what a registry tap hands to the per-sample outputs.

    A plain tuple on the wire (workers ship lists of these to the master).
    """

    metric: str
    type: str  # counter | gauge | rate | trend
    contains: str  # default | time | data
    time: float  # unix seconds
    value: float
    tags: Mapping[str, str]


def rfc3339(ts: float) -> str:
    """Unix seconds as k6 writes Point times: ``2026-01-01T00:00:00.123456Z``."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _TimeFormat:
    """``rfc3339`` with the date part cached per whole second (the per-sample hot path)."""

    def __init__(self) -> None:
        self.sec = -1
        self.prefix = ""

    def __call__(self, ts: float) -> str:
        sec = int(ts)
        us = int(round((ts - sec) * 1_000_000))
        if us >= 1_000_000:
            sec, us = sec + 1, us - 1_000_000
        if sec != self.sec:
            self.sec = sec
            self.prefix = datetime.fromtimestamp(sec, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self.prefix}.{us:06d}Z"


class _AtomicStream:
    """A text stream into a temporary file, renamed over ``path`` by ``close()``; gzip when it ends in ``.gz``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        parent = self.path.parent if str(self.path.parent) else Path(".")
        parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=parent)
        self.raw: IO[bytes] = os.fdopen(fd, "wb")
        self.gzip = self.path.suffix == ".gz"  # as k6: --out json=points.gz writes gzipped NDJSON
        binary: Any = gzip.GzipFile(fileobj=self.raw, mode="wb") if self.gzip else self.raw
        self.fh: IO[str] = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        self.closed = False
        self.count = 0

    def close(self) -> Path:
        """Flush, fsync and rename over the target; returns the final path."""
        if self.closed:
            return self.path
        self.closed = True
        self.fh.flush()
        if self.gzip:
            self.fh.close()  # writes the gzip trailer; GzipFile leaves the raw file open
        self.raw.flush()
        os.fsync(self.raw.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(self.raw.fileno(), 0o666 & ~umask)
        if not self.gzip:
            self.fh.close()
        self.raw.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop everything written so far; the target is left as it was."""
        if self.closed:
            return
        self.closed = True
        for f in (self.fh, self.raw):
            with contextlib.suppress(OSError, ValueError):
                f.close()
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


class NDJSONWriter(_AtomicStream):
    """k6's ``--out json`` format; ``thresholds`` maps a metric name to its threshold expressions."""

    def __init__(self, path: str | os.PathLike[str], thresholds: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(path)
        self.thresholds = thresholds or {}
        self.names: dict[str, str] = {}  # metric -> its JSON-encoded name, once its Metric line is out
        self.time = _TimeFormat()
        self.clean: dict[str, str] = {}  # tags JSON -> the same with secrets redacted (tag sets repeat)
        self.secrets_version = registry().version

    def _clean(self, tags_json: str, tags: Mapping[str, str]) -> str:
        if len(self.clean) > 4096:
            self.clean.clear()
        clean = json.dumps({k: redact_cached(str(v)) for k, v in tags.items()}, separators=(",", ":"))
        self.clean[tags_json] = clean
        return clean

    def write(self, samples: Iterable[Sample]) -> None:
        lines = []
        compact = (",", ":")
        if self.secrets_version != registry().version:  # a secret registered since: re-redact tag sets
            self.clean.clear()
            self.secrets_version = registry().version
        points = 0
        for s in samples:
            name = self.names.get(s.metric)
            if name is None:
                name = self.names[s.metric] = json.dumps(s.metric)
                lines.append(json.dumps({
                    "type": "Metric",
                    "data": {"name": s.metric, "type": s.type, "contains": s.contains,
                             "thresholds": list(self.thresholds.get(s.metric, ())), "submetrics": None},
                    "metric": s.metric,
                }, separators=compact))
            # Same bytes as json.dumps of the whole object, built by hand: this runs once per sample.
            tags = json.dumps(_plain(s.tags), separators=compact)
            clean = self.clean.get(tags)
            if clean is None:
                clean = self._clean(tags, s.tags)
            lines.append(f'{{"type":"Point","data":{{"time":"{self.time(s.time)}","value":{_json_num(s.value)},'
                         f'"tags":{clean}}},"metric":{name}}}')
            points += 1
        self.count += points
        if lines:
            self.fh.write("\n".join(lines) + "\n")


class CSVWriter(_AtomicStream):
    """k6's ``--out csv`` format."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self.writer = csv.writer(self.fh, lineterminator="\n")
        self.writer.writerow(CSV_HEADER)

    def write(self, samples: Iterable[Sample]) -> None:
        for s in samples:
            tags = dict(s.tags)
            row = [s.metric, str(int(s.time)), _num(s.value)]
            row += [redact_cached(str(tags.pop(col, ""))) for col in CSV_TAG_COLUMNS]
            row.append(redact_cached("&".join(f"{k}={v}" for k, v in sorted(tags.items()))))
            self.writer.writerow(row)
            self.count += 1


def _plain(tags: Mapping[str, str]) -> dict[str, str]:
    return tags if isinstance(tags, dict) else dict(tags)


def _json_num(v: float) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return json.dumps(float(v))  # 1.0, 459.86, NaN -> NaN (as json.dumps would)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))
