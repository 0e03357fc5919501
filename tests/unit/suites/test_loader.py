"""Suite files: shipped suites load; every bad input is one SuiteError naming file and line (exit 104)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadlib.errors import SuiteError
from loadlib.suites import available_suites, load_suite

GOOD_ENTRY = '[[entries]]\nname = "read"\nlocustfile = "locustfiles/mina_read.py"\n'


def write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "s.toml"
    f.write_text(text)
    return f


def test_shipped_suites_match_the_seeds_runners() -> None:
    names = set(available_suites())
    assert {"fintech", "mina", "rsolv", "flash-sale", "escrow"} <= names
    for full in ("fintech", "mina", "rsolv", "flash-sale", "escrow"):
        assert f"{full}-smoke" in names
    assert load_suite("fintech").entry_names == ("auth", "payments", "signing", "subscriptions", "fraud", "spike",
                                                 "realistic")
    mina = load_suite("mina")
    assert mina.entry_names == ("api-read", "api-write", "mixed", "slo")
    assert mina.cool_down_s == 30 and mina.on_failure == "continue"
    assert [e.locustfile.name for e in load_suite("rsolv").entries] == [
        "rsolv_onboarding.py", "rsolv_credentials.py", "rsolv_webhooks.py"]


def test_smoke_suites_are_short() -> None:
    from loadlib.profiles import load_profile, parse_stages

    for name, path in available_suites().items():
        if not name.endswith("-smoke"):
            continue
        s = load_suite(str(path))
        for e in s.entries:
            scale = s.time_scale * e.time_scale
            if e.stages:
                seconds = sum(st.duration_s for st in parse_stages(e.stages)) * scale
            else:
                seconds = load_profile(e.profile or "").total_duration_s * scale
            assert seconds <= 10, (name, e.name, seconds)


def test_full_entry_parses_every_override(tmp_path: Path) -> None:
    f = write(tmp_path, '''
name = "mine"
description = "d"
cool_down = "1m30s"
on_failure = "stop"
time_scale = 0.5
[env]
TEST_ENV = "ci"
TIMEOUT = 30
[[entries]]
name = "read"
description = "reads"
locustfile = "locustfiles/mina_read.py"
user_classes = ["MinaRead"]
profile = "smoke"
stages = ["10s:2", "5s:0"]
time_scale = 0.1
thresholds = ["http_req_duration:p(95)<1"]
args = ["--seed", "7"]
env = { BASE_URL = "http://127.0.0.1:9" }
host = "http://127.0.0.1:9"
''')
    s = load_suite(str(f))
    assert (s.name, s.cool_down_s, s.on_failure, s.time_scale, dict(s.env)) == (
        "mine", 90.0, "stop", 0.5, {"TEST_ENV": "ci", "TIMEOUT": "30"})
    e = s.entries[0]
    assert e.locustfile.is_file() and e.line == 10
    assert (e.user_classes, e.profile, e.stages, e.time_scale, e.thresholds, e.args, dict(e.env), e.host) == (
        ("MinaRead",), "smoke", ("10s:2", "5s:0"), 0.1, ("http_req_duration:p(95)<1",), ("--seed", "7"),
        {"BASE_URL": "http://127.0.0.1:9"}, "http://127.0.0.1:9")


def test_unknown_suite_lists_available_with_closest() -> None:
    with pytest.raises(SuiteError) as err:
        load_suite("mina-smok")
    msg = str(err.value)
    assert "unknown suite 'mina-smok'; did you mean 'mina-smoke'?" in msg and "fintech" in msg
    assert err.value.exit_code == 104


@pytest.mark.parametrize(("body", "line", "needle"), [
    # missing locustfile: the entry's locustfile line
    (GOOD_ENTRY + '\n[[entries]]\nname = "w"\nlocustfile = "locustfiles/nope.py"\n', 7,
     "entries[1].locustfile = 'locustfiles/nope.py' is not valid; expected an existing locustfile"),
    # unknown profile: the profile line, with the profile loader's closest match
    (GOOD_ENTRY + 'profile = "smok"\n', 4, "entries[0].profile = 'smok' cannot be loaded: unknown load profile 'smok'"),
    (GOOD_ENTRY + 'stages = ["10x:2"]\n', 4, "entries[0].stages"),
    (GOOD_ENTRY + 'thresholds = ["http_req_duration:p(95)<<1"]\n', 4, "entries[0].thresholds"),
    (GOOD_ENTRY + 'profle = "smoke"\n', 4, "did you mean 'profile'?"),
    (GOOD_ENTRY + "time_scale = 0\n", 4, "entries[0].time_scale = 0"),
    (GOOD_ENTRY + 'host = "ftp://x"\n', 4, "entries[0].host"),
    (GOOD_ENTRY + GOOD_ENTRY, 5, "entries[1].name = 'read'"),
    ('on_failure = "abort"\n' + GOOD_ENTRY, 1, "on_failure = 'abort'"),
    ('cool_down = "soon"\n' + GOOD_ENTRY, 1, "cool_down = 'soon'"),
    ('\n\ncooldown = "1s"\n' + GOOD_ENTRY, 3, "did you mean 'cool_down'?"),
    (GOOD_ENTRY.replace('locustfile = "locustfiles/mina_read.py"\n', ""), 1, "entries[0].locustfile = None"),
])
def test_bad_suite_names_file_and_line(tmp_path: Path, body: str, line: int, needle: str) -> None:
    f = write(tmp_path, body)
    with pytest.raises(SuiteError) as err:
        load_suite(str(f))
    msg = str(err.value)
    assert msg.startswith(f"{f}:{line}: "), msg
    assert needle in msg, msg
    assert err.value.exit_code == 104


def test_bad_toml_and_no_entries(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match=r"not valid TOML: .*line 2"):
        load_suite(str(write(tmp_path, 'name = "x"\nfoo = \n[[entries]]\n')))
    with pytest.raises(SuiteError, match="one or more"):
        load_suite(str(write(tmp_path, 'name = "x"\n')))
    with pytest.raises(SuiteError, match="does not exist"):
        load_suite(str(tmp_path / "missing.toml"))


def test_default_profile_of_locustfile_is_checked(tmp_path: Path) -> None:
    lf = tmp_path / "lf.py"
    lf.write_text('from loadlib import default_profile\ndefault_profile("no-such-profile")\n')
    f = write(tmp_path, f'[[entries]]\nlocustfile = "{lf}"\n')
    with pytest.raises(SuiteError, match=r"s\.toml:2: entries\[0\]\.locustfile's default_profile = 'no-such-profile'"):
        load_suite(str(f))
