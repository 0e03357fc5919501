"""Hub module: load and validate the run's profile at ``init``, before any user is spawned.

Precedence: ``--load-profile``, else the locustfile's ``loadlib.default_profile(...)``;
``--stage`` replaces its stages (or is the whole profile when none is chosen);
``--time-scale`` multiplies every duration. With none of these the run is plain
Locust (``-u/-r/-t``). Any ``LoadlibError`` ends the run with exit 104 and one line.
"""

from __future__ import annotations

import logging
from typing import Any

from loadlib.errors import LoadlibError, ProfileError
from loadlib.plugin import state
from loadlib.plugin.failure import abort_config

log = logging.getLogger("loadlib")


def build_run_profile(options: Any, user_classes: dict[str, Any] | None = None) -> Any:
    """The validated ``Profile`` the options ask for, or None for a plain Locust run."""
    from loadlib.profiles import current_default, load_profile, parse_stages, parse_time_scale, stages_profile

    name = getattr(options, "load_profile", None) or current_default()
    stage_args = getattr(options, "stage", None) or []
    if isinstance(stage_args, str):  # from an environment variable: "2m:10,1m:0"
        stage_args = [s for s in stage_args.replace(",", " ").split() if s]
    time_scale = parse_time_scale(getattr(options, "time_scale", 1) or 1)
    if not name and not stage_args:
        return None
    stages = parse_stages(stage_args)
    if name:
        profile = load_profile(name)
        if stages:
            profile = profile.with_stages(stages)
    else:
        profile = stages_profile(stages)
    if time_scale != 1:
        profile = profile.scaled(time_scale)
    if user_classes is not None:
        check_exec(profile, user_classes)
    return profile


def check_exec(profile: Any, user_classes: dict[str, Any]) -> None:
    """Every scenario's ``exec`` must name a user class of the locustfile."""
    import difflib

    available = sorted(user_classes)
    for s in profile.scenarios:
        if s.exec is not None and s.exec not in user_classes:
            close = difflib.get_close_matches(s.exec, available, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else None
            raise ProfileError(f"scenarios.{s.name}.exec", s.exec,
                               f"a user class of this locustfile ({', '.join(available) or 'none'})",
                               source=profile.source, hint=hint)


def on_init(environment: Any, **_kw: Any) -> None:
    options = environment.parsed_options
    if options is None:  # Environment built by library code, not the locust command
        return
    state.RUN.environment = environment
    state.RUN.options = options
    is_worker = bool(getattr(options, "worker", False))
    try:
        profile = build_run_profile(options, None if is_worker else environment.user_classes_by_name)
    except LoadlibError as exc:
        abort_config(exc)
    if profile is None:
        return
    state.RUN.profile = profile
    if profile.ignored_options and not is_worker:
        log.warning("loadlib: %s: k6 options accepted but not used by loadlib: %s",
                    profile.source, ", ".join(profile.ignored_options))


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init.add_listener(on_init)
