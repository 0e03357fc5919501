"""`loadlib sandbox audit`: table rendering and exit codes (0 all hold, 1 a failure, 2 unreachable)."""

from __future__ import annotations

import pytest

from loadlib.cli import sandbox as cli
from loadlib.cli.main import main

HOLDS = {"ok": True, "invariants": [{"system": "fluxgate", "name": "orders <= stock per product", "ok": True,
                                     "detail": "1 products, 3 orders"}]}
FAILS = {"ok": False, "invariants": [*HOLDS["invariants"],
                                     {"system": "rsolv", "name": "no webhook event processed twice", "ok": False,
                                      "detail": "evt_1: processed 2 times"}]}


@pytest.mark.parametrize(("document", "code"), [(HOLDS, 0), (FAILS, 1)])
def test_audit_exit_code_and_table(monkeypatch, capsys, document, code):
    monkeypatch.setattr(cli, "fetch_audit", lambda url, timeout=30.0: document)
    assert main(["sandbox", "audit", "--url", "http://127.0.0.1:9"]) == code
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:-1]}
    assert rows["OK"][:2] == ["fluxgate", "orders"]
    if code:
        assert rows["FAIL"][0] == "rsolv"
        assert "evt_1: processed 2 times" in out and "1 FAILED" in out
    else:
        assert "1 of 1 invariants hold" in out


def test_unreachable_sandbox_is_exit_2(capsys):
    from tests.support import free_port

    assert main(["sandbox", "audit", "--url", f"http://127.0.0.1:{free_port()}"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_not_a_url_is_a_readable_error(capsys):
    assert main(["sandbox", "audit", "--url", "localhost:8080"]) == 104
    assert "not an http(s) URL" in capsys.readouterr().err
