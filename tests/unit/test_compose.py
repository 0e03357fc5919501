"""docker-compose.yml, the Dockerfile, Prometheus/Grafana provisioning and the k8s manifests, checked structurally.

No Docker engine runs here, so: every file parses; every service's command
names something that exists (a console script or module, locustfiles,
profiles, Locust/loadlib options); every mounted file exists; Prometheus
scrapes the port the master serves; and every Grafana query names a metric
the exporter really exposes (the exporter run on a registry with sample data).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from loadlib.metrics import MetricType, Registry, ValueKind, tagset
from loadlib.outputs.prometheus import exposed_names, families
from loadlib.results import ThresholdVerdict
from tests.support import ROOT, child_env

COMPOSE = ROOT / "docker-compose.yml"
OVERRIDES = [ROOT / "deploy" / "compose.influxdb.yml"]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "loadlib.json"
INFLUX_DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "loadlib-influxdb.json"
K8S = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))


def _interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` with the default (what ``docker compose up`` uses with no env)."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def _command(cmd: object) -> list[str]:
    parts = shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]  # type: ignore[union-attr]
    return [_interpolate(p) for p in parts]


FLAGS_SCRIPT = """
import locust, loadlib.plugin
from locust.argument_parser import get_parser
print("\\n".join(get_parser()._option_string_actions))
"""


@pytest.fixture(scope="module")
def locust_flags() -> set[str]:
    """Every option ``locust`` accepts with loadlib's plugin (a fresh process: locust monkey-patches)."""
    r = subprocess.run([sys.executable, "-c", FLAGS_SCRIPT], capture_output=True, text=True, timeout=120,
                       env=child_env(), cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    flags = set(r.stdout.split())
    assert {"--master", "--load-profile", "--prometheus-port"} <= flags
    return flags


def _scripts() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project.get("scripts", {})) | {"locust", "python", "python3"}


def check_command(cmd: list[str], flags: set[str], where: str) -> None:
    """The program exists; locust's flags exist, its -f file and --load-profile exist; python -m modules import."""
    assert cmd, f"{where}: empty command"
    assert cmd[0] in _scripts(), f"{where}: {cmd[0]} is not a console script of this image"
    if cmd[0].startswith("python"):
        assert cmd[1] == "-m", f"{where}: expected python -m MODULE"
        assert importlib.util.find_spec(cmd[2]) is not None, f"{where}: no module {cmd[2]}"
        return
    if cmd[0] != "locust":
        return
    for i, arg in enumerate(cmd):
        if arg.startswith("-") and not re.fullmatch(r"-?\d+", arg):
            assert arg.split("=")[0] in flags, f"{where}: locust does not know {arg}"
        if arg == "-f":
            for f in cmd[i + 1].split(","):
                assert (ROOT / f).is_file(), f"{where}: locustfile {f} does not exist"
        if arg == "--load-profile":
            assert (ROOT / "profiles" / f"{cmd[i + 1]}.toml").is_file(), f"{where}: no profile {cmd[i + 1]}"
        if arg == "--out":
            from loadlib.outputs.influxdb import parse_url
            from loadlib.outputs.spec import parse_out

            spec = parse_out(cmd[i + 1])
            if spec.kind == "influxdb":
                parse_url(spec.target)


def _compose(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict) and isinstance(doc.get("services"), dict), path
    return doc


def test_compose_has_the_stack() -> None:
    services = _compose(COMPOSE)["services"]
    assert {"sandbox", "master", "worker", "prometheus", "grafana"} <= set(services)
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["worker"]  # scalable: --scale worker=N must not clash on host ports
    master = _command(services["master"]["command"])
    assert "--master" in master and "8089:8089" in services["master"]["ports"]
    worker = _command(services["worker"]["command"])
    assert worker[worker.index("--master-host") + 1] == "master"
    assert master[master.index("-f") + 1] == worker[worker.index("-f") + 1]  # same locustfile everywhere


@pytest.mark.parametrize("path", [COMPOSE, *OVERRIDES], ids=lambda p: p.name)
def test_every_service_command_exists(path: Path, locust_flags: set[str]) -> None:
    for name, svc in _compose(path)["services"].items():
        if "command" in svc and ("build" in svc or name in ("sandbox", "master", "worker")):
            check_command(_command(svc["command"]), locust_flags, f"{path.name}:{name}")


