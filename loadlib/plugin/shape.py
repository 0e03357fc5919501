"""Hub module: run the profile as Locust's load shape (master / local only).

When ``state.RUN.profile`` is set and the locustfile has no shape of its own, a
``ProfileShape`` becomes ``environment.shape_class``; the shape's exact
dispatcher becomes ``environment.dispatcher_class``, so each user class gets
exactly its scenario's count (also when a master dispatches to workers; workers
only spawn what they are sent). A locustfile that defines its own
``ProfileShape`` subclass gets the dispatcher too.

Unless ``--stop-timeout`` is given, Locust's ``stop_timeout`` becomes the
profile's longest gracefulRampDown/gracefulStop: a user that a ramp-down (or
the end of the run) stops finishes its current task, as a k6 VU finishes its
iteration; an idle user stops at once.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from loadlib.plugin import state

log = logging.getLogger("loadlib")


def on_init(environment: Any, **_kw: Any) -> None:
    options = environment.parsed_options
    if options is None or getattr(options, "worker", False):
        return
    from loadlib.shapes.shape import ProfileShape

    shape = environment.shape_class
    if shape is None and state.RUN.profile is not None:
        shape = ProfileShape(state.RUN.profile)
        shape.runner = environment.runner
        environment.shape_class = shape
    elif shape is not None and state.RUN.profile is not None and not isinstance(shape, ProfileShape):
        log.warning("loadlib: the locustfile defines its own shape (%s); the load profile %r only "
                    "supplies thresholds and options", type(shape).__name__, state.RUN.profile.name)
    if isinstance(shape, ProfileShape):
        if state.RUN.profile is None:  # the locustfile's own ProfileShape: its profile is the run's profile
            state.RUN.profile = shape.the_profile
        environment.dispatcher_class = shape.dispatcher_class()
        _graceful_stop(environment, shape.the_profile)
        state.RUN.extras["scenario_classes"] = {
            s.name: [s.exec] if s.exec else [c.__name__ for c in environment.user_classes]
            for s in shape.the_profile.scenarios
        }


def _graceful_stop(environment: Any, profile: Any) -> None:
    """Unless the user chose ``--stop-timeout``, users ramped down or stopped at the end finish their
    current task (iteration) for up to the profile's graceful period, as k6 VUs do; idle users stop at once."""
    explicit = any(a.startswith("--stop-timeout") for a in sys.argv) or "LOCUST_STOP_TIMEOUT" in os.environ
    if explicit or environment.stop_timeout:
        return
    from loadlib.shapes.timeline import graceful_timeout

    environment.stop_timeout = graceful_timeout(profile)


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init.add_listener(on_init)
