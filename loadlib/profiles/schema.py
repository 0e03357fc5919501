"""Turn a k6 ``options`` mapping (from TOML or pasted JSON) into a validated ``Profile``.

The rules are k6's (lib/executor/*.go ``Validate``): unknown keys and executors
are errors, negative counts are errors, ``maxVUs`` defaults to
``preAllocatedVUs`` and may not be below it, and so on. Every error is a
``ProfileError`` naming the file, the key path (``scenarios.read.stages[2].duration``),
the value and what is accepted, with the closest valid name when one is near.

>>> p = build_profile({"stages": [{"duration": "1m", "target": 10}]}, name="x", source="x.toml")
>>> p.scenarios[0].executor, p.scenarios[0].stages[0].duration_s
('ramping-vus', 60.0)
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

from loadlib.errors import ProfileError
from loadlib.profiles.duration import ACCEPTED as DURATION_ACCEPTED
from loadlib.profiles.duration import DurationSyntaxError, parse_duration
from loadlib.profiles.model import EXECUTORS, Profile, Scenario, Stage, ThresholdSpec

COMMON_KEYS = ("executor", "startTime", "gracefulStop", "exec", "env", "tags")
EXECUTOR_KEYS: dict[str, tuple[str, ...]] = {
    "ramping-vus": ("startVUs", "stages", "gracefulRampDown"),
    "constant-vus": ("vus", "duration"),
    "per-vu-iterations": ("vus", "iterations", "maxDuration"),
    "shared-iterations": ("vus", "iterations", "maxDuration"),
    "constant-arrival-rate": ("rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"),
    "ramping-arrival-rate": ("startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs"),
}
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "ramping-vus": ("stages",),
    "constant-vus": ("duration",),
    "per-vu-iterations": (),
    "shared-iterations": (),
    "constant-arrival-rate": ("rate", "duration", "preAllocatedVUs"),
    "ramping-arrival-rate": ("stages", "preAllocatedVUs"),
}
TOP_KEYS = ("description", "stages", "vus", "duration", "iterations", "scenarios", "thresholds",
            "httpTimeout", "summaryTrendStats", "tags")
# k6 options a pasted options object may carry that do not shape load: accepted, reported, not acted on.
IGNORED_K6_OPTIONS = ("discardResponseBodies", "noConnectionReuse", "noVUConnectionReuse", "userAgent",
                      "insecureSkipTLSVerify", "setupTimeout", "teardownTimeout", "summaryTimeUnit", "batch",
                      "batchPerHost", "maxRedirects", "throw", "systemTags", "ext", "cloud", "hosts", "dns",
                      "minIterationDuration", "noCookiesReset", "rps", "blacklistIPs", "blockHostnames",
                      "tlsVersion", "tlsCipherSuites", "localIPs", "setupTimeout", "noSetup", "noTeardown",
                      "paused", "linger", "noUsageReport", "noThresholds", "noSummary", "consoleOutput")
THRESHOLD_OBJECT_KEYS = ("threshold", "abortOnFail", "delayAbortEval")
STAGE_KEYS = ("duration", "target")
_SCENARIO_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-.]*$")


class _Ctx:
    """Where we are: the file being read, for every message."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, value: object, expected: str, hint: str | None = None) -> ProfileError:
        return ProfileError(path, value, expected, source=self.source, hint=hint)

    def missing(self, path: str, key: str, expected: str, why: str = "") -> ProfileError:
        where = f"{path}." if path else ""
        msg = f"{self.source}: {where}{key} is required{why}; expected {expected}"
        return ProfileError(f"{where}{key}", None, expected, source=self.source, message=msg)

    def unknown_key(self, path: str, key: str, accepted: tuple[str, ...], what: str) -> ProfileError:
        where = f"{path}.{key}" if path else key
        close = difflib.get_close_matches(key, accepted, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else None
        msg = f"{self.source}: unknown key {where!r} in {what}; accepted keys: {', '.join(accepted)}"
        if hint:
            msg += f" ({hint})"
        return ProfileError(where, key, f"one of {', '.join(accepted)}", source=self.source, hint=hint, message=msg)


def build_profile(data: Mapping[str, Any], *, name: str, source: str) -> Profile:
    """Validate a k6-style options mapping and build the immutable ``Profile``."""
    ctx = _Ctx(source)
    if not isinstance(data, Mapping):
        raise ctx.fail("(top level)", data, "a table/object of k6 options")
    ignored: list[str] = []
    for key in data:
        if key in IGNORED_K6_OPTIONS:
            ignored.append(key)
        elif key not in TOP_KEYS:
            raise ctx.unknown_key("", key, TOP_KEYS, "the profile's top level")

    scenarios = _scenarios(ctx, data)
    thresholds = _thresholds(ctx, data.get("thresholds", {}))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ctx.fail("description", description, "a string")
    http_timeout = _duration(ctx, "httpTimeout", data["httpTimeout"]) if "httpTimeout" in data else 60.0
    if http_timeout <= 0:
        raise ctx.fail("httpTimeout", data["httpTimeout"], "a duration greater than 0")
    trend_stats = data.get("summaryTrendStats", ("avg", "min", "med", "max", "p(90)", "p(95)"))
    if not isinstance(trend_stats, list | tuple) or not all(isinstance(s, str) for s in trend_stats):
        raise ctx.fail("summaryTrendStats", trend_stats, 'a list of stat names such as ["avg", "p(95)"]')
    return Profile(
        name=name,
        source=source,
        scenarios=scenarios,
        thresholds=thresholds,
        description=description,
        http_timeout_s=http_timeout,
        summary_trend_stats=tuple(trend_stats),
        tags=_str_map(ctx, "tags", data.get("tags", {})),
        ignored_options=tuple(ignored),
    )


def _scenarios(ctx: _Ctx, data: Mapping[str, Any]) -> tuple[Scenario, ...]:
    shorthand = [k for k in ("stages", "duration", "iterations") if k in data]
    if "scenarios" in data:
        if shorthand:
            raise ctx.fail(shorthand[0], data[shorthand[0]], "either top-level stages/vus/duration/iterations or "
                           "[scenarios.NAME] tables, not both")
        raw = data["scenarios"]
        if not isinstance(raw, Mapping) or not raw:
            raise ctx.fail("scenarios", raw, "one or more [scenarios.NAME] tables")
        out = []
        for sname, table in raw.items():
            if not _SCENARIO_NAME.match(str(sname)):
                raise ctx.fail(f"scenarios.{sname}", sname, "a scenario name of letters, digits, _ - .")
            out.append(_scenario(ctx, f"scenarios.{sname}", str(sname), table))
        return tuple(out)
    # k6's shortcuts (js/bundle.go deriveScenariosFromShortcuts): stages -> ramping-vus with startVUs = vus,
    # iterations -> shared-iterations, duration -> constant-vus.
    vus = data.get("vus")
    body: dict[str, Any]
    if "stages" in data:
        body = {"executor": "ramping-vus", "stages": data["stages"]}
        if vus is not None:
            body["startVUs"] = vus
        return (_scenario(ctx, "", "default", body),)
    if "iterations" in data:
        body = {"executor": "shared-iterations", "iterations": data["iterations"], "vus": vus if vus is not None else 1}
        if "duration" in data:
            body["maxDuration"] = data["duration"]
        return (_scenario(ctx, "", "default", body),)
    if "duration" in data:
        body = {"executor": "constant-vus", "duration": data["duration"], "vus": vus if vus is not None else 1}
        return (_scenario(ctx, "", "default", body),)
    raise ctx.missing("", "stages", "top-level stages = [...] or at least one [scenarios.NAME] table",
                      " (the profile defines no load)")


def _scenario(ctx: _Ctx, path: str, name: str, body: Any) -> Scenario:
    if not isinstance(body, Mapping):
        raise ctx.fail(path or name, body, "a table of executor settings")
    executor = body.get("executor")
    p = (lambda key: f"{path}.{key}" if path else key)  # noqa: E731
    if executor is None:
        raise ctx.missing(path, "executor", f"one of {', '.join(EXECUTORS)}")
    if executor not in EXECUTORS:
        close = difflib.get_close_matches(str(executor), EXECUTORS, n=1, cutoff=0.4)
        raise ctx.fail(p("executor"), executor, f"one of {', '.join(EXECUTORS)}",
                       hint=f"did you mean {close[0]!r}?" if close else None)
    accepted = COMMON_KEYS + EXECUTOR_KEYS[executor]
    for key in body:
        if key not in accepted:
            raise ctx.unknown_key(path or "scenarios.default", key, accepted, f"a {executor} scenario")
    for key in REQUIRED_KEYS[executor]:
        if key not in body:
            raise ctx.missing(path or "", key, _expected(key), f" for executor {executor}")

    kw: dict[str, Any] = {"name": name, "executor": executor}
    if "startTime" in body:
        kw["start_time_s"] = _duration(ctx, p("startTime"), body["startTime"])
    if "gracefulStop" in body:
        kw["graceful_stop_s"] = _duration(ctx, p("gracefulStop"), body["gracefulStop"])
    if "exec" in body:
        ex = body["exec"]
        if not isinstance(ex, str) or not ex.isidentifier():
            raise ctx.fail(p("exec"), ex, "the name of a user class in the locustfile (a Python identifier)")
        kw["exec"] = ex
    kw["env"] = _str_map(ctx, p("env"), body.get("env", {}))
    kw["tags"] = _str_map(ctx, p("tags"), body.get("tags", {}))

    if executor == "ramping-vus":
        kw["start_vus"] = _int(ctx, p("startVUs"), body.get("startVUs", 1), minimum=0)
        kw["stages"] = _stages(ctx, p("stages"), body["stages"], whole=True)
        kw["graceful_ramp_down_s"] = _duration(ctx, p("gracefulRampDown"), body.get("gracefulRampDown", "30s"))
        if max([kw["start_vus"], *(s.target for s in kw["stages"])]) <= 0:
            raise ctx.fail(p("stages"), body["stages"], "startVUs or at least one stage target greater than 0")
    elif executor == "constant-vus":
        kw["vus"] = _int(ctx, p("vus"), body.get("vus", 1), minimum=1)
        kw["duration_s"] = _duration(ctx, p("duration"), body["duration"], minimum=1.0)
    elif executor in ("per-vu-iterations", "shared-iterations"):
        kw["vus"] = _int(ctx, p("vus"), body.get("vus", 1), minimum=1)
        kw["iterations"] = _int(ctx, p("iterations"), body.get("iterations", 1), minimum=1)
        kw["max_duration_s"] = _duration(ctx, p("maxDuration"), body.get("maxDuration", "10m"), minimum=1.0)
        if executor == "shared-iterations" and kw["iterations"] < kw["vus"]:
            raise ctx.fail(p("iterations"), kw["iterations"],
                           f"at least vus ({kw['vus']}): shared-iterations can't have fewer iterations than VUs")
    else:  # arrival-rate executors
        kw["time_unit_s"] = _duration(ctx, p("timeUnit"), body.get("timeUnit", "1s"))
        if kw["time_unit_s"] <= 0:
            raise ctx.fail(p("timeUnit"), body.get("timeUnit"), "a duration greater than 0, e.g. 1s or 1m")
        pre = _int(ctx, p("preAllocatedVUs"), body["preAllocatedVUs"], minimum=0)
        max_vus = _int(ctx, p("maxVUs"), body.get("maxVUs", pre), minimum=0)
        if max_vus < pre:
            raise ctx.fail(p("maxVUs"), max_vus, f"at least preAllocatedVUs ({pre})",
                           hint="maxVUs defaults to preAllocatedVUs when omitted")
        if max_vus <= 0:
            raise ctx.fail(p("preAllocatedVUs"), pre, "more than 0 VUs (preAllocatedVUs or maxVUs)")
        kw["pre_allocated_vus"], kw["max_vus"] = pre, max_vus
        if executor == "constant-arrival-rate":
            kw["rate"] = _number(ctx, p("rate"), body["rate"], minimum=0, strict=True)
            kw["duration_s"] = _duration(ctx, p("duration"), body["duration"], minimum=1.0)
        else:
            kw["start_rate"] = _number(ctx, p("startRate"), body.get("startRate", 0), minimum=0)
            kw["stages"] = _stages(ctx, p("stages"), body["stages"], whole=False)
    return Scenario(**kw)


def _expected(key: str) -> str:
    if key in ("duration", "maxDuration", "startTime", "gracefulStop", "gracefulRampDown", "timeUnit"):
        return DURATION_ACCEPTED
    if key == "stages":
        return 'a list of stages such as [{duration = "1m", target = 10}]'
    if key == "executor":
        return f"one of {', '.join(EXECUTORS)}"
    return "a whole number >= 0" if key in ("preAllocatedVUs", "maxVUs", "vus", "startVUs") else "a number > 0"


def _stages(ctx: _Ctx, path: str, raw: Any, *, whole: bool) -> tuple[Stage, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise ctx.fail(path, raw, 'a non-empty list of stages such as [{duration = "1m", target = 10}]')
    out = []
    for i, st in enumerate(raw):
        sp = f"{path}[{i}]"
        if not isinstance(st, Mapping):
            raise ctx.fail(sp, st, '{duration = "1m", target = 10}')
        for key in st:
            if key not in STAGE_KEYS:
                raise ctx.unknown_key(sp, key, STAGE_KEYS, "a stage")
        for key in STAGE_KEYS:
            if key not in st:
                raise ctx.missing(sp, key, _expected("duration") if key == "duration" else "a number >= 0")
        duration = _duration(ctx, f"{sp}.duration", st["duration"])
        if whole:
            target: float = _int(ctx, f"{sp}.target", st["target"], minimum=0)
        else:
            target = _number(ctx, f"{sp}.target", st["target"], minimum=0)
        out.append(Stage(duration, target))
    return tuple(out)


def _duration(ctx: _Ctx, path: str, raw: Any, minimum: float | None = None) -> float:
    try:
        seconds = parse_duration(raw)
    except DurationSyntaxError as exc:
        raise ctx.fail(path, raw, DURATION_ACCEPTED, hint=str(exc)) from None
    if minimum is not None and seconds < minimum:
        raise ctx.fail(path, raw, f"a duration of at least {minimum:g}s (k6's minimum)")
    return seconds


def _int(ctx: _Ctx, path: str, raw: Any, *, minimum: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or (isinstance(raw, float) and not raw.is_integer()):
        raise ctx.fail(path, raw, f"a whole number >= {minimum}")
    if raw < minimum:
        raise ctx.fail(path, raw, f"a whole number >= {minimum}")
    return int(raw)


def _number(ctx: _Ctx, path: str, raw: Any, *, minimum: float, strict: bool = False) -> float:
    bad = isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw)
    if bad or raw < minimum or (strict and raw <= minimum):
        raise ctx.fail(path, raw, f"a number {'>' if strict else '>='} {minimum:g}")
    return float(raw)


def _str_map(ctx: _Ctx, path: str, raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise ctx.fail(path, raw, "a table of string values")
    out = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise ctx.fail(f"{path}.{k}", v, "a string")
        out[str(k)] = str(v)
    return out


def _thresholds(ctx: _Ctx, raw: Any) -> tuple[ThresholdSpec, ...]:
    if not isinstance(raw, Mapping):
        raise ctx.fail("thresholds", raw, 'a table such as [thresholds] http_req_duration = ["p(95)<500"]')
    out: list[ThresholdSpec] = []
    for metric, spec in raw.items():
        path = f"thresholds.{metric}" if re.match(r"^\w+$", metric) else f'thresholds."{metric}"'
        if not re.match(r"^[A-Za-z_][\w.\-]*(\{[^{}]*\})?$", metric):
            raise ctx.fail(path, metric, "a metric name, optionally with a tag filter: http_req_duration{status:200}")
        items = spec if isinstance(spec, list | tuple) else [spec]
        if not items:
            raise ctx.fail(path, spec, 'one or more threshold expressions such as "p(95)<500"')
        for i, item in enumerate(items):
            ip = f"{path}[{i}]" if isinstance(spec, list | tuple) else path
            out.append(_threshold(ctx, ip, metric, item))
    return tuple(out)


def _threshold(ctx: _Ctx, path: str, metric: str, item: Any) -> ThresholdSpec:
    if isinstance(item, str):
        if not item.strip():
            raise ctx.fail(path, item, 'a threshold expression such as "p(95)<500"')
        return ThresholdSpec(metric=metric, expression=item.strip())
    if isinstance(item, Mapping):
        for key in item:
            if key not in THRESHOLD_OBJECT_KEYS:
                raise ctx.unknown_key(path, key, THRESHOLD_OBJECT_KEYS, "a threshold object")
        expr = item.get("threshold")
        if not isinstance(expr, str) or not expr.strip():
            raise ctx.missing(path, "threshold", 'a threshold expression such as "p(95)<500"')
        abort = item.get("abortOnFail", False)
        if not isinstance(abort, bool):
            raise ctx.fail(f"{path}.abortOnFail", abort, "true or false")
        delay = _duration(ctx, f"{path}.delayAbortEval", item["delayAbortEval"]) if "delayAbortEval" in item else None
        return ThresholdSpec(metric=metric, expression=expr.strip(), abort_on_fail=abort, delay_abort_eval_s=delay)
    raise ctx.fail(path, item, 'a threshold string "p(95)<500" or {threshold = "...", abortOnFail = true}')
