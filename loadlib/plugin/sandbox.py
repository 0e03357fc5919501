"""Hub module: start the embedded sandbox when the run has no target host.

On the master (or a local run), when neither ``--host`` / ``LOCUST_HOST`` /
locust.conf nor any user class names a host, the ``init`` listener starts
``python -m loadlib.sandbox --port 0`` as a child process, waits (30 s at most)
for its ready line, and points ``environment.host`` at it. Locust sends that host
to workers in every spawn message, so workers never start a sandbox of their own.
The child is stopped on ``quit`` (Locust fires it after ``runner.quit()``; on Ctrl-C
``quitting`` fires while users still send requests, too early), and as a fallback at
interpreter exit.

A sandbox shared by several runs (``loadlib suite`` starts one for the whole
suite): the runner sets ``LOADLIB_SANDBOX_URL`` in the child's environment and
passes the same URL as ``--host``; that host then counts as the embedded
sandbox (workload variables take their sandbox values) and nothing is started.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from loadlib.errors import LoadlibError
from loadlib.plugin import state
from loadlib.plugin.failure import abort_config

log = logging.getLogger("loadlib")

START_TIMEOUT_S = 30.0
URL_PREFIX = "LOADLIB_SANDBOX_URL="  # the line python -m loadlib.sandbox prints once it serves
SHARED_URL_ENV = "LOADLIB_SANDBOX_URL"  # a sandbox already started for this run (by `loadlib suite`)


class SandboxProcess:
    """A sandbox child process: ``start()`` returns its URL, ``stop()`` ends it (idempotent)."""

    def __init__(self, timeout_s: float = START_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.url: str | None = None
        self._dir = tempfile.mkdtemp(prefix="loadlib-sandbox-run-")
        self._ready = Path(self._dir, "ready")
        self._log = Path(self._dir, "sandbox.log")

    def start(self) -> str:
        args = [sys.executable, "-m", "loadlib.sandbox", "--host", "127.0.0.1", "--port", "0",
                "--ready-file", str(self._ready), "--exit-with-parent", str(os.getpid())]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with open(self._log, "wb") as out:
            # its own session: Ctrl-C (or `timeout`) signals the whole foreground process group, and the
            # sandbox must outlive the users' last requests; we stop it at quit, and
            # --exit-with-parent ends it should this process die without quitting
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                         start_new_session=True)
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self._ready.exists():
                line = self._ready.read_text().strip()
                if line.startswith(URL_PREFIX):
                    self.url = line[len(URL_PREFIX):]
                    return self.url
            if self.proc.poll() is not None:
                raise LoadlibError(f"the embedded sandbox exited with code {self.proc.returncode} before serving: "
                                   f"{self._tail()} (pass --host to test another target)")
            time.sleep(0.05)
        self.stop()
        raise LoadlibError(f"the embedded sandbox did not start within {self.timeout_s:.0f} s: {self._tail()} "
                           "(pass --host to test another target)")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for path in (self._ready, self._log):
            with contextlib.suppress(OSError):
                path.unlink()
        with contextlib.suppress(OSError):
            os.rmdir(self._dir)

    def _tail(self) -> str:
        try:
            text = self._log.read_text(errors="replace").strip()
        except OSError:
            return "(no output)"
        return " | ".join(text.splitlines()[-5:]) or "(no output)"


def _base_url_variable_set() -> bool:
    """A workload's base-URL variable (API_BASE_URL, BASE_URL, API_URL) names the target instead."""
    import os

    from loadlib.users.envvars import DECLARED

    return any(var.base_url and os.environ.get(var.name) for var in DECLARED.values())


def needs_sandbox(environment: Any) -> bool:
    """True on a master or local run with no host from options, config or any user class."""
    options = environment.parsed_options
    if options is None or getattr(options, "worker", False):
        return False
    if environment.host or getattr(options, "host", None):
        return False
    if _base_url_variable_set():
        return False
    return not any(getattr(cls, "host", None) for cls in environment.user_classes or ())


def shared_sandbox_url(environment: Any) -> str | None:
    """The URL of a sandbox started for several runs, when ``--host`` names it (else None)."""
    url = os.environ.get(SHARED_URL_ENV, "").rstrip("/")
    options = environment.parsed_options
    host = (getattr(options, "host", None) or environment.host or "").rstrip("/")
    return url if url and host == url else None


def on_init(environment: Any, **_kw: Any) -> None:
    shared = shared_sandbox_url(environment) if environment.parsed_options is not None else None
    if shared is not None:
        state.RUN.extras["sandbox_url"] = shared  # ours, though not our child: the workload hub reads this
        return
    if not needs_sandbox(environment):
        return
    sandbox = SandboxProcess()
    state.RUN.extras["sandbox_process"] = sandbox
    atexit.register(sandbox.stop)
    try:
        url = sandbox.start()
    except LoadlibError as exc:
        abort_config(exc)
    environment.host = url
    # other hub parts (and the web UI) read the host from the options too
    environment.parsed_options.host = url
    state.RUN.extras["sandbox_url"] = url
    log.info("loadlib: embedded sandbox at %s", url)


def on_quit(**_kw: Any) -> None:
    sandbox = state.RUN.extras.get("sandbox_process")
    if sandbox is not None:
        sandbox.stop()


def register(events: Any) -> None:
    """Attach this concern's listeners to Locust's events."""
    events.init.add_listener(on_init)
    events.quit.add_listener(on_quit)
