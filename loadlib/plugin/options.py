"""Hub module: loadlib's load-profile options on Locust's command line (and locust.conf / env vars).

    --load-profile NAME|PATH   a shipped profile (profiles/NAME.toml) or a .toml / pasted k6 options .json
    --stage DURATION:TARGET    k6's --stage, repeatable (2m:100, 30s:100vu); replaces the profile's stages
    --time-scale F             multiply every duration of the profile by F (> 0)

Values are validated in ``plugin.config`` at ``init`` (exit 104 with one message),
not by argparse, so a typo never produces a traceback or a usage dump.
"""

from __future__ import annotations

from typing import Any


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group(
        "loadlib load profile",
        "k6-style load profiles: stages and scenarios from profiles/*.toml or a pasted k6 options JSON",
    )
    group.add_argument(
        "--load-profile",
        dest="load_profile",
        metavar="NAME|PATH",
        default=None,
        env_var="LOCUST_LOAD_PROFILE",
        help="Run this load profile (a name from `loadlib profiles`, or a .toml/.json file). "
        "Default: the locustfile's loadlib.default_profile(...), else plain -u/-r/-t.",
    )
    group.add_argument(
        "--stage",
        dest="stage",
        metavar="DURATION:TARGET",
        action="append",
        default=None,
        env_var="LOCUST_STAGE",
        help="k6-style stage, repeatable, e.g. --stage 2m:100 --stage 30s:0 (a 'vu' suffix is accepted). "
        "Replaces the profile's stages.",
    )
    group.add_argument(
        "--time-scale",
        dest="time_scale",
        metavar="F",
        default="1",
        env_var="LOCUST_TIME_SCALE",
        help="Multiply every duration of the profile by F (> 0), e.g. 0.01 runs a 4 h soak in 2.4 min "
        "with the same shape. Default 1.",
    )


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init_command_line_parser.add_listener(add_arguments)
