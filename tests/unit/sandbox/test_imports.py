"""The sandbox runs without Locust: importing it (and its CLI) never imports locust or gevent."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT, child_env


def test_sandbox_never_imports_locust_or_gevent():
    code = ("import sys, loadlib.sandbox.__main__, loadlib.sandbox.app, loadlib.cli.sandbox, loadlib.cli.main;"
            "from loadlib.sandbox.app import create_app, load_systems; load_systems();"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent', 'geventhttpclient'));"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
