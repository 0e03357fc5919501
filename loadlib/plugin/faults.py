"""Hub module: faults. Request timeouts, short-body detection, and secrets kept out of logs and errors.

* **Timeouts.** At ``init`` every user class gets the profile's ``httpTimeout``
  (``Profile.http_timeout_s``; k6's 60 s without a profile) unless the class
  sets its own: FastHttpUser classes as ``network_timeout`` and
  ``connection_timeout``, HttpUser classes as ``network_timeout``, which
  loadlib makes the requests session's default ``timeout``. Locust's clients
  apply these per socket operation; the workload helpers' ``timeout=`` (and
  their default, the same value) is a total deadline (``loadlib.faults.deadline``).
* **Short bodies.** geventhttpclient accepts a body shorter than its
  Content-Length when the peer closes early; loadlib makes that a failed
  request (``bad_body``), as requests already does.
* **Secrets.** A logging filter on every root handler and on Locust's and
  loadlib's loggers passes each message (and traceback) through
  ``loadlib.redact``; Locust's error and exceptions tables hold redacted text;
  request names and URLs are masked before any request listener sees them
  (stats, metrics tags, --out, Prometheus); declared workload variables with
  secret-looking names (KEY, SECRET, TOKEN, PASSWORD) are registered once resolved.
* **A quiet console.** An exception escaping a task (``r.json()`` on a bad
  body) is logged by Locust with a traceback every time; loadlib logs one
  line per (exception type, error kind) and counts the rest (``TaskErrorFilter``).
"""

from __future__ import annotations

import logging
from typing import Any

from loadlib import redact as redaction
from loadlib.plugin import state

log = logging.getLogger("loadlib")

DEFAULT_TIMEOUT_S = 60.0  # k6's default request timeout
LOGGERS = ("locust", "locust.runners", "locust.main", "locust.user", "locust.user.task", "locust.user.users",
           "loadlib", "gevent", "geventhttpclient", "urllib3", "requests")


# -- timeouts ----------------------------------------------------------------------------------------------

def run_timeout() -> float:
    """The run's request timeout in seconds (the profile's ``httpTimeout``, else 60)."""
    t = getattr(state.RUN.profile, "http_timeout_s", None)
    return float(t) if t else DEFAULT_TIMEOUT_S


def _sets_own(cls: type, attr: str, base: type) -> bool:
    """True when ``cls`` or a class between it and ``base`` defines ``attr``."""
    for klass in cls.__mro__:
        if klass is base:
            return False
        if attr in klass.__dict__ and not klass.__dict__.get("_loadlib_timeout_applied_" + attr):
            return True
    return False


def apply_timeouts(user_classes: Any, seconds: float) -> list[str]:
    """Give every user class ``seconds`` as its request timeout unless it sets its own; returns the names."""
    import locust
    from locust.contrib.fasthttp import FastHttpUser

    applied = []
    for cls in user_classes:
        if issubclass(cls, FastHttpUser):
            own = _sets_own(cls, "network_timeout", FastHttpUser) or _sets_own(cls, "connection_timeout",
                                                                                FastHttpUser)
            if not own:
                cls.network_timeout = seconds
                cls.connection_timeout = seconds
                _mark(cls, "network_timeout", "connection_timeout")
                applied.append(cls.__name__)
        elif issubclass(cls, locust.HttpUser) and not _sets_own(cls, "network_timeout", locust.HttpUser):
            cls.network_timeout = seconds
            _mark(cls, "network_timeout")
            applied.append(cls.__name__)
    return applied


def _mark(cls: type, *attrs: str) -> None:
    for a in attrs:  # ours, not the class's own: a later run in this process may replace it
        setattr(cls, "_loadlib_timeout_applied_" + a, True)