@pytest.mark.parametrize("path", [COMPOSE, *OVERRIDES], ids=lambda p: p.name)
def test_every_mounted_file_exists(path: Path) -> None:
    for name, svc in _compose(path)["services"].items():
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("."):
                assert (ROOT / src).exists(), f"{path.name}:{name} mounts missing {src}"


def test_prometheus_scrapes_the_port_the_master_serves() -> None:
    services = _compose(COMPOSE)["services"]
    master = _command(services["master"]["command"])
    port = master[master.index("--prometheus-port") + 1]
    assert master[master.index("--prometheus-host") + 1] == "0.0.0.0"
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = [t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]]
    assert f"master:{port}" in targets


def test_grafana_provisioning_points_at_the_dashboard_and_prometheus() -> None:
    prov = ROOT / "deploy" / "grafana" / "provisioning"
    ds = yaml.safe_load((prov / "datasources" / "datasources.yml").read_text())["datasources"]
    prom = [d for d in ds if d["type"] == "prometheus"]
    assert prom and prom[0]["url"] == "http://prometheus:9090"
    providers = yaml.safe_load((prov / "dashboards" / "dashboards.yml").read_text())["providers"]
    mounts = dict(v.split(":")[:2][::-1] for v in _compose(COMPOSE)["services"]["grafana"]["volumes"])
    for p in providers:
        src = mounts[p["options"]["path"]]
        assert (ROOT / src / DASHBOARD.name).is_file()
    uids = {d["uid"] for d in ds}
    for path in (DASHBOARD, INFLUX_DASHBOARD):
        for panel in json.loads(path.read_text())["panels"]:
            assert panel["datasource"]["uid"] in uids, (path.name, panel["title"])


def test_dockerfile_installs_the_package_and_copies_what_commands_use() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, flags=re.M)
    assert "pip install ." in text
    for src in re.findall(r"^COPY (\S+)", text, flags=re.M):
        for part in src.split():
            assert list(ROOT.glob(part.rstrip("*"))) or part.endswith("*"), f"COPY {part}: missing"
    for needed in ("locustfiles", "profiles", "loadlib"):
        assert f"COPY {needed}" in text


# -- the dashboard against the real exporter ---------------------------------------------------------

def _sample_snapshot():
    """A registry with every built-in k6 metric, a check and custom metrics of each type."""
    reg = Registry()
    tags = tagset({"name": "buy", "method": "GET", "status": "200", "scenario": "default",
                   "expected_response": "true"})
    failed_tags = tagset({"name": "buy", "method": "GET", "status": "500", "scenario": "default",
                          "expected_response": "false", "error_kind": "HTTPError"})
    sc = tagset({"scenario": "default"})
    specs = [("http_reqs", MetricType.COUNTER, ValueKind.DEFAULT, 1.0, tags),
             ("http_reqs", MetricType.COUNTER, ValueKind.DEFAULT, 1.0, failed_tags),
             ("http_req_duration", MetricType.TREND, ValueKind.TIME, 12.0, tags),
             ("http_req_failed", MetricType.RATE, ValueKind.DEFAULT, 1.0, failed_tags),
             ("iterations", MetricType.COUNTER, ValueKind.DEFAULT, 1.0, sc),
             ("iteration_duration", MetricType.TREND, ValueKind.TIME, 15.0, sc),
             ("vus", MetricType.GAUGE, ValueKind.DEFAULT, 5.0, ()),
             ("vus_max", MetricType.GAUGE, ValueKind.DEFAULT, 5.0, ()),
             ("data_sent", MetricType.COUNTER, ValueKind.DATA, 100.0, sc),
             ("data_received", MetricType.COUNTER, ValueKind.DATA, 900.0, sc),
             ("checks", MetricType.RATE, ValueKind.DEFAULT, 1.0, tagset({"check": "is 200", "scenario": "default"})),
             ("dropped_iterations", MetricType.COUNTER, ValueKind.DEFAULT, 1.0, sc),
             ("orders", MetricType.COUNTER, ValueKind.DEFAULT, 1.0, sc),
             ("basket_value", MetricType.TREND, ValueKind.DEFAULT, 42.0, sc)]
    for name, type_, contains, value, ts in specs:
        reg.add(reg.define(name, type_, contains), value, ts)
    return reg.snapshot(duration_s=5.0, extra={"workers": 2})


def _exprs() -> list[str]:
    dash = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]


