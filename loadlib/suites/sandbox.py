"""One embedded sandbox for a whole suite: ``python -m loadlib.sandbox --port 0`` as a child process.

Started before the first entry that has no target, stopped after the last
(also on Ctrl-C and at interpreter exit). Its URL is passed to each such entry
as ``--host`` and as ``LOADLIB_SANDBOX_URL``, so the entry's hub treats it as
the embedded sandbox instead of starting its own.

>>> with SharedSandbox() as url:  # doctest: +SKIP
...     url
'http://127.0.0.1:41234'
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from loadlib.errors import LoadlibError

URL_PREFIX = "LOADLIB_SANDBOX_URL="
ENV_NAME = "LOADLIB_SANDBOX_URL"
START_TIMEOUT_S = 30.0


class SharedSandbox:
    """Context manager: start the sandbox, yield its URL, stop it (idempotent ``stop()``)."""

    def __init__(self, timeout_s: float = START_TIMEOUT_S, log_path: Path | None = None) -> None:
        self.timeout_s = timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.url: str | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="loadlib-suite-sandbox-"))
        self.log_path = log_path or self._dir / "sandbox.log"

    def start(self) -> str:
        ready = self._dir / "ready"
        args = [sys.executable, "-m", "loadlib.sandbox", "--host", "127.0.0.1", "--port", "0",
                "--ready-file", str(ready), "--exit-with-parent", str(os.getpid())]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with open(self.log_path, "wb") as out:
            # its own session: a Ctrl-C in the terminal reaches the suite and the running entry (which still
            # writes its reports against this sandbox), not the sandbox; stop() ends it
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                         start_new_session=True)
        atexit.register(self.stop)
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if ready.exists():
                line = ready.read_text().strip()
                if line.startswith(URL_PREFIX):
                    self.url = line[len(URL_PREFIX):]
                    return self.url
            if self.proc.poll() is not None:
                raise LoadlibError(f"the embedded sandbox exited with code {self.proc.returncode} before serving "
                                   f"(log: {self.log_path}); pass --host or --env to test another target")
            time.sleep(0.05)
        self.stop()
        raise LoadlibError(f"the embedded sandbox did not start within {self.timeout_s:.0f} s (log: {self.log_path})")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        with contextlib.suppress(OSError):
            (self._dir / "ready").unlink()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
