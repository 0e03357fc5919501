"""Every shipped profile's `exec` names a user class some locustfile in locustfiles/ defines."""

import ast
from pathlib import Path

import pytest

from loadlib.profiles import available_profiles, load_profile

ROOT = Path(__file__).resolve().parents[3]


def defined_classes() -> set[str]:
    names: set[str] = set()
    for f in (ROOT / "locustfiles").glob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    return names


def test_exec_names_match_workload_classes():
    classes = defined_classes()
    if not classes:
        pytest.skip("no locustfiles/ in this checkout")
    missing = {(name, s.exec) for name in available_profiles() for s in load_profile(name).scenarios
               if s.exec and s.exec not in classes}
    assert not missing, f"profiles naming classes no locustfile defines: {sorted(missing)}"
