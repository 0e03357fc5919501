"""Loading profiles: shipped names, TOML and pasted k6 JSON, and every error a user can make."""

import json
import textwrap

import pytest

from loadlib.errors import ProfileError
from loadlib.profiles import (
    Stage,
    available_profiles,
    current_default,
    default_profile,
    load_profile,
    parse_stage,
    stages_profile,
)
from loadlib.profiles.loader import find_javascript


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# --- shipped profiles --------------------------------------------------------------------
SEED_PROFILES = [
    "smoke", "load", "stress", "soak", "spike", "gradual-stress", "payments-load", "payments-stress", "auth-load",
    "signing-load", "subscriptions-load", "fraud-load", "realistic", "mina-api-read", "mina-api-write",
    "mina-mixed", "mina-slo-400rps", "escrow-positions", "flash-sale-ramp", "flash-sale-sustained",
    "flash-sale-spike", "flash-sale-soak", "rsolv-onboarding", "rsolv-credential-vending", "rsolv-webhooks", "demo",
]


@pytest.mark.parametrize("name", SEED_PROFILES)
def test_every_seed_profile_ships_loads_and_carries_thresholds(name):
    assert name in available_profiles()
    p = load_profile(name)
    assert p.name == name and p.thresholds and p.description
    assert p.total_duration_s > 0 and p.peak_vus > 0


@pytest.mark.parametrize(
    ("name", "duration", "peak_vus", "peak_rate"),
    [
        ("smoke", 300, 10, None),
        ("load", 1800, 200, None),
        ("stress", 2400, 5000, None),
        ("soak", 4 * 3600, 150, None),
        ("spike", 570, 5000, None),
        ("mina-api-read", 810, 1000, 1000.0),
        ("mina-api-write", 510, 300, 150.0),
        ("mina-mixed", 1260, 300, None),
        ("mina-slo-400rps", 600, 800, 400.0),
        ("flash-sale-ramp", 25, 100, None),
        ("rsolv-webhooks", 540, 200, 50.0),
        ("demo", 40, 10, None),
    ],
)
def test_seed_numbers(name, duration, peak_vus, peak_rate):
    p = load_profile(name)
    assert p.total_duration_s == duration
    assert p.peak_vus == peak_vus
    assert p.peak_rate == peak_rate


def test_workload_profiles_name_their_user_class():
    assert load_profile("payments-load").scenarios[0].exec == "TribblePayments"
    assert load_profile("mina-slo-400rps").scenarios[0].exec == "MinaSlo"
    assert load_profile("load").scenarios[0].exec is None  # generic: drives whatever the locustfile has


def test_by_path_and_time_scale(tmp_path):
    p = load_profile("profiles/soak.toml").scaled(0.01)
    assert p.total_duration_s == pytest.approx(144.0)
    assert [s.target for s in p.scenarios[0].stages] == [1, 50, 150, 50, 1]


# --- the model's operations ----------------------------------------------------------------
def test_scaled_multiplies_every_duration_but_not_time_unit(tmp_path):
    path = write(tmp_path, "x.toml", """
        [scenarios.a]
        executor = "ramping-arrival-rate"
        startTime = "10s"
        gracefulStop = "20s"
        timeUnit = "1m"
        preAllocatedVUs = 2
        stages = [{duration = "1m", target = 60}]
        [scenarios.b]
        executor = "ramping-vus"
        gracefulRampDown = "30s"
        stages = [{duration = "100s", target = 5}]
        [thresholds]
        http_req_duration = [{threshold = "p(95)<500", abortOnFail = true, delayAbortEval = "10s"}]
    """)
    p = load_profile(path).scaled(0.5)
    a, b = p.scenarios
    assert (a.start_time_s, a.graceful_stop_s, a.stages[0].duration_s) == (5.0, 10.0, 30.0)
    assert a.time_unit_s == 60.0 and a.stages[0].target == 60  # the rate is unchanged
    assert b.graceful_ramp_down_s == 15.0 and b.stages[0].duration_s == 50.0
    assert p.thresholds[0].delay_abort_eval_s == 5.0
    assert p.http_timeout_s == 60.0


def test_with_stages_keeps_a_single_ramping_scenario_and_replaces_others():
    p = load_profile("payments-load").with_stages([Stage(10, 5)])
    assert p.scenarios[0].exec == "TribblePayments" and p.scenarios[0].stages == (Stage(10, 5),)
    q = load_profile("mina-slo-400rps").with_stages([Stage(10, 5)])
    assert q.scenarios[0].executor == "ramping-vus" and q.scenarios[0].exec is None
    assert q.thresholds == load_profile("mina-slo-400rps").thresholds