def _patch_requests_default_timeout() -> None:
    """HttpUser: a request without ``timeout=`` uses the user's ``network_timeout``."""
    from locust.clients import HttpSession

    original = HttpSession.request
    if getattr(original, "_loadlib_wrapped", False):
        return

    def request(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = getattr(self.user, "network_timeout", None) or run_timeout()
        return original(self, method, url, *args, **kwargs)

    request._loadlib_wrapped = True  # type: ignore[attr-defined]
    HttpSession.request = request  # type: ignore[method-assign,assignment]  # same call, a default timeout added


# -- short bodies (geventhttpclient) ---------------------------------------------------------------------

def _patch_short_body() -> None:
    from geventhttpclient.response import HTTPParseError
    from geventhttpclient.useragent import CompatResponse

    original = CompatResponse._content
    if getattr(original, "_loadlib_wrapped", False):
        return

    def _content(self: Any) -> bytes:
        # Report a short body on the first read only: Locust reads the body in request() (-> a failed
        # request); the script's own read through the ResponseContextManager (a second wrapper of the
        # same wire response) must get the partial body, not an exception escaping the task.
        wire = getattr(self, "_response", None)
        first = not getattr(wire, "_loadlib_read", False)
        try:
            wire._loadlib_read = True  # type: ignore[union-attr]
        except AttributeError:  # a response type without attributes: never risk raising twice
            first = False
        data: bytes = original(self)
        if not first:
            return data
        headers = self.headers
        declared = headers.get("content-length")
        if declared is None:
            return data
        try:
            expected = int(declared)
        except ValueError:
            return data
        if len(data) >= expected:  # the common case first: a whole body needs no other header looked up
            return data
        if headers.get("content-encoding") or headers.get("transfer-encoding"):
            return data
        method = getattr(getattr(self, "_request", None), "method", "GET") or "GET"
        status = int(getattr(self, "status_code", 0) or 0)
        if method.upper() == "HEAD" or status in (204, 304):
            return data
        raise HTTPParseError(f"truncated body: {len(data)} of {expected} bytes (Content-Length)")

    _content._loadlib_wrapped = True  # type: ignore[attr-defined]
    CompatResponse._content = _content  # type: ignore[method-assign]


# -- redaction -------------------------------------------------------------------------------------------

class RedactFilter(logging.Filter):
    """Masks secrets in a record's message and traceback (install on handlers: they see every record)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error path
            return True
        clean = redaction.redact(msg)
        if clean != msg or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redaction.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redaction.redact(record.stack_info)
        return True


FILTER = RedactFilter()


class TaskErrorFilter(logging.Filter):
    """Locust logs a full traceback for every exception escaping a task; under a faulty target that
    floods the console (``r.json()`` on every bad body, ``raise_for_status()`` on every 503).

    On ``locust.user.task``: an exception caused by the target (its kind is not ``unknown``) is
    logged once per (exception type, kind) as one line without traceback; a script bug
    (``unknown``) once per exception type with its traceback; repeats are counted, not logged
    (they are in ``script_errors`` and Locust's exceptions table). ``--loglevel DEBUG`` logs all.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, str]] = set()
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if record.levelno < logging.ERROR or not args or not isinstance(args[0], BaseException):
            return True
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            return True
        from loadlib.faults.kinds import UNKNOWN, classify

        exc = args[0]
        kind = classify(exc)
        key = (type(exc).__name__, kind)
        if key in self.seen:
            self.suppressed += 1
            return False
        self.seen.add(key)
        if kind != UNKNOWN:
            record.msg = (f"task exception ({kind}): {type(exc).__name__}: {exc} "
                          f"(repeats are counted in script_errors, not logged; tracebacks with --loglevel DEBUG)")
            record.args = None
        return True


TASK_FILTER = TaskErrorFilter()


def install_log_filter() -> None:
    """Attach the filter to every root handler and to Locust's/loadlib's loggers (idempotent)."""
    targets: list[Any] = [*logging.getLogger().handlers]
    for name in LOGGERS:
        lg = logging.getLogger(name)
        targets.append(lg)
        targets.extend(lg.handlers)
    for t in targets:
        if FILTER not in t.filters:
            t.addFilter(FILTER)
    task_logger = logging.getLogger("locust.user.task")
    if TASK_FILTER not in task_logger.filters:
        task_logger.filters.insert(0, TASK_FILTER)  # before redaction flattens the record's args


def _patch_error_table() -> None:
    """Locust's error table (console, web UI, CSV, master merge) holds redacted text only."""
    from locust.stats import RequestStats, StatsError

    original = RequestStats.log_error
    if getattr(original, "_loadlib_wrapped", False):
        return

    def log_error(self: Any, method: str, name: str, error: Any) -> None:
        text = error if isinstance(error, str) or error is None else StatsError.parse_error(error)
        original(self, method, redaction.redact(name),
                 redaction.redact(text) if isinstance(text, str) else text)

    log_error._loadlib_wrapped = True  # type: ignore[attr-defined]
    RequestStats.log_error = log_error  # type: ignore[method-assign]


def _patch_exceptions_table() -> None:
    """Locust's exceptions table (tracebacks of task exceptions: console, web UI, --csv) redacted."""
    from locust.runners import Runner

    original = Runner.log_exception
    if getattr(original, "_loadlib_wrapped", False):
        return

    def log_exception(self: Any, node_id: str, msg: str, formatted_tb: str) -> None:
        original(self, node_id, redaction.redact(str(msg)), redaction.redact(str(formatted_tb)))

    log_exception._loadlib_wrapped = True  # type: ignore[attr-defined]
    Runner.log_exception = log_exception  # type: ignore[method-assign]


def _redact_request_names(hook: Any) -> None:
    """Every request listener (Locust's stats, the metrics hub, --out, Prometheus) sees a clean name.

    A request named by its URL carries whatever the URL holds (``?token=<JWT>``, ``?key=...``);
    the name is masked once, before any listener runs (memoised: names repeat).
    """
    original = hook.fire
    if getattr(original, "_loadlib_wrapped", False):
        return
    clean = redaction.redact_cached

    def fire(*, reverse: bool = False, **kwargs: Any) -> Any:
        name = kwargs.get("name")
        if name is not None:
            kwargs["name"] = clean(name)
        url = kwargs.get("url")
        if url is not None:  # not memoised: URLs carry ids, a cache of them would only grow
            kwargs["url"] = redaction.redact(url)
        return original(reverse=reverse, **kwargs)

    fire._loadlib_wrapped = True  # type: ignore[attr-defined]
    hook.fire = fire


def register_declared_secrets() -> None:
    """Every resolved workload variable whose name looks secret joins the redaction registry."""
    from loadlib.users.envvars import DECLARED

    for name, var in DECLARED.items():
        if redaction.SECRET_NAME.search(name) and getattr(var, "_resolved", False) and var._value:
            redaction.add_secret(var._value)


# -- lifecycle -------------------------------------------------------------------------------------------

def on_init(environment: Any, **_: Any) -> None:
    install_log_filter()
    redaction.registry().add_environ()
    seconds = run_timeout()
    classes = list(getattr(environment, "user_classes", None) or ())
    applied = apply_timeouts(classes, seconds)
    if applied:
        log.debug("loadlib: request timeout %gs for %s", seconds, ", ".join(applied))


def on_test_start(**_: Any) -> None:
    install_log_filter()  # handlers added after init (e.g. by a locustfile) get it too
    register_declared_secrets()


def on_spawning_complete(**_: Any) -> None:
    register_declared_secrets()


def on_quitting(**_: Any) -> None:
    if TASK_FILTER.suppressed:
        log.warning("loadlib: %d more task exception(s) like the ones above were not logged "
                    "(counted in script_errors; all of them with --loglevel DEBUG)", TASK_FILTER.suppressed)
        TASK_FILTER.suppressed = 0


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    install_log_filter()
    _patch_requests_default_timeout()
    _patch_short_body()
    _patch_error_table()
    _patch_exceptions_table()
    _redact_request_names(events.request)
    events.init.add_listener(on_init)
    events.test_start.add_listener(on_test_start)
    events.spawning_complete.add_listener(on_spawning_complete)
    events.quitting.add_listener(on_quitting)
