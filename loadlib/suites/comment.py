"""The pull-request comment: the suite's headline numbers as GitHub-flavoured Markdown.

Seed 001's CI job posts p50/p95/p99, error rate, throughput and PASS/FAIL on
the pull request; ``loadlib suite ... --pr-comment FILE`` writes this text so
the workflow only has to post the file.

>>> print(render(result).decode())  # doctest: +SKIP
## Load test results: mina-smoke ✅ PASS
| Test | Status | p50 | p95 | p99 | Error rate | Throughput | Exit |
...
"""

from __future__ import annotations

from typing import Any

from loadlib.suites.result import SuiteResult

_ICONS = {"passed": "✅ PASS", "failed": "❌ FAIL", "error": "💥 ERROR", "interrupted": "⚠️ INTERRUPTED",
          "aborted": "⚠️ ABORTED", "skipped": "⏭️ SKIPPED"}


def _ms(value: Any) -> str:
    return f"{value:.1f} ms" if isinstance(value, int | float) and not isinstance(value, bool) else "–"


def _observed(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) and not isinstance(value, bool) else "no data"


def render(result: SuiteResult) -> bytes:
    """The Markdown comment as UTF-8 bytes."""
    overall = "✅ PASS" if result.passed else "❌ FAIL"
    lines = [
        f"## Load test results: {result.suite} {overall}",
        "",
        "| Test | Status | p50 | p95 | p99 | Error rate | Throughput | Exit |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in result.entries:
        rt = e.metrics.get("response_times")
        rt = rt if isinstance(rt, dict) else {}
        rate, rps = e.metrics.get("error_rate"), e.metrics.get("requests_per_second")
        err = f"{rate * 100:.3f} %" if isinstance(rate, int | float) else "–"
        thr = f"{rps:.1f} req/s" if isinstance(rps, int | float) else "–"
        exit_code = "–" if e.exit_code is None else str(e.exit_code)
        lines.append(f"| {e.name} | {_ICONS[e.verdict]} | {_ms(rt.get('p50'))} | {_ms(rt.get('p95'))} | "
                     f"{_ms(rt.get('p99'))} | {err} | {thr} | {exit_code} |")
    failed = [(e.name, t) for e in result.entries for t in e.failed_thresholds]
    if failed:
        lines += ["", "**Failed thresholds**", ""]
        lines += [f"- `{name}`: `{t.get('metric')}: {t.get('expression')}` (observed {_observed(t.get('observed'))})"
                  for name, t in failed]
    counts = result.counts()
    env = f", environment `{result.environment}`" if result.environment else ""
    scale = f", time scale ×{result.time_scale:g}" if result.time_scale != 1 else ""
    lines += ["", f"**Status**: {overall} — {counts['passed']}/{len(result.entries)} tests passed, "
                  f"exit code {result.exit_code}, {result.duration_s:.0f} s{env}{scale}.", ""]
    return "\n".join(lines).encode("utf-8")
