"""Thresholds: k6's grammar, tag-filtered sub-metrics, windows, verdicts.

>>> from loadlib.thresholds import ThresholdSet, evaluate
>>> ts = ThresholdSet.parse(profile.thresholds)
>>> ts.bind({"http_req_duration": MetricType.TREND})
>>> evaluate(ts, snapshot)
"""

from __future__ import annotations

from loadlib.thresholds.evaluate import evaluate, judge, should_abort
from loadlib.thresholds.grammar import Expression, parse_expression, parse_key
from loadlib.thresholds.model import Threshold, ThresholdSet, spec_from_cli

__all__ = [
    "Expression",
    "Threshold",
    "ThresholdSet",
    "evaluate",
    "judge",
    "parse_expression",
    "parse_key",
    "should_abort",
    "spec_from_cli",
]
