"""Hub module: workload. ``--seed`` and the workload's declared environment variables.

At ``init`` (before any user is spawned or request sent) every variable declared
with ``loadlib.env(...)`` is resolved and validated; a missing or malformed one
ends the run with exit 104 and one message naming it. The run targets the
embedded sandbox when neither ``--host`` nor a base-URL variable (API_BASE_URL,
BASE_URL, API_URL) is given; only then do unset variables take the sandbox's
values. A base-URL variable with no ``--host`` also becomes Locust's host, so
``API_URL=http://127.0.0.1:4000/escrow locust -f locustfiles/escrow_positions.py``
needs nothing else.

The data seed: ``--seed N`` fixes it; without it the master (or the local
runner) draws one and prints it. The master's options reach the workers with
the spawn message, so every worker uses the master's seed (set at test_start).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from loadlib.data import seed as data_seed
from loadlib.errors import EnvironmentVariableError
from loadlib.plugin import state
from loadlib.plugin.failure import abort_config
from loadlib.users import envvars as workload_env

log = logging.getLogger("loadlib.workload")


def _is_worker(environment: Any) -> bool:
    from locust.runners import WorkerRunner

    return isinstance(getattr(environment, "runner", None), WorkerRunner)


def _add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("loadlib workload data")
    group.add_argument("--seed", type=int, default=None, env_var="LOADLIB_SEED",
                       help="Seed for the workload's test data (Faker pools, amounts, keys); "
                            "the same seed replays the same data. Default: random, printed at start.")


def targets_embedded_sandbox(options: Any) -> bool:
    """True when neither --host nor a declared base-URL variable names a target.

    The sandbox hub module (its ``init`` listener runs first) records the URL of the
    sandbox it started and writes it into the options' host: that host is ours.
    """
    if workload_env.base_url_override() is not None:
        return False
    return state.RUN.extras.get("sandbox_url") is not None or not getattr(options, "host", None)


def _validate(environment: Any) -> None:
    options = environment.parsed_options
    try:
        override = workload_env.base_url_override()
        embedded = targets_embedded_sandbox(options)
        workload_env.resolve_all(embedded=embedded)
    except EnvironmentVariableError as exc:
        abort_config(exc)
    if override and not environment.host:
        parts = urlsplit(override)
        environment.host = f"{parts.scheme}://{parts.netloc}"
    state.RUN.extras["workload"] = {"embedded": embedded, "base_url": override}


def _choose_seed(environment: Any) -> None:
    options = environment.parsed_options
    if options is None:
        return
    if getattr(options, "seed", None) is None:
        options.seed = data_seed.set_seed(None)  # reaches the workers with the spawn message
        log.info("data seed %d (replay with --seed %d)", options.seed, options.seed)
    else:
        log.info("data seed %d (from --seed)", data_seed.set_seed(options.seed))


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init_command_line_parser.add_listener(_add_arguments)

    @events.init.add_listener
    def _on_init(environment: Any, **_: Any) -> None:
        if environment.parsed_options is None:
            return  # library use (Environment built by hand): nothing to validate
        _validate(environment)
        if not _is_worker(environment):
            _choose_seed(environment)

    @events.test_start.add_listener
    def _on_test_start(environment: Any, **_: Any) -> None:
        options = environment.parsed_options
        if _is_worker(environment) and options is not None and getattr(options, "seed", None) is not None:
            data_seed.set_seed(options.seed)