def test_k6_defaults(tmp_path):
    path = write(tmp_path, "d.toml", """
        [scenarios.r]
        executor = "ramping-vus"
        stages = [{duration = "1m", target = 10}]
        [scenarios.c]
        executor = "constant-arrival-rate"
        rate = 10
        duration = "1m"
        preAllocatedVUs = 7
        [scenarios.i]
        executor = "shared-iterations"
    """)
    r, c, i = load_profile(path).scenarios
    assert (r.start_vus, r.graceful_ramp_down_s, r.graceful_stop_s, r.start_time_s) == (1, 30.0, 30.0, 0.0)
    assert (c.max_vus, c.time_unit_s) == (7, 1.0)  # maxVUs defaults to preAllocatedVUs
    assert (i.vus, i.iterations, i.max_duration_s) == (1, 1, 600.0)


def test_threshold_forms(tmp_path):
    path = write(tmp_path, "t.toml", """
        stages = [{duration = "10s", target = 1}]
        [thresholds]
        http_req_failed = "rate<0.01"
        http_req_duration = ["p(95)<500", {threshold = "p(99)<900", abortOnFail = true, delayAbortEval = "10s"}]
        "http_req_duration{status:200}" = ["max<2000"]
    """)
    t = load_profile(path).thresholds
    assert [(x.metric, x.expression, x.abort_on_fail, x.delay_abort_eval_s) for x in t] == [
        ("http_req_failed", "rate<0.01", False, None),
        ("http_req_duration", "p(95)<500", False, None),
        ("http_req_duration", "p(99)<900", True, 10.0),
        ("http_req_duration{status:200}", "max<2000", False, None),
    ]


def test_top_level_shortcuts(tmp_path):
    p = load_profile(write(tmp_path, "a.toml", 'vus = 3\nduration = "1m"\n'))
    assert (p.scenarios[0].executor, p.scenarios[0].vus, p.scenarios[0].duration_s) == ("constant-vus", 3, 60.0)
    p = load_profile(write(tmp_path, "b.toml", 'vus = 2\nstages = [{duration = "1m", target = 4}]\n'))
    assert (p.scenarios[0].name, p.scenarios[0].start_vus) == ("default", 2)


# --- pasted k6 JSON ----------------------------------------------------------------------------
def test_json_options_object(tmp_path):
    options = {
        "scenarios": {"flash_sale": {"executor": "ramping-vus", "startVUs": 0, "gracefulRampDown": "0s",
                                     "stages": [{"duration": "10s", "target": 50}, {"duration": "5s", "target": 0}]}},
        "thresholds": {"http_req_duration": ["p(95)<20"]},
        "discardResponseBodies": True,
    }
    p = load_profile(write(tmp_path, "k6.json", json.dumps(options)))
    assert p.name == "k6" and p.scenarios[0].stages[0].duration_s == 10.0
    assert p.ignored_options == ("discardResponseBodies",)


@pytest.mark.parametrize(
    ("text", "line", "col", "what"),
    [
        ('{\n  stages: [{"duration": "1m", "target": 1}]\n}', 2, 3, "unquoted key stages"),
        ('{\n  // ramp\n  "stages": []\n}', 2, 3, "a comment"),
        ("{'stages': []}", 1, 2, "a single-quoted string"),
        ('{"stages": [{"duration": `${D}`, "target": 1}]}', 1, 26, "a template string"),
        ('{"vus": parseInt(__ENV.VUS)}', 1, 9, "a function call parseInt(...)"),
        ('export const options = {"vus": 1}', 1, 1, "the JavaScript keyword 'export'"),
    ],
)
def test_javascript_in_json_is_pointed_at(tmp_path, text, line, col, what):
    assert find_javascript(text) == (line, col, what)
    with pytest.raises(ProfileError) as err:
        load_profile(write(tmp_path, "opts.json", text))
    msg = str(err.value)
    assert f"opts.json:{line}:{col}" in msg and "looks like JavaScript, not JSON" in msg and what in msg


def test_plain_json_syntax_error_has_position(tmp_path):
    with pytest.raises(ProfileError, match=r"bad\.json:1:\d+: not valid JSON"):
        load_profile(write(tmp_path, "bad.json", '{"vus": 1,,}'))


# --- errors ----------------------------------------------------------------------------------
def err(tmp_path, text, name="p.toml"):
    with pytest.raises(ProfileError) as e:
        load_profile(write(tmp_path, name, text))
    return str(e.value)


def test_unknown_profile_name_lists_available_and_suggests():
    with pytest.raises(ProfileError) as e:
        load_profile("paymnts-load")
    msg = str(e.value)
    assert "unknown load profile 'paymnts-load'" in msg and "did you mean 'payments-load'" in msg
    assert "available profiles:" in msg and "smoke" in msg and "mina-api-read" in msg


def test_missing_file():
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile("nope/missing.toml")