def test_every_dashboard_query_names_an_exported_metric() -> None:
    verdicts = (ThresholdVerdict("http_req_duration", "p(95)<500", True, 12.0, "p(95)"),)
    info = {"role": "master", "usage": [("master", 3.0, 1e8), ("worker-0", 55.0, 2e8)]}
    exposed = exposed_names(families(_sample_snapshot(), verdicts, info))
    exprs = _exprs()
    named = set()
    for e in exprs:
        names = set(re.findall(r"\bloadlib_[A-Za-z0-9_]+", re.sub(r'__name__\s*[=!]~\s*"[^"]*"', "", e)))
        assert names or "__name__" in e, f"query names no metric: {e}"
        missing = names - exposed
        assert not missing, f"{e} names {missing}, not exposed by the exporter"
        named |= names
    # the panels the stack promises
    for needed in ("loadlib_http_reqs_total", "loadlib_http_req_duration_hist_seconds_bucket",
                   "loadlib_http_req_failed_passes_total", "loadlib_vus", "loadlib_threshold_ok",
                   "loadlib_checks_passes_total", "loadlib_generator_cpu_percent"):
        assert needed in named
    assert any("histogram_quantile(0.99" in e for e in exprs) and any("histogram_quantile(0.5" in e for e in exprs)


def test_custom_metrics_panel_selects_custom_metrics_only() -> None:
    exposed = exposed_names(families(_sample_snapshot()))
    [custom] = [e for e in _exprs() if "__name__=~" in e]
    keep = re.search(r'__name__=~"([^"]+)"', custom).group(1)  # type: ignore[union-attr]
    drop = re.search(r'__name__!~"([^"]+)"', custom).group(1)  # type: ignore[union-attr]
    shown = {n for n in exposed if re.fullmatch(keep, n) and not re.fullmatch(drop, n)}
    assert shown == {"loadlib_orders_total", "loadlib_basket_value", "loadlib_basket_value_count",
                     "loadlib_basket_value_sum", "loadlib_basket_value_hist_bucket", "loadlib_basket_value_hist_count",
                     "loadlib_basket_value_hist_sum"}


def test_influxdb_dashboard_reads_measurements_and_fields_the_output_writes() -> None:
    """Every InfluxQL query's measurement and fields appear in the points ``--out influxdb`` writes."""
    from loadlib.outputs.influxdb import IntervalPoints

    written: dict[str, set[str]] = {}
    for ln in IntervalPoints().points(_sample_snapshot(), now=1.0):
        head, fields, _ts = re.split(r"(?<!\\) ", ln)  # spaces in tag values are escaped
        written.setdefault(head.split(",")[0], set()).update(f.split("=")[0] for f in fields.split(","))
    queries = [t["query"] for p in json.loads(INFLUX_DASHBOARD.read_text())["panels"] for t in p["targets"]]
    assert queries
    for q in queries:
        measurement = re.search(r'FROM "([^"]+)"', q).group(1)  # type: ignore[union-attr]
        assert measurement in written, f"{q}: no points named {measurement}"
        fields = set(re.findall(r'(?:sum|max|last|mean|min)\("([^"]+)"\)', q))
        assert fields and fields <= written[measurement], f"{q}: {fields - written[measurement]} not written"
    for needed in ("http_reqs", "http_req_duration", "http_req_failed", "vus", "checks"):
        assert any(f'FROM "{needed}"' in q for q in queries)


# -- Kubernetes -----------------------------------------------------------------------------------------

def _k8s_docs() -> list[dict]:
    docs = []
    for path in K8S:
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_k8s_manifests_parse_and_wire_master_workers_sandbox(locust_flags: set[str]) -> None:
    docs = _k8s_docs()
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    assert {"loadlib-master", "loadlib-worker", "loadlib-sandbox"} <= set(deployments)
    assert {"master", "sandbox"} <= set(services)
    assert deployments["loadlib-master"]["spec"]["replicas"] == 1
    assert deployments["loadlib-worker"]["spec"]["replicas"] >= 2
    for name, d in deployments.items():
        spec = d["spec"]
        assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
        for c in spec["template"]["spec"]["containers"]:
            check_command(_command(c["command"]), locust_flags, f"k8s:{name}")
    worker = _command(deployments["loadlib-worker"]["spec"]["template"]["spec"]["containers"][0]["command"])
    assert worker[worker.index("--master-host") + 1] == "master"
    ports = {p["port"] for p in services["master"]["spec"]["ports"]}
    assert {8089, 5557, 9646} <= ports
    kust = yaml.safe_load((ROOT / "deploy" / "k8s" / "kustomization.yaml").read_text())
    assert sorted(kust["resources"]) == sorted(p.name for p in K8S if p.name != "kustomization.yaml")
