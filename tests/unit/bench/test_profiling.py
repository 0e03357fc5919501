"""Folding py-spy's collapsed stacks into top functions."""

from profiling import top_functions

RAW = """\
thread (0x1);main (a.py:10);loop (b.py:20);send (c.py:30) 60
thread (0x1);main (a.py:10);loop (b.py:21);parse (d.py:5) 30
thread (0x1);main (a.py:10);loop (b.py:22) 10
garbage line
"""


def test_self_and_total_by_function_ignoring_line_numbers() -> None:
    top = top_functions(RAW)
    assert top.samples == 100
    assert dict(top.self_) == {"send (c.py)": 60, "parse (d.py)": 30, "loop (b.py)": 10}
    assert dict(top.total)["loop (b.py)"] == 100  # on the stack in every sample, counted once per sample
    assert "send (c.py)" in top.render("t")


def test_self_time_by_package() -> None:
    raw = ("t;run (locust/user/users.py:1);add (loadlib/metrics/registry.py:9) 30\n"
           "t;run (locust/user/users.py:1);recv (gevent/_socketcommon.py:3) 60\n"
           "t;run (locust/user/users.py:1) 10\n")
    assert dict(top_functions(raw).packages) == {"gevent": 60, "loadlib": 30, "locust": 10}
