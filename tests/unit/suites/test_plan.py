"""The run plan: time scales multiply, targets (sandbox / host / base-URL variable), the locust command."""

from __future__ import annotations

from pathlib import Path

from loadlib.suites import PlanOptions, build_plan, load_suite
from loadlib.suites.plan import locust_command

ROOT = Path(__file__).resolve().parents[3]


def suite(tmp_path: Path, entries: str, head: str = "") -> Path:
    f = tmp_path / "s.toml"
    f.write_text(head + entries)
    return f


def test_time_scales_multiply_and_cool_down_scales(tmp_path: Path) -> None:
    f = suite(tmp_path, '[[entries]]\nlocustfile = "locustfiles/mina_read.py"\ntime_scale = 0.5\n',
              'cool_down = "20s"\ntime_scale = 0.5\n')
    plan = build_plan(load_suite(str(f)), PlanOptions(time_scale=0.1), environ={})
    assert plan.entries[0].time_scale == 0.025
    assert plan.cool_down_s == 1.0


def test_targets_sandbox_host_or_base_url_variable(tmp_path: Path) -> None:
    f = suite(tmp_path, '[[entries]]\nname = "a"\nlocustfile = "locustfiles/mina_read.py"\n'
                        '[[entries]]\nname = "b"\nlocustfile = "locustfiles/tribble_auth.py"\n'
                        '[[entries]]\nname = "c"\nlocustfile = "locustfiles/mina_write.py"\nhost = "http://127.0.0.1:1"\n')
    s = load_suite(str(f))
    plan = build_plan(s, PlanOptions(), environ={})
    assert [p.uses_sandbox for p in plan.entries] == [True, True, False]
    assert plan.needs_sandbox
    # BASE_URL (Mina's) from the env file targets only the Mina entry; Tribble still needs the sandbox
    plan = build_plan(s, PlanOptions(env_file={"BASE_URL": "http://127.0.0.1:2"}), environ={})
    assert [p.uses_sandbox for p in plan.entries] == [False, True, False]
    assert plan.entries[0].target_label == "http://127.0.0.1:2 (from BASE_URL)"
    # --host targets every entry without its own
    plan = build_plan(s, PlanOptions(host="http://127.0.0.1:3"), environ={})
    assert [p.host for p in plan.entries] == ["http://127.0.0.1:3", "http://127.0.0.1:3", "http://127.0.0.1:1"]
    assert not plan.needs_sandbox


def test_variable_rows_show_sources_per_entry(tmp_path: Path) -> None:
    f = suite(tmp_path, '[[entries]]\nname = "a"\nlocustfile = "locustfiles/mina_read.py"\nenv = { X = "ea" }\n'
                        '[[entries]]\nname = "b"\nlocustfile = "locustfiles/mina_write.py"\n', '[env]\nX = "suite"\n')
    plan = build_plan(load_suite(str(f)), PlanOptions(cli_env={"API_TOKEN": "t0p"}), environ={})
    rows = {(k, v, src, where) for k, v, src, where in plan.variable_rows()}
    assert ("X", "ea", "suite", "a") in rows and ("X", "suite", "suite", "b") in rows
    assert ("API_TOKEN", "t0p", "command line", "all") in rows
    assert ("BASE_URL", None, "embedded sandbox default", "all") in rows
    text = plan.describe()
    assert "t0p" not in text and "****" in text


def test_command_line_of_an_entry(tmp_path: Path) -> None:
    f = suite(tmp_path, '[[entries]]\nname = "r"\nlocustfile = "locustfiles/mina_read.py"\nprofile = "smoke"\n'
                        'stages = ["4s:2"]\nthresholds = ["http_req_failed:rate<0.5"]\nargs = ["--seed", "7"]\n'
                        'user_classes = ["MinaRead"]\n')
    plan = build_plan(load_suite(str(f)), PlanOptions(time_scale=0.5, master_host="127.0.0.1", expect_workers=2),
                      environ={})
    cmd = plan.entries[0].command(tmp_path, plan.options, "http://127.0.0.1:9")
    assert cmd[:len(locust_command())] == locust_command()
    joined = " ".join(cmd)
    for part in (f"--results-json {tmp_path}/r.json", f"--html-report {tmp_path}/r.html",
                 f"--slo-report {tmp_path}/r.slo.json", f"--summary-export {tmp_path}/r.summary.json",
                 "--test-type r", "--time-scale 0.5", "--load-profile smoke", "--stage 4s:2",
                 "--threshold http_req_failed:rate<0.5", "--host http://127.0.0.1:9", "--headless",
                 "--master --master-bind-host 127.0.0.1 --master-bind-port 5557 --expect-workers 2", "--seed 7"):
        assert part in joined, part
    assert cmd[-1] == "MinaRead"
