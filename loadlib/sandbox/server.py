"""Run the sandbox on uvicorn (httptools + uvloop) and announce its URL once it accepts connections.

``python -m loadlib.sandbox --port 0`` binds a free loopback port and prints one
line ``LOADLIB_SANDBOX_URL=http://127.0.0.1:PORT`` (also written atomically to
``--ready-file``) after the listening socket is open, so a parent process can
wait for that line. Without ``--db`` the state lives in a fresh temporary SQLite
file that is deleted at exit.

    python -m loadlib.sandbox --port 0 --defect fluxgate_oversell
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from loadlib.errors import ConfigError
from loadlib.sandbox.config import SandboxConfig

URL_PREFIX = "LOADLIB_SANDBOX_URL="


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file to keep state in (default: a temporary file deleted at exit)")
    parser.add_argument("--defect", metavar="NAME", action="append", default=[],
                        help="switch on a deliberate defect, for tests that prove checks bite (repeatable)")
    parser.add_argument("--ready-file", metavar="PATH", help="write the LOADLIB_SANDBOX_URL line here once serving")
    parser.add_argument("--max-body-bytes", type=int, default=SandboxConfig.max_body_bytes,
                        help="larger request bodies get 413 (default %(default)s)")
    parser.add_argument("--admission-rate", type=float, default=SandboxConfig.fluxgate_admission_rate,
                        help="Flux-Gate admissions per second before 302 to the waiting room (default %(default)s)")
    parser.add_argument("--exit-with-parent", type=int, metavar="PID", help=argparse.SUPPRESS)
    parser.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"))


def check_defects(requested: Sequence[str]) -> frozenset[str]:
    """Validate defect names: each starts with its system's name and is one that system declares.

    A system's module lists its names in ``DEFECTS``; a system that declares none accepts any
    name with its prefix.
    """
    from loadlib.sandbox.app import load_systems

    declared: dict[str, frozenset[str] | None] = {
        name: (frozenset(module.DEFECTS) if hasattr(module, "DEFECTS") else None)
        for name, module in load_systems().items()}
    every = sorted(n for names in declared.values() if names for n in names)
    for name in requested:
        system = next((s for s in declared if name.startswith(s + "_")), None)
        allowed = declared.get(system) if system else frozenset()
        if system is not None and (allowed is None or name in allowed):
            continue
        close = difflib.get_close_matches(name, every, n=1)
        raise ConfigError("--defect", name, "one of " + ", ".join(every),
                          hint=f"did you mean {close[0]!r}?" if close else None)
    return frozenset(requested)


@contextlib.contextmanager
def database_path(requested: str | None) -> Iterator[str]:
    """The user's path, or a fresh temporary file removed (with its WAL files) afterwards."""
    if requested:
        Path(requested).parent.mkdir(parents=True, exist_ok=True)
        yield requested
        return
    fd, path = tempfile.mkstemp(prefix="loadlib-sandbox-", suffix=".db")
    os.close(fd)
    try:
        yield path
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path + suffix)


def _announce(url: str, ready_file: str | None) -> None:
    line = f"{URL_PREFIX}{url}"
    if ready_file:
        target = Path(ready_file)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(line + "\n")
        os.replace(tmp, target)  # atomic: a reader never sees half a line
    print(line, flush=True)


def serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; returns the process exit code."""
    import uvicorn

    from loadlib.sandbox.app import create_app

    defects = check_defects(args.defect)
    if args.max_body_bytes < 1:
        raise ConfigError("--max-body-bytes", args.max_body_bytes, "a positive number of bytes")
    if args.admission_rate <= 0:
        raise ConfigError("--admission-rate", args.admission_rate, "a positive number per second")
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port", args.port, "0 (any free port) or 1..65535")
    with database_path(args.db) as db_path:
        cfg = SandboxConfig(db_path=db_path, host=args.host, port=args.port, defects=defects,
                            max_body_bytes=args.max_body_bytes, fluxgate_admission_rate=args.admission_rate)
        app = create_app(cfg)
        config = uvicorn.Config(app, host=args.host, port=args.port, loop="uvloop", http="httptools",
                                lifespan="on", access_log=False, log_level=args.log_level,
                                timeout_graceful_shutdown=3, backlog=4096)
        server = _AnnouncingServer(config, args.ready_file, args.exit_with_parent)
        # uvicorn re-raises the SIGTERM it caught once it has shut down; turning it into SystemExit lets
        # the temporary database be removed instead of the process dying on the default handler.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        server.run()
        if not server.started:
            print("loadlib sandbox: failed to start (see the error above)", file=sys.stderr)
            return 1
    return 0


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)


class _AnnouncingServer:
    """A uvicorn Server that prints the URL line after its socket is listening."""

    def __new__(cls, config: Any, ready_file: str | None, parent_pid: int | None = None) -> Any:
        import asyncio

        import uvicorn

        class Server(uvicorn.Server):
            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets=sockets)
                if self.started:
                    host, port = self.servers[0].sockets[0].getsockname()[:2]
                    shown = f"[{host}]" if ":" in host else host
                    _announce(f"http://{shown}:{port}", ready_file)
                    if parent_pid:
                        self._watch = asyncio.ensure_future(self._watch_parent(parent_pid))

            async def _watch_parent(self, pid: int) -> None:
                # a parent killed with SIGKILL cannot stop us: notice it is gone and exit
                while not self.should_exit:
                    if os.getppid() != pid:
                        self.should_exit = True
                        return
                    await asyncio.sleep(0.5)

        return Server(config)
