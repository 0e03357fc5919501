import os

import pytest

from loadlib.outputs import atomic


def test_write_creates_parents_and_replaces(tmp_path):
    target = tmp_path / "a" / "b" / "report.json"
    atomic.write_atomic(target, b"one")
    atomic.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["report.json"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # umask-based, not mkstemp's 0600


def test_failing_render_leaves_no_file_and_no_temp(tmp_path):
    def boom(_: object) -> bytes:
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        atomic.write_rendered(tmp_path / "report.html", boom, object())
    assert os.listdir(tmp_path) == []


def test_failing_write_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["report.json"]


def test_check_writable(tmp_path):
    assert atomic.check_writable(tmp_path / "new" / "r.json") is None
    assert "directory" in atomic.check_writable(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "cannot create directory" in atomic.check_writable(blocker / "r.json")
