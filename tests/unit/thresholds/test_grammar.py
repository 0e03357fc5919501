"""The threshold grammar: every aggregation and operator, sub-metric keys, windows, bad input with a caret."""

from __future__ import annotations

import pytest

from loadlib.errors import ThresholdSyntaxError
from loadlib.thresholds import parse_expression, parse_key, spec_from_cli


@pytest.mark.parametrize(
    ("text", "aggregation", "percentile"),
    [
        ("avg<200", "avg", None),
        ("min<200", "min", None),
        ("max<200", "max", None),
        ("med<200", "med", 50.0),
        ("p(95)<200", "p(95)", 95.0),
        ("p(99.99)<200", "p(99.99)", 99.99),
        ("p(0)<200", "p(0)", 0.0),
        ("p(100)<200", "p(100)", 100.0),
        ("p( 90 )<200", "p(90)", 90.0),
        ("count<200", "count", None),
        ("rate<200", "rate", None),
        ("value<200", "value", None),
    ],
)
def test_every_aggregation(text, aggregation, percentile):
    e = parse_expression(text)
    assert (e.aggregation, e.percentile, e.op, e.value, e.window_s) == (aggregation, percentile, "<", 200.0, None)


@pytest.mark.parametrize(
    ("op", "observed", "holds"),
    [
        ("<", 1.0, True), ("<", 2.0, False),
        ("<=", 2.0, True), ("<=", 2.1, False),
        (">", 3.0, True), (">", 2.0, False),
        (">=", 2.0, True), (">=", 1.9, False),
        ("==", 2.0, True), ("==", 2.5, False),
        ("===", 2.0, True), ("===", 2.5, False),
        ("!=", 2.5, True), ("!=", 2.0, False),
    ],
)
def test_every_operator(op, observed, holds):
    e = parse_expression(f"rate {op} 2")
    assert e.op == op
    assert e.holds(observed) is holds


@pytest.mark.parametrize(
    ("text", "value"),
    [("avg<1.5", 1.5), ("avg < -3", -3.0), ("avg<.5", 0.5), ("avg<1e3", 1000.0), ("  avg   <=   7  ", 7.0)],
)
def test_numbers_and_whitespace(text, value):
    assert parse_expression(text).value == value


@pytest.mark.parametrize(
    ("text", "seconds", "window"),
    [("p(95)<500 over 1m", 60.0, "1m"), ("rate<0.01 over 30s", 30.0, "30s"),
     ("count>1 over 1m30s", 90.0, "1m30s"), ("avg<1 over 2h", 7200.0, "2h"), ("avg<1   over   1500ms", 1.5, "1500ms")],
)
def test_windows(text, seconds, window):
    e = parse_expression(text)
    assert (e.window_s, e.window) == (seconds, window)


@pytest.mark.parametrize(
    ("text", "caret", "words"),
    [
        ("p(95)<<500", 6, "expected a number"),
        ("p95<500", 0, "did you mean p(95)"),
        ("avgg<3", 0, "did you mean avg"),
        ("avg 3", 4, "expected an operator"),
        ("avg=3", 3, "expected an operator"),
        ("p(101)<1", 2, "outside 0..100"),
        ("p(-1)<1", 2, "outside 0..100"),
        ("p(95<1", 4, "expected ')'"),
        ("p()<1", 2, "percentile between 0 and 100"),
        ("avg<", 4, "expected a number"),
        ("avg<abc", 4, "expected a number"),
        ("count>10 foo", 9, "unexpected text"),
        ("p(95)<500 over", 14, "window duration"),
        ("p(95)<500 over 1x", 15, "window duration"),
        ("p(95)<500 over 1m junk", 18, "unexpected text after the window"),
        ("p(95)<500 over 500ms", 15, "at least 1s"),
        ("", 0, "expected an aggregation"),
    ],
)
def test_bad_expressions_point_at_the_offending_character(text, caret, words):
    with pytest.raises(ThresholdSyntaxError) as info:
        parse_expression(text, field="thresholds.http_req_duration")
    msg = str(info.value)
    assert words in msg
    assert repr(text) in msg and "thresholds.http_req_duration" in msg
    quoted, pointer = msg.splitlines()[-2:]
    assert quoted == "    " + text
    assert pointer == "    " + " " * caret + "^", msg
    assert info.value.exit_code == 104


def test_sub_metric_keys():
    assert parse_key("http_req_duration") == ("http_req_duration", ())
    assert parse_key("http_req_duration{status:200}") == ("http_req_duration", (("status", "200"),))
    assert parse_key("http_req_duration{ name : '/pay' , method:\"POST\" }") == (
        "http_req_duration", (("method", "POST"), ("name", "/pay")))
    assert parse_key("http_req_duration{url:http://x:1/a}") == ("http_req_duration", (("url", "http://x:1/a"),))
    assert parse_key("http_req_duration{expected_response:true}")[1] == (("expected_response", "true"),)


@pytest.mark.parametrize(("key", "caret"), [("a{", 2), ("a{}", 2), ("a{x}", 2), ("9a", 0), ("a b", 1), ("a{x:1,:2}", 6)])
def test_bad_keys(key, caret):
    with pytest.raises(ThresholdSyntaxError) as info:
        parse_key(key)
    assert info.value.message.splitlines()[-1] == "    " + " " * caret + "^"


def test_cli_form():
    spec = spec_from_cli("http_req_duration{status:200}:p(95)<500 over 1m;abortOnFail;delayAbortEval=10s")
    assert spec.metric == "http_req_duration{status:200}"
    assert spec.expression == "p(95)<500 over 1m"
    assert spec.abort_on_fail and spec.delay_abort_eval_s == 10.0
    assert spec_from_cli("checks:rate>0.9").metric == "checks"
    for bad in ("nocolon", "checks:rate>0.9;sometimes"):
        with pytest.raises(ThresholdSyntaxError):
            spec_from_cli(bad)
