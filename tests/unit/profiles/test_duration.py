"""k6 duration strings (lib/types ParseExtendedDuration): units, compounds, days, bare numbers = ms."""

import pytest

from loadlib.profiles.duration import DurationSyntaxError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("30s", 30.0),
        ("2m", 120.0),
        ("3h30m", 12600.0),
        ("1h2m3.5s", 3723.5),
        ("1.5s", 1.5),
        ("0s", 0.0),
        ("0", 0.0),
        ("1d", 86400.0),
        ("1d2h", 93600.0),
        ("250us", 0.00025),
        ("1500", 1.5),  # a bare number is milliseconds, as in k6
        (1500, 1.5),
        (2.5, 0.0025),
        (" 10s ", 10.0),
    ],
)
def test_parses_k6_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["2x", "", "s", "10 s", "1m-2s", "-5s", "abc", "5m3", True, None, [], "1h30", -100])
def test_rejects_what_k6_rejects(bad):
    with pytest.raises(DurationSyntaxError):
        parse_duration(bad)


@pytest.mark.parametrize(("seconds", "text"), [(12600, "3h30m"), (0.5, "500ms"), (90, "1m30s"), (0, "0s"), (45, "45s")])
def test_format_round_trips(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)
