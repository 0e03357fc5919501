"""Target vs achieved rate in Locust's web UI: ``GET /loadlib/arrival`` (JSON) and an "Arrival rate" tab.

The tab uses Locust's documented extension points (``extendedTabs`` /
``extendedTables`` template args, ``extended_stats`` in ``/stats/requests``),
appending to whatever other parts of loadlib put there.

    $ curl -s localhost:8089/loadlib/arrival
    {"scenarios": [{"scenario": "checkout", "target_rate": 50.0, "achieved_rate": 49.8, ...}], "workers": 2}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

TAB_KEY = "loadlib-arrival"
COLUMNS = (
    ("scenario", "Scenario"),
    ("executor", "Executor"),
    ("target_rate", "Target /s"),
    ("achieved_rate", "Achieved /s"),
    ("started", "Started"),
    ("dropped", "Dropped"),
    ("active_vus", "Active VUs"),
    ("busy_vus", "Busy VUs"),
    ("max_vus", "maxVUs"),
    ("lag_p99_ms", "Schedule lag p99 (ms)"),
)


def mount(web_ui: Any, view: Callable[[], dict[str, Any]]) -> None:
    """Add the endpoint and the tab to ``web_ui`` (a ``locust.web.WebUI``); ``view()`` gives the JSON body."""
    from flask import Response, request

    app = web_ui.app

    @app.route("/loadlib/arrival")
    def _arrival() -> Any:
        return Response(json.dumps(view()), mimetype="application/json")

    args = web_ui.template_args
    args.setdefault("extendedTabs", []).append({"title": "Arrival rate", "key": TAB_KEY})
    args.setdefault("extendedTables", []).append(
        {"key": TAB_KEY, "structure": [{"key": k, "title": t} for k, t in COLUMNS]})

    @app.after_request
    def _extend_stats(response: Any) -> Any:
        if request.path != "/stats/requests" or response.status_code != 200:
            return response
        try:
            body = json.loads(response.get_data())
        except ValueError:
            return response
        extended = [x for x in body.get("extended_stats") or [] if x.get("key") != TAB_KEY]
        extended.append({"key": TAB_KEY, "data": view()["scenarios"]})
        body["extended_stats"] = extended
        response.set_data(json.dumps(body))
        return response