def test_malformed_duration_names_key_path(tmp_path):
    msg = err(tmp_path, """
        [scenarios.read]
        executor = "ramping-vus"
        stages = [{duration = "1m", target = 1}, {duration = "1m", target = 2}, {duration = "2x", target = 3}]
    """)
    assert "p.toml: scenarios.read.stages[2].duration = '2x' is not valid" in msg
    assert "500ms, 30s, 2m, 3h30m" in msg


def test_negative_target(tmp_path):
    msg = err(tmp_path, 'stages = [{duration = "1m", target = -5}]\n')
    assert "stages[0].target = -5 is not valid; expected a whole number >= 0" in msg


def test_unknown_executor_suggests_closest(tmp_path):
    msg = err(tmp_path, '[scenarios.a]\nexecutor = "ramping-vu"\nstages = []\n')
    assert "scenarios.a.executor = 'ramping-vu'" in msg and "did you mean 'ramping-vus'" in msg
    assert "constant-arrival-rate" in msg  # lists what is accepted


def test_unknown_key_names_it_lists_accepted_and_suggests(tmp_path):
    msg = err(tmp_path, '[scenarios.a]\nexecutor = "ramping-vus"\nstartVU = 3\nstages = [{duration = "1m", target = 1}]\n')
    assert "unknown key 'scenarios.a.startVU'" in msg and "did you mean 'startVUs'" in msg
    assert "gracefulRampDown" in msg
    msg = err(tmp_path, 'stages = [{duration = "1m", target = 1}]\nthreshold = {}\n')
    assert "unknown key 'threshold'" in msg and "did you mean 'thresholds'" in msg


def test_key_valid_for_another_executor_is_rejected(tmp_path):
    msg = err(tmp_path, '[scenarios.a]\nexecutor = "constant-vus"\nduration = "1m"\nstages = []\n')
    assert "unknown key 'scenarios.a.stages' in a constant-vus scenario" in msg


def test_missing_required_field(tmp_path):
    msg = err(tmp_path, '[scenarios.slo]\nexecutor = "constant-arrival-rate"\nrate = 400\npreAllocatedVUs = 10\n')
    assert "scenarios.slo.duration is required for executor constant-arrival-rate" in msg
    msg = err(tmp_path, '[scenarios.x]\nvus = 2\n')
    assert "scenarios.x.executor is required" in msg
    msg = err(tmp_path, 'description = "nothing"\n')
    assert "stages is required" in msg


def test_max_vus_below_pre_allocated(tmp_path):
    msg = err(tmp_path, """
        [scenarios.a]
        executor = "constant-arrival-rate"
        rate = 10
        duration = "1m"
        preAllocatedVUs = 20
        maxVUs = 5
    """)
    assert "scenarios.a.maxVUs = 5 is not valid; expected at least preAllocatedVUs (20)" in msg


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('executor = "constant-vus"\nvus = 0\nduration = "1m"', "scenarios.a.vus = 0"),
        ('executor = "constant-vus"\nduration = "500ms"', "at least 1s"),
        ('executor = "shared-iterations"\nvus = 10\niterations = 5', "can't have fewer iterations than VUs"),
        ('executor = "ramping-vus"\nstartVUs = 0\nstages = [{duration = "1m", target = 0}]', "greater than 0"),
        ('executor = "ramping-vus"\nstages = []', "non-empty list of stages"),
        ('executor = "ramping-vus"\nstartTime = "-1s"\nstages = [{duration = "1m", target = 1}]', "startTime"),
        ('executor = "constant-arrival-rate"\nrate = 0\nduration = "1m"\npreAllocatedVUs = 1', "rate = 0"),
        ('executor = "ramping-arrival-rate"\ntimeUnit = "0s"\npreAllocatedVUs = 1\n'
         'stages = [{duration = "1m", target = 1}]', "timeUnit"),
        ('executor = "ramping-vus"\nexec = "not a class"\nstages = [{duration = "1m", target = 1}]', "exec"),
        ('executor = "ramping-vus"\nstages = [{duration = "1m"}]', "stages[0].target is required"),
    ],
)
def test_k6_validation_rules(tmp_path, body, needle):
    assert needle in err(tmp_path, "[scenarios.a]\n" + body + "\n")


def test_invalid_toml(tmp_path):
    assert "not valid TOML" in err(tmp_path, "stages = [\n")


# --- command line stages and the locustfile default -------------------------------------------
def test_parse_stage():
    assert parse_stage("2m:100") == Stage(120.0, 100)
    assert parse_stage("30s:100vu") == Stage(30.0, 100)
    for bad in ("2x:10", "2m", "2m:-1", "2m:ten", "1m:2:3"):
        with pytest.raises(ProfileError, match="--stage"):
            parse_stage(bad)
    with pytest.raises(ProfileError, match="greater than 0"):
        stages_profile((Stage(10, 0),))


def test_default_profile_is_remembered():
    try:
        default_profile("demo")
        assert current_default() == "demo"
    finally:
        default_profile(None)
    assert current_default() is None
