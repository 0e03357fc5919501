"""The public surface is what loadlib/__init__.py lists; importing it starts nothing."""

import subprocess
import sys


def test_all_is_sorted_and_unique():
    import loadlib

    assert list(loadlib.__all__) == sorted(set(loadlib.__all__))


def test_import_does_not_pull_in_locust_or_write_files(tmp_path):
    code = "import sys, loadlib; print('locust' in sys.modules, 'gevent' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert list(tmp_path.iterdir()) == []


def test_every_exported_name_resolves():
    import loadlib

    missing = []
    for name in loadlib.__all__:
        try:
            getattr(loadlib, name)
        except (AttributeError, ImportError) as exc:
            missing.append(f"{name}: {exc}")
    assert not missing, missing
