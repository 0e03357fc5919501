"""Parsed thresholds: what a profile's ``thresholds`` and ``--threshold`` options become.

Parsing checks the grammar; ``bind`` checks each threshold against the
metrics that exist (a name that is not a metric, or an aggregation the metric
type does not have, is an error before any traffic, exit 104).

>>> ts = ThresholdSet.parse([ThresholdSpec("http_req_duration{status:200}", "p(95)<500 over 1m")])
>>> ts.windows()
{'http_req_duration': 60.0}
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from loadlib.errors import ThresholdSyntaxError
from loadlib.metrics.snapshot import MetricType
from loadlib.profiles.model import ThresholdSpec
from loadlib.thresholds.grammar import (
    Expression,
    parse_duration,
    parse_expression,
    parse_key,
    split_cli,
    syntax_error,
)

# k6's aggregations per metric type (metrics/thresholds.go)
ALLOWED: Mapping[MetricType, tuple[str, ...]] = {
    MetricType.COUNTER: ("count", "rate"),
    MetricType.GAUGE: ("value",),
    MetricType.RATE: ("rate",),
    MetricType.TREND: ("avg", "min", "max", "med", "p(N)"),
}


@dataclass(frozen=True)
class Threshold:
    """One expression on one metric key."""

    key: str  # as written: "http_req_duration{status:200}"
    metric: str  # "http_req_duration"
    tag_filter: tuple[tuple[str, str], ...]
    expression: Expression
    abort_on_fail: bool = False
    delay_abort_eval_s: float = 0.0
    field: str = "thresholds"  # where it came from, for messages

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.tag_filter)


@dataclass(frozen=True)
class ThresholdSet:
    thresholds: tuple[Threshold, ...] = ()

    @classmethod
    def parse(cls, specs: Iterable[ThresholdSpec], *, source: str = "thresholds",
              origin: str | None = None) -> ThresholdSet:
        """Parse every spec; the first bad one raises ``ThresholdSyntaxError`` (exit 104).

        ``source`` "thresholds" names each error ``thresholds.<metric>`` (a
        profile, whose file is ``origin``); any other source is used as is
        (e.g. ``--threshold``).
        """
        out = []
        for spec in specs:
            field = f"{source}.{spec.metric}" if source == "thresholds" else source
            if origin:
                field = f"{origin}: {field}"
            metric, tags = parse_key(spec.metric, field=field)
            expr = parse_expression(spec.expression, field=field)
            delay = spec.delay_abort_eval_s or 0.0
            if delay < 0:
                raise ThresholdSyntaxError(field, delay, "delayAbortEval >= 0")
            out.append(Threshold(spec.metric, metric, tags, expr, bool(spec.abort_on_fail), delay, field))
        return cls(tuple(out))

    def __bool__(self) -> bool:
        return bool(self.thresholds)

    def __iter__(self) -> Iterator[Threshold]:
        return iter(self.thresholds)

    def __len__(self) -> int:
        return len(self.thresholds)

    def merged(self, other: ThresholdSet) -> ThresholdSet:
        return ThresholdSet(self.thresholds + other.thresholds)

    def windows(self) -> dict[str, float]:
        """Metric -> longest window its thresholds need (metrics to keep per second)."""
        out: dict[str, float] = {}
        for t in self.thresholds:
            if t.expression.window_s:
                out[t.metric] = max(out.get(t.metric, 0.0), t.expression.window_s)
        return out

    def bind(self, types: Mapping[str, MetricType]) -> None:
        """Check every metric exists and has the aggregation asked for; raise otherwise.

        Like k6 ("no metric name X found"), a threshold on an unknown metric is
        an error: a typo must not pass silently. Custom metrics must therefore
        be created at locustfile import (module level), not inside tasks.
        """
        for t in self.thresholds:
            mtype = types.get(t.metric)
            if mtype is None:
                close = difflib.get_close_matches(t.metric, list(types), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "create custom metrics at module level in the locustfile"
                raise ThresholdSyntaxError(
                    t.field, t.key, f"a metric that exists ({', '.join(sorted(types)) or 'none'})", hint=hint,
                    message=f"{t.field}: no metric named {t.metric!r} ({hint}); known metrics: "
                            f"{', '.join(sorted(types)) or 'none'}",
                )
            agg = "p(N)" if t.expression.aggregation.startswith("p(") else t.expression.aggregation
            if agg not in ALLOWED[mtype]:
                raise syntax_error(
                    t.field, t.expression.text, t.expression.agg_pos,
                    f"{t.expression.aggregation} does not apply to {t.metric}, a {mtype.value}; "
                    f"a {mtype.value} takes {', '.join(ALLOWED[mtype])}",
                )


def spec_from_cli(arg: str) -> ThresholdSpec:
    """``metric:expr[;abortOnFail][;delayAbortEval=10s]`` (the ``--threshold`` option) -> ``ThresholdSpec``."""
    key, rest = split_cli(arg)
    parts = [p.strip() for p in rest.split(";")]
    expr, abort, delay = parts[0], False, None
    for opt in parts[1:]:
        if opt == "abortOnFail":
            abort = True
        elif opt.startswith("delayAbortEval="):
            try:
                delay = parse_duration(opt.split("=", 1)[1])
            except ValueError:
                raise syntax_error("--threshold", arg, arg.find(opt) + len("delayAbortEval="),
                                   "expected a duration such as 10s") from None
        else:
            raise syntax_error("--threshold", arg, arg.find(opt), "expected 'abortOnFail' or 'delayAbortEval=<duration>'")
    return ThresholdSpec(metric=key, expression=expr, abort_on_fail=abort, delay_abort_eval_s=delay)
