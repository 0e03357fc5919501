"""loadlib in Locust's web UI: ``/loadlib/state`` (JSON), ``/loadlib`` (a page), ``/loadlib/metrics``, three tabs.

The tabs ("Thresholds", "Checks", "Custom metrics") use Locust's documented
extension points: ``extendedTabs`` / ``extendedTables`` template args and
``extended_stats`` in ``/stats/requests``, which the React UI polls every 2 s.
A tab opens directly with ``/?tab=loadlib-thresholds``. The standalone page
``/loadlib`` polls ``/loadlib/state`` every 2 s (works without the React UI).

    $ curl -s localhost:8089/loadlib/state
    {"thresholds": [{"metric": "http_req_duration", "threshold": "p(95)<500", "ok": true, ...}], ...}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

TABS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    # (key, title, state section, columns)
    ("loadlib-thresholds", "Thresholds", "thresholds",
     (("status", "Status"), ("metric", "Metric"), ("threshold", "Threshold"), ("observed", "Observed"))),
    ("loadlib-checks", "Checks", "checks",
     (("name", "Check"), ("passes", "Passes"), ("fails", "Fails"), ("rate", "Pass rate"))),
    ("loadlib-metrics", "Custom metrics", "metrics",
     (("name", "Metric"), ("type", "Type"), ("values", "Values"))),
)


def page() -> str:
    """The standalone live page (``/loadlib``)."""
    return resources.files(__package__).joinpath("loadlib.html").read_text(encoding="utf-8")


def tab_rows(section: str, view: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of one tab from the ``/loadlib/state`` body (strings, as Locust's tables display them)."""
    rows = []
    for item in view.get(section, []):
        if section == "thresholds":
            rows.append({"status": "PASS" if item["ok"] else "FAIL", "metric": item["metric"],
                         "threshold": item["threshold"], "observed": item["observed_text"]})
        elif section == "checks":
            rows.append({"name": item["name"], "passes": item["passes"], "fails": item["fails"],
                         "rate": f"{item['rate'] * 100:.2f} %"})
        else:
            rows.append({"name": item["name"], "type": item["type"], "values": item["values_text"]})
    return rows


def mount(web_ui: Any, view: Callable[[], dict[str, Any]], metrics: Callable[[], bytes] | None = None) -> None:
    """Add the endpoints and tabs to ``web_ui`` (a ``locust.web.WebUI``); ``view()`` gives the state body."""
    from flask import Response, request

    app = web_ui.app
    # behind Locust's --web-login like its own pages
    guard: Callable[[Any], Any] = getattr(web_ui, "auth_required_if_enabled", lambda f: f)

    @app.route("/loadlib/state")
    @guard
    def _loadlib_state() -> Any:
        return Response(json.dumps(view()), mimetype="application/json",
                        headers={"Cache-Control": "no-store"})

    @app.route("/loadlib")
    @guard
    def _loadlib_page() -> Any:
        return Response(page(), mimetype="text/html")

    if metrics is not None:
        @app.route("/loadlib/metrics")
        @guard
        def _loadlib_metrics() -> Any:
            from prometheus_client import CONTENT_TYPE_LATEST

            return Response(metrics(), mimetype=CONTENT_TYPE_LATEST)

    args = web_ui.template_args
    for key, title, _section, columns in TABS:
        args.setdefault("extendedTabs", []).append({"title": title, "key": key})
        args.setdefault("extendedTables", []).append(
            {"key": key, "structure": [{"key": k, "title": t} for k, t in columns]})

    keys = {t[0] for t in TABS}

    @app.after_request
    def _extend_stats(response: Any) -> Any:
        if request.path != "/stats/requests" or response.status_code != 200:
            return response
        try:
            body = json.loads(response.get_data())
            state = view()
        except Exception:  # the UI's own stats must keep flowing whatever happens here
            return response
        extended = [x for x in body.get("extended_stats") or [] if x.get("key") not in keys]
        for key, _title, section, _columns in TABS:
            extended.append({"key": key, "data": tab_rows(section, state)})
        body["extended_stats"] = extended
        response.set_data(json.dumps(body))
        return response
