"""Every output format loadlib writes: one module per format, each a pure render plus an atomic write.

| module | option | format |
|---|---|---|
| ``text`` | (always, end of run) | k6's end-of-test summary |
| ``k6_summary`` | ``--summary-export PATH`` | k6's legacy summary-export JSON (inverted threshold booleans) |
| ``result_json`` | ``--results-json PATH`` | loadlib's own versioned JSON, ``loadlib.result/v1`` (round-trips) |
| ``slo`` | ``--slo-report PATH`` | Mina's SLO JSON result schema (seed 001) |
| ``html`` | ``--html-report PATH`` | self-contained HTML report with inline SVG charts |
| ``points`` | ``--out json=PATH`` / ``--out csv=PATH`` | k6's per-sample NDJSON / CSV, streamed |

Renderers read a ``loadlib.results.RunResult`` and return bytes; ``atomic``
writes them (temp file in the same directory, fsync, ``os.replace``), so a
report is never half-written. ``baseline`` compares two result files
(``loadlib compare``).

>>> from loadlib.outputs import atomic, text
>>> atomic.write_rendered("summary.txt", text.render, result)
"""
